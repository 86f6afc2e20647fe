// The lesson's written steps and the scenario's steps say the same thing. Where a lesson writes
// its guided experiment out (the "Guided experiment" section that embeds the lab), every control
// a step names (its quoted labels, « Visiter », "Replace every instance") is named in that
// section, in that language, in the steps' order. Where a page has no written steps (the
// exercises, the open lab), the steps beside the running lab are the only source. Everywhere,
// every label a step quotes is a real label of the dashboard or the sandbox, so a step never asks
// for a button that is not there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listScenarios, type Scenario } from '../../sandboxes/labs/scenario-model.ts';
import { strings as dashboardStrings } from '../../sandboxes/platform/dashboard/strings.ts';

const LANGUAGES = ['fr', 'en'] as const;
type Lang = (typeof LANGUAGES)[number];

/** Spaces of every kind as one plain space, so that « Visiter » matches whatever space it has. */
function normalise(text: string): string {
  return text.replace(/[\s\u00a0\u202f]+/g, ' ');
}

/** The labels a step's text quotes: between « » in French, between straight or curly quotes in English. */
function quotedLabels(text: string, lang: Lang): string[] {
  const pattern = lang === 'fr' ? /«\s*([^»]+?)\s*»/g : /["“]([^"”]+)["”]/g;
  return [...normalise(text).matchAll(pattern)].map((match) => match[1]!.trim());
}

/**
 * The `##` section of a lesson that embeds `<Sandbox lab="…">`, code blocks included (they are
 * the lesson's text too), or null when the page has no such embed.
 */
function labSection(source: string, lab: string): { heading: string; text: string } | null {
  const embed = source.indexOf(`<Sandbox lab="${lab}"`);
  if (embed < 0) return null;
  const heading = /^## /gm;
  let start = 0;
  let end = source.length;
  for (const match of source.matchAll(heading)) {
    if (match.index <= embed) start = match.index;
    else {
      end = match.index;
      break;
    }
  }
  const raw = source.slice(start, end);
  return { heading: /^## (.*)/.exec(raw)?.[1]?.trim() ?? '', text: normalise(raw) };
}

/** The heading of a lesson's written guided experiment, in each language. */
const GUIDED: Record<Lang, string> = { fr: 'Expérience guidée', en: 'Guided experiment' };

/** Every label the learner can read on the dashboard and the sandbox, in one language. */
function knownLabels(lang: Lang): string[] {
  const ui = JSON.parse(readFileSync(`content/i18n/${lang}.json`, 'utf8')) as Record<
    string,
    string
  >;
  return [...Object.values(dashboardStrings[lang]), ...Object.values(ui)].map(normalise);
}

const scenarios: Scenario[] = listScenarios();

describe('the scenarios and the lessons that embed them', () => {
  it('has scenarios to compare', () => {
    expect(scenarios.map((s) => s.id)).toContain('02-memory-sessions');
  });

  for (const scenario of scenarios) {
    for (const page of scenario.pages) {
      for (const lang of LANGUAGES) {
        it(`${scenario.id} agrees with the ${lang} text of ${page}`, () => {
          const source = readFileSync(`content/docs/${lang}/${page}.mdx`, 'utf8');
          const section = labSection(source, scenario.lab);
          expect(section, `${page}.mdx embeds <Sandbox lab="${scenario.lab}" />`).not.toBeNull();
          const known = knownLabels(lang);
          const written = section!.heading === GUIDED[lang];
          // Each label is looked for after the place the step before was found: the lesson
          // names the controls in the order the steps use them.
          let from = 0;
          for (const step of scenario.steps) {
            const labels = quotedLabels(step.do[lang], lang);
            let first: number | null = null;
            let at = from;
            for (const label of labels) {
              expect(
                known.some((text) => text.includes(label)),
                `step "${step.id}" (${lang}) names «${label}», which no control of the dashboard or the sandbox is called`,
              ).toBe(true);
              if (!written) continue;
              const found = section!.text.indexOf(label, at);
              expect(
                found,
                `step "${step.id}" (${lang}) names «${label}»: the lesson ${page} (${lang}) should name it in its lab section, after the step before`,
              ).toBeGreaterThanOrEqual(0);
              first ??= found;
              at = found;
            }
            if (first !== null) from = first + 1;
          }
        });
      }
    }
  }

  it('finds the written guided experiment of a lesson', () => {
    const source = readFileSync('content/docs/en/02-memory-sessions.mdx', 'utf8');
    expect(labSection(source, 'sessions')?.heading).toBe(GUIDED.en);
    expect(labSection(source, 'cart')).toBeNull();
  });

  it('reads the labels of a step in both languages', () => {
    expect(quotedLabels('Cliquez six fois sur « Visiter », en nouveau visiteur.', 'fr')).toEqual([
      'Visiter',
    ]);
    expect(quotedLabels('Pick "Redis", then "Apply by rolling replacement".', 'en')).toEqual([
      'Redis',
      'Apply by rolling replacement',
    ]);
  });
});
