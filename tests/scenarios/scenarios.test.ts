// The scenarios: one per lesson's embed of the lab and per exercise, read by the one reader of
// scenario-model.ts, whose errors name the file and the field; written in both languages.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ACTION_TYPES,
  FACT_TYPES,
  findScenario,
  listScenarios,
  parseRecording,
  parseScenario,
  checkAgainstLab,
  ScenarioFileError,
  type Scenario,
} from '../../sandboxes/labs/scenario-model.ts';
import { isExercise, readManifest } from '../../sandboxes/labs/lab-model.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenarios = listScenarios();

/** Every `<Sandbox lab="…" />` of the lessons, by page slug, in one language. */
function embeds(lang: 'fr' | 'en'): { page: string; lab: string }[] {
  const folder = path.join(root, 'content/docs', lang);
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.mdx'))
    .flatMap((name) => {
      const text = fs.readFileSync(path.join(folder, name), 'utf8');
      return [...text.matchAll(/<Sandbox\s+lab="([a-z0-9-]+)"/g)].map((match) => ({
        page: name.replace(/\.mdx$/, ''),
        lab: match[1] ?? '',
      }));
    });
}

const valid: Scenario = {
  id: 'demo',
  lab: 'sessions',
  title: { fr: 'Démo', en: 'Demo' },
  pages: ['lab'],
  start: { sessionStore: 'memory', sticky: false, instances: 3, files: 'app' },
  steps: [
    {
      id: 'visit',
      do: { fr: 'Visitez.', en: 'Visit.' },
      see: { fr: 'Une réponse.', en: 'An answer.' },
      action: { type: 'visit', count: 2 },
      expect: [{ type: 'answered' }],
      caption: { fr: '{instance} répond.', en: '{instance} answers.' },
    },
  ],
};

describe('every embed of the lab has its scenario', () => {
  it.each(['fr', 'en'] as const)('in %s', (lang) => {
    const found = embeds(lang);
    expect(found.length).toBeGreaterThanOrEqual(10);
    for (const { page, lab } of found) {
      const scenario = scenarios.find((s) => s.lab === lab && s.pages.includes(page));
      expect(
        scenario,
        `<Sandbox lab="${lab}" /> of ${lang}/${page}.mdx has no scenario`,
      ).toBeDefined();
    }
  });

  it('each scenario names pages that embed its lab, in both languages', () => {
    for (const scenario of scenarios) {
      for (const page of scenario.pages) {
        for (const lang of ['fr', 'en'] as const) {
          expect(
            embeds(lang).some((e) => e.page === page && e.lab === scenario.lab),
            `${scenario.id}: ${lang}/${page}.mdx does not embed the lab "${scenario.lab}"`,
          ).toBe(true);
        }
      }
    }
  });

  it('each exercise goes from its starting files to a failing check, Solve, a passing check', () => {
    const exercises = scenarios.filter((s) => isExercise(readManifest(s.lab)));
    expect(exercises.map((s) => s.lab).sort()).toEqual(['avatar', 'cart', 'counter', 'health']);
    for (const scenario of exercises) {
      expect(scenario.start.files).toBe('app');
      const kinds = scenario.steps
        .map((step) => step.action.type)
        .filter((t) => t !== 'store-stop' && t !== 'store-start');
      expect(kinds, scenario.id).toEqual(['check', 'solve', 'check']);
      const checks = scenario.steps.filter((step) => step.action.type === 'check');
      expect(checks.map((step) => step.expect.map((fact) => fact.type))).toEqual([
        ['check-fails'],
        ['check-passes'],
      ]);
    }
  });
});

describe('the words of the scenarios', () => {
  it('are in both languages, different in each, with the same placeholders', () => {
    for (const scenario of scenarios) {
      for (const step of scenario.steps) {
        for (const field of ['do', 'see', 'caption'] as const) {
          const text = step[field];
          const where = `${scenario.id}/${step.id}.${field}`;
          expect(text.fr, where).not.toBe(text.en);
          const names = (s: string) => [...s.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]).sort();
          expect(names(text.fr), where).toEqual(names(text.en));
        }
      }
    }
  });

  it("use the glossary's words: magasin de sessions, session collante, vivacité, préparation", () => {
    const french = JSON.stringify(
      scenarios.map((s) => s.steps.map((st) => [st.do.fr, st.see.fr, st.caption.fr])),
    );
    const english = JSON.stringify(
      scenarios.map((s) => s.steps.map((st) => [st.do.en, st.see.en, st.caption.en])),
    );
    for (const word of [
      'magasin de sessions',
      'session collante',
      'vivacité',
      'préparation',
      'instance',
    ]) {
      expect(french).toContain(word);
    }
    for (const word of ['session store', 'sticky session', 'liveness', 'readiness', 'instance']) {
      expect(english.toLowerCase()).toContain(word);
    }
    // Words the glossary does not use for these ideas.
    expect(french).not.toMatch(/session persistante|affinité collante|santé de vie/);
    expect(english).not.toMatch(/session affinity store|aliveness/);
  });

  it('every action and every fact of the model is one a scenario may use', () => {
    const used = new Set(
      scenarios.flatMap((s) => s.steps.flatMap((st) => st.expect.map((f) => f.type))),
    );
    for (const type of used) expect(FACT_TYPES).toContain(type);
    const actions = new Set(scenarios.flatMap((s) => s.steps.map((st) => st.action.type)));
    for (const type of actions) expect(ACTION_TYPES).toContain(type);
  });
});

describe('the reader', () => {
  it('accepts a valid scenario', () => {
    expect(parseScenario(valid, 'demo.json')).toEqual(valid);
  });

  it('names the file and every field at fault', () => {
    const broken = {
      ...valid,
      extra: 1,
      title: { fr: '', en: 'Demo' },
      start: { ...valid.start, instances: 9, files: 'both' },
      steps: [
        {
          ...valid.steps[0],
          action: { type: 'visit', count: 0, colour: 'red' },
          expect: [{ type: 'count-grows' }, { type: 'scaled' }],
        },
        { ...valid.steps[0] },
      ],
    };
    let message = '';
    try {
      parseScenario(broken, 'sandboxes/labs/sessions/scenarios/demo.json');
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioFileError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^sandboxes\/labs\/sessions\/scenarios\/demo\.json:\n- /);
    expect(message).toContain('"extra" is not a field here');
    expect(message).toContain('"title.fr" must be a non-empty string');
    expect(message).toContain('"start.instances" must be a whole number from 1 to 8, not 9');
    expect(message).toContain('"start.files" must be "app" or "solution", not "both"');
    expect(message).toContain(
      '"steps[0].action.colour" is not a parameter of "visit"; it takes count, path, fresh',
    );
    expect(message).toContain('"steps[0].action.count" must be a whole number from 1 to 50, not 0');
    expect(message).toContain('"steps[0].expect[0].type" must be one of answered,');
    expect(message).toContain('"steps[0].expect[1].count" is missing');
    expect(message).toContain('"steps[1].id" is "visit" again: step ids are unique');
  });

  it('checks a scenario against its lab: an edit of a file the learner cannot edit, Solve outside an exercise', () => {
    const scenario: Scenario = {
      ...valid,
      steps: [
        {
          ...valid.steps[0]!,
          action: { type: 'edit', file: 'balancer.js', find: 'a', replace: 'b' },
        },
        { ...valid.steps[0]!, id: 'solve', action: { type: 'solve' } },
      ],
    };
    expect(() =>
      checkAgainstLab(scenario, 'sandboxes/labs/sessions/scenarios/other.json', {
        lab: 'sessions',
        id: 'other',
      }),
    ).toThrow(
      /^sandboxes\/labs\/sessions\/scenarios\/other\.json:\n- "id" must be "other", the file's name\n- "steps\[0\]\.action\.file" is balancer\.js, not one of the lab's editable files .*\n- "steps\[1\]\.action" is "solve" but "sessions" is not an exercise$/,
    );
  });

  it('says which scenarios there are when asked for one that does not exist', () => {
    expect(() => findScenario('nope')).toThrow(
      /There is no scenario "nope"\. The scenarios are: .*02-memory-sessions/,
    );
  });

  it('refuses a recording that is not one, saying to record it again', () => {
    expect(() => parseRecording([], 'r.json')).toThrow(
      /^r\.json: expected a recording, a JSON object; run npm run record\.$/,
    );
    expect(() =>
      parseRecording(
        {
          scenario: 'x',
          lab: 'sessions',
          lang: 'de',
          key: 'abc',
          recordedAt: 'yesterday',
          durationMs: 1,
          steps: [],
          frames: [{ at: 0, kind: 'movie' }],
        },
        'r.json',
      ),
    ).toThrow(
      /"lang" must be one of fr, en, not "de"[\s\S]*"key" must be a sha256 in hex[\s\S]*"recordedAt" must be an ISO date[\s\S]*"frames\[0\]\.kind" must be one of state, event, visit/,
    );
  });
});
