// The step engine (sandboxes/platform/dashboard/assets/steps.js) on observations from real runs
// of the lab: fixtures/real-runs.json holds recordings made by `npm run record`, thinned to what
// the engine reads (no log lines, no request events, states cut to their instances and config),
// and frozen, so that these tests do not move when the recordings are made again. Each test says
// what the lesson promises and checks the engine tells it, in both languages, from the run's facts.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionsSeen,
  fillPlaceholders,
  framesByStep,
  judgeFact,
  judgeStep,
  replay,
  runValues,
} from '../../sandboxes/platform/dashboard/assets/steps.js';
import {
  FACT_TYPES,
  parseScenario,
  type Fact,
  type Frame,
  type Recording,
  type Scenario,
  type Step,
} from '../../sandboxes/labs/scenario-model.ts';

interface RealRun {
  scenario: Scenario;
  recordedAt: string;
  marks: Recording['steps'];
  frames: Frame[];
}

const runs = JSON.parse(
  fs.readFileSync(new URL('./fixtures/real-runs.json', import.meta.url), 'utf8'),
) as RealRun[];

/** The run of scenario `id` as a recording, for framesByStep and replay. */
function run(id: string): { scenario: Scenario; recording: Recording } {
  const found = runs.find((entry) => entry.scenario.id === id);
  if (!found) throw new Error(`no fixture for ${id}`);
  return {
    scenario: found.scenario,
    recording: {
      scenario: id,
      lab: found.scenario.lab,
      // The fixture's run is taken as English, the language every run was made in before recordings had one.
      lang: 'en',
      key: '0'.repeat(64),
      recordedAt: found.recordedAt,
      durationMs: found.frames.at(-1)?.at ?? 0,
      steps: found.marks,
      frames: found.frames,
    },
  };
}

/** One step of a real run: the step, what happened during it, and everything before. */
function slice(id: string, stepId: string): { step: Step; observations: Frame[]; before: Frame[] } {
  const { scenario, recording } = run(id);
  const step = scenario.steps.find((candidate) => candidate.id === stepId);
  const part = framesByStep(recording).find((candidate) => candidate.id === stepId);
  if (!step || !part) throw new Error(`no step ${stepId} in ${id}`);
  return { step, observations: part.observations, before: part.before };
}

const visitsOf = (frames: Frame[]) => frames.filter((frame) => frame.kind === 'visit');

describe('the fixtures', () => {
  it('are real runs of the scenarios, each step of which the engine judged done', () => {
    expect(runs.length).toBeGreaterThanOrEqual(6);
    for (const entry of runs) {
      parseScenario(entry.scenario, `fixture ${entry.scenario.id}`);
      const { scenario, recording } = run(entry.scenario.id);
      for (const { step, judgement } of replay(scenario, recording)) {
        expect(judgement.status, `${scenario.id}/${step.id}: ${judgement.message.en}`).toBe('done');
      }
    }
  });
});

describe('memory sessions (lesson 2)', () => {
  it('six visits split the count across the three instances', () => {
    const { step, observations, before } = slice('02-memory-sessions', 'visit-six-times');
    const visits = visitsOf(observations);
    expect(visits).toHaveLength(6);
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    const max = Math.max(...visits.map((v) => Number(v.kind === 'visit' && v.body['visits'])));
    expect(max).toBeLessThan(6);
    expect(judgement.message.en).toContain(`no instance counts more than ${max} visit`);
    expect(judgement.message.fr).toContain(`aucune instance ne compte plus de ${max} visite`);
    expect(judgement.caption.en).toContain(`more than ${max}:`);
    expect(judgement.caption.en).not.toMatch(/\{[a-z]+\}/);
  });

  it('is waiting, and counts the visits, until the sixth', () => {
    const { step, observations, before } = slice('02-memory-sessions', 'visit-six-times');
    const third = observations.indexOf(visitsOf(observations)[2] as Frame);
    const judgement = judgeStep(step, observations.slice(0, third + 1), before);
    expect(judgement.status).toBe('waiting');
    expect(judgement.message.en).toMatch(/^3 of 6 visits\. Press "Visit" six times/);
    expect(judgement.message.fr).toMatch(/^3 visite\(s\) sur 6\. Cliquez six fois/);
  });

  it('a kill names the instance killed and the fresh one that took its place', () => {
    const { step, observations, before } = slice('02-memory-sessions', 'kill-last');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    const stopped = observations.find(
      (f) => f.kind === 'event' && f.event.type === 'instance-stopped',
    );
    const killed = stopped?.kind === 'event' && 'id' in stopped.event ? stopped.event.id : '';
    // The instance killed is the one that answered the last visit before the step.
    const lastVisit = visitsOf(before).at(-1);
    expect(lastVisit?.kind === 'visit' && lastVisit.instance).toBe(killed);
    expect(judgement.values['killed']).toBe(killed);
    expect(judgement.values['replacement']).toMatch(/^web-\d+$/);
    expect(judgement.values['replacement']).not.toBe(killed);
    expect(judgement.message.en).toBe(
      `${killed} was killed; the platform started a fresh instance, ${judgement.values['replacement']}, in its place.`,
    );
  });

  it('the next visit on the fresh instance counts 1 again: the session was lost', () => {
    const { step, observations, before } = slice('02-memory-sessions', 'visit-after-kill');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    const { killed, replacement } = judgement.values;
    const onFresh = visitsOf(observations).find(
      (v) => v.kind === 'visit' && v.instance === replacement,
    );
    expect(onFresh?.kind === 'visit' && onFresh.body['visits']).toBe(1);
    expect(judgement.message.en).toBe(
      `${killed} was killed; your visit was answered by ${replacement}, which had never seen you, with 1 visit: the session was lost.`,
    );
    expect(judgement.caption.en).toBe(
      `Your visit lands on ${replacement}, which has never seen you: the count starts again at 1. Everything ${killed} knew about you died with its process.`,
    );
  });

  it('the same visits do not carry on the count, as Redis would', () => {
    const { observations, before } = slice('02-memory-sessions', 'visit-after-kill');
    const result = judgeFact({ type: 'count-continues' }, observations, before);
    expect(result.ok).toBe(false);
    expect(result.says.en).toMatch(
      /^the count was at \d+ and then went .*: the session did not carry on$/,
    );
  });

  it('replacing every instance instead of killing one is "something else", said kindly', () => {
    const kill = slice('02-memory-sessions', 'kill-last').step;
    const { observations, before } = slice('02-memory-sessions', 'replace-all');
    const judgement = judgeStep(kill, observations, before);
    expect(judgement.status).toBe('other');
    expect(judgement.message.en).toBe(
      `You replaced every instance instead of killing a single one: every session kept in memory went with them. To follow the lesson: ${kill.do.en}`,
    );
    expect(judgement.message.fr).toBe(
      `Vous avez remplacé toutes les instances au lieu d'en tuer une seule : toutes les sessions gardées en mémoire sont parties avec elles. Pour suivre la leçon : ${kill.do.fr}`,
    );
  });

  it('after a replacement, every visit lands on a fresh instance that counts 1', () => {
    const { step, observations, before } = slice('02-memory-sessions', 'visit-after-replace');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    for (const visit of visitsOf(observations)) {
      expect(visit.kind === 'visit' && visit.body['visits']).toBe(1);
    }
  });
});

describe('Redis sessions (lesson 3)', () => {
  it('the switch is done once the state shows Redis and the rollout is over', () => {
    const { step, observations, before } = slice('03-redis-sessions', 'switch-to-redis');
    expect(judgeStep(step, observations, before).status).toBe('done');
    // Halfway through the rollout, the step is still waiting.
    const started = observations.findIndex(
      (f) => f.kind === 'event' && f.event.type === 'rollout-started',
    );
    expect(judgeStep(step, observations.slice(0, started + 1), before).status).toBe('waiting');
    expect(actionsSeen(observations, before)).toContain('config');
  });

  it('six visits climb without a gap across three instances', () => {
    const { step, observations, before } = slice('03-redis-sessions', 'visit-six-times');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toContain('the count climbs without a gap: 1, 2, 3, 4, 5, 6');
    expect(judgement.message.fr).toContain('le compteur monte sans trou : 1, 2, 3, 4, 5, 6');
  });

  it("the dashboard's own read of the session (its expiry readout) is neither a visit nor a gap", () => {
    const { step, observations, before } = slice('03-redis-sessions', 'visit-six-times');
    // After the first press starts the session, the expiry readout reads it: GET /api/session,
    // which answers the same count. Six presses are still six visits, and the count still climbs.
    const first = visitsOf(observations)[0] as Frame & { kind: 'visit' };
    const read: Frame = {
      ...first,
      at: first.at + 1,
      method: 'GET',
      path: '/api/session',
      body: { ...first.body, expiresInSeconds: 86_399 },
    };
    const at = observations.indexOf(first) + 1;
    const withRead = [...observations.slice(0, at), read, ...observations.slice(at)];
    const judgement = judgeStep(step, withRead, before);
    expect(judgement.status, judgement.message.en).toBe('done');
    expect(judgement.message.en).toContain('the count climbs without a gap: 1, 2, 3, 4, 5, 6');
    // Before the sixth press, the read does not make up for the missing visit.
    const sixth = withRead.indexOf(visitsOf(observations)[5] as Frame);
    expect(judgeStep(step, withRead.slice(0, sixth), before).status).toBe('waiting');
  });

  it('the same visits are "something else" for lesson 2, which expects the count to split', () => {
    const memory = slice('02-memory-sessions', 'visit-six-times').step;
    const { observations, before } = slice('03-redis-sessions', 'visit-six-times');
    const judgement = judgeStep(memory, observations, before);
    expect(judgement.status).toBe('other');
    expect(judgement.message.en).toContain(
      "the count followed your 6 visits without splitting (1, 2, 3, 4, 5, 6): the sessions are not in each instance's memory",
    );
  });

  it('the count carries on across a kill, a replacement and five instances', () => {
    for (const stepId of ['visit-after-kill', 'visit-after-replace', 'visit-five']) {
      const { step, observations, before } = slice('03-redis-sessions', stepId);
      const judgement = judgeStep(step, observations, before);
      expect(judgement.status, stepId).toBe('done');
      const previous = Number(judgement.values['previous']);
      const first = visitsOf(observations)[0];
      expect(first?.kind === 'visit' && first.body['visits']).toBe(previous + 1);
      expect(judgement.message.en).toContain(
        `The count carries on where it was: ${previous}, then`,
      );
    }
  });

  it('a replacement is done only once every old instance has gone', () => {
    const { step, observations, before } = slice('03-redis-sessions', 'replace-all');
    expect(judgeStep(step, observations, before).status).toBe('done');
    const firstStop = observations.findIndex(
      (f) => f.kind === 'event' && f.event.type === 'instance-stopped',
    );
    const early = judgeStep(step, observations.slice(0, firstStop + 1), before);
    expect(early.status).toBe('waiting');
    expect(early.facts[0]?.says.en).toMatch(/^1 of 3 instance\(s\) replaced so far\.$/);
  });

  it('scaling to five is done when five instances are ready', () => {
    const { step, observations, before } = slice('03-redis-sessions', 'scale-to-five');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.values['count']).toBe('5');
    expect(actionsSeen(observations, before)).toEqual(['scale']);
  });
});

describe('the outage (lessons 3 and 5)', () => {
  it('stopping Redis leaves every instance alive but unready', () => {
    const { step, observations, before } = slice('05-health-checks', 'stop-redis');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toMatch(
      /^Redis no longer answers; web-\d+, web-\d+ and web-\d+ are "not ready"/,
    );
  });

  it('liveness answers 200, readiness 503, the API 503, and nothing restarts', () => {
    const live = slice('05-health-checks', 'liveness-holds');
    expect(judgeStep(live.step, live.observations, live.before).status).toBe('done');
    for (const visit of visitsOf(live.observations)) {
      expect(visit.kind === 'visit' && [visit.path, visit.status]).toEqual(['/healthz', 200]);
    }
    const ready = slice('05-health-checks', 'readiness-drops');
    const judgement = judgeStep(ready.step, ready.observations, ready.before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toMatch(/^Readiness \(\/readyz\) answers 503 on web-\d+/);
    const api = slice('05-health-checks', 'visit-during-outage');
    const refused = judgeStep(api.step, api.observations, api.before);
    expect(refused.status).toBe('done');
    expect(refused.message.en).toContain('The visit gets 503: "The session store is unreachable');
    expect(refused.message.en).toContain('no instance was restarted');
  });

  it('liveness probes are not readiness: the 200s of /healthz do not show readiness-503', () => {
    const { observations, before } = slice('05-health-checks', 'liveness-holds');
    const result = judgeFact({ type: 'readiness-503' }, observations, before);
    expect(result.ok).toBe(false);
    expect(result.says.en).toBe('Nobody has asked /readyz yet.');
  });

  it('after the outage, the count resumes where it was', () => {
    const { step, observations, before } = slice('05-health-checks', 'visit-after-outage');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    const previous = Number(judgement.values['previous']);
    expect(previous).toBeGreaterThan(0);
    expect(judgement.values['visits']).toBe(String(previous + 1));
    expect(judgement.caption.en).toBe(
      `${previous}, then ${previous + 1}: the data outlived the outage. Nothing was restarted and nothing was lost.`,
    );
  });

  it('stopping Redis instead of killing an instance is "something else"', () => {
    const kill = slice('03-redis-sessions', 'kill').step;
    const { observations, before } = slice('03-redis-sessions', 'stop-redis');
    const judgement = judgeStep(kill, observations, before);
    expect(judgement.status).toBe('other');
    expect(judgement.message.en).toMatch(
      /^You stopped Redis instead of killing a single one: the instances answer 503 on \/api\/\* while Redis is stopped\./,
    );
  });

  it('a liveness check that asks Redis gets an instance killed (the health exercise)', () => {
    const { step, observations, before } = slice('health', 'stop-redis');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toMatch(
      /web-\d+ failed its liveness check and the platform replaced it/,
    );
    const stopped = observations.find(
      (f) => f.kind === 'event' && f.event.type === 'instance-stopped',
    );
    expect(
      stopped?.kind === 'event' &&
        stopped.event.type === 'instance-stopped' &&
        stopped.event.reason,
    ).toBe('unhealthy');
  });
});

describe('sticky sessions (lesson 4)', () => {
  it('one instance answers every visit and the count climbs', () => {
    const { step, observations, before } = slice('04-sticky-sessions', 'visit-four-times');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toMatch(
      /^web-\d+ answers each of your 4 visits; the count climbs without a gap: 1, 2, 3, 4\.$/,
    );
  });

  it('the session is lost when the pinned instance dies', () => {
    const kill = slice('04-sticky-sessions', 'kill-pinned');
    const killed = judgeStep(kill.step, kill.observations, kill.before);
    expect(killed.status).toBe('done');
    const pinned = visitsOf(kill.before).at(-1);
    expect(pinned?.kind === 'visit' && pinned.instance).toBe(killed.values['killed']);
    const after = slice('04-sticky-sessions', 'visit-after-kill');
    const judgement = judgeStep(after.step, after.observations, after.before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toContain('with 1 visit: the session was lost');
    expect(judgement.caption.en).toContain(
      `every visitor pinned to ${killed.values['killed']} vanished`,
    );
  });

  it('the same visits do not show one instance answering when they spread (lesson 3)', () => {
    const { observations, before } = slice('03-redis-sessions', 'visit-six-times');
    const result = judgeFact({ type: 'same-instance' }, observations, before);
    expect(result.ok).toBe(false);
    expect(result.says.en).toMatch(/^several instances answered .*: sticky sessions are not on$/);
  });
});

describe('the platform (lesson 6)', () => {
  it('a hundred visits during a replacement all get 200, and the count carries on', () => {
    const { step, observations, before } = slice('06-no-process-manager', 'replace-under-load');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(visitsOf(observations)).toHaveLength(100);
    expect(judgement.values['ok']).toBe('100');
    expect(judgement.caption.en).toMatch(/^100 visits of 100 got a 200 during the replacement/);
    // A long run of counts shows its ends only.
    expect(judgement.message.en).toMatch(/then \d+, \d+, \d+, …, \d+, \d+, served by/);
  });

  it('the burst step waits for the rollout that its visits outlast', () => {
    const { step, observations, before } = slice('06-no-process-manager', 'replace-under-load');
    const finished = observations.findIndex(
      (f) => f.kind === 'event' && f.event.type === 'rollout-started',
    );
    const partial = judgeStep(step, observations.slice(0, finished + 1), before);
    expect(partial.status).toBe('waiting');
  });

  it('scaling down is "scale", never a kill', () => {
    const { observations, before } = slice('06-no-process-manager', 'scale-down');
    expect(actionsSeen(observations, before)).toEqual(['scale']);
  });
});

describe('edits and exercises', () => {
  it('an edit rolls out; a syntax error stops the rollout with the first line of its error', () => {
    const edit = slice('open-lab', 'edit');
    expect(judgeStep(edit.step, edit.observations, edit.before).status).toBe('done');
    const broken = slice('open-lab', 'syntax-error');
    const judgement = judgeStep(broken.step, broken.observations, broken.before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toMatch(
      /^server\.js changed; the rollout stops \("web-\d+ did not start: it exited with code 1\."\) and the old instances keep serving\.$/,
    );
    // An id or a file name keeps its lower case at the start of a sentence.
    expect(judgement.message.fr).toMatch(/^server\.js a changé ;/);
    const fixed = slice('open-lab', 'fix');
    expect(judgeStep(fixed.step, fixed.observations, fixed.before).status).toBe('done');
  });

  it('the check fails on the starting files and passes after Solve', () => {
    const start = slice('cart', 'check-start');
    const failing = judgeStep(start.step, start.observations, start.before);
    expect(failing.status).toBe('done');
    expect(failing.caption.en).toBe(
      'The starting files fail on cart-shared and cart-survives-replacement.',
    );
    const solve = slice('cart', 'solve');
    expect(judgeStep(solve.step, solve.observations, solve.before).status).toBe('done');
    const solved = slice('cart', 'check-solved');
    const passing = judgeStep(solved.step, solved.observations, solved.before);
    expect(passing.status).toBe('done');
    expect(passing.message.fr).toBe(
      'La vérification passe : cart-shared et cart-survives-replacement.',
    );
  });

  it('a check that fails where the step expects it to pass says which results failed', () => {
    const solved = slice('cart', 'check-solved').step;
    const { observations, before } = slice('cart', 'check-start');
    const judgement = judgeStep(solved, observations, before);
    expect(judgement.status).toBe('other');
    expect(judgement.message.en).toBe(
      'The check still fails on cart-shared and cart-survives-replacement. Everything passes.',
    );
  });
});

describe('every fact', () => {
  const empty: Fact[] = FACT_TYPES.map((type) => {
    if (type === 'scaled') return { type, count: 3 };
    if (type === 'task-ran') return { type, name: 'migrate' };
    return { type } as Fact;
  });

  it('is known to the engine, and does not hold on no observation but no-restart', () => {
    for (const fact of empty) {
      const result = judgeFact(fact, [], []);
      expect(result.says.en, fact.type).not.toMatch(/does not know the fact/);
      expect(result.says.fr, fact.type).not.toMatch(/est inconnu/);
      expect(result.says.fr).not.toBe(result.says.en);
      // Silence proves nothing, except that nothing restarted.
      expect(result.ok, fact.type).toBe(fact.type === 'no-restart');
    }
  });

  it('an unknown fact, from a scenario no validator read, says so in both languages', () => {
    const result = judgeFact({ type: 'nope' } as unknown as Fact, [], []);
    expect(result.ok).toBe(false);
    expect(result.says.en).toBe('This dashboard does not know the fact "nope".');
  });
});

describe('placeholders', () => {
  it('are filled from the run; one the run cannot fill stays as written', () => {
    const filled = fillPlaceholders(
      { fr: '{instance} : {visits} ({nothing})', en: '{instance}: {visits} ({nothing})' },
      { instance: 'web-4', visits: '1' },
    );
    expect(filled).toEqual({ fr: 'web-4 : 1 ({nothing})', en: 'web-4: 1 ({nothing})' });
  });

  it('every caption of every real run is filled completely', () => {
    for (const entry of runs) {
      const { scenario, recording } = run(entry.scenario.id);
      for (const { step, judgement } of replay(scenario, recording)) {
        for (const lang of ['fr', 'en'] as const) {
          expect(judgement.caption[lang], `${scenario.id}/${step.id}`).not.toMatch(/\{[a-z]+\}/);
        }
      }
    }
  });

  it('the values name the last instance and count of the session', () => {
    const { observations, before } = slice('03-redis-sessions', 'visit-after-kill');
    const values = runValues(observations, before);
    const last = visitsOf(observations).at(-1);
    expect(values['instance']).toBe(last?.kind === 'visit' ? last.instance : null);
    expect(values['visits']).toBe(String(last?.kind === 'visit' ? last.body['visits'] : ''));
  });
});

describe('framesByStep', () => {
  it('gives each step the frames from its start to the next step, and all before', () => {
    const { recording } = run('02-memory-sessions');
    const parts = framesByStep(recording);
    expect(parts.map((part) => part.id)).toEqual(recording.steps.map((step) => step.id));
    const total = parts.reduce((sum, part) => sum + part.observations.length, 0);
    const firstAt = recording.steps[0]?.at ?? 0;
    expect(total).toBe(recording.frames.filter((f) => f.at >= firstAt).length);
    for (const [i, part] of parts.entries()) {
      const next = parts[i + 1];
      if (next) expect(next.before.length).toBe(part.before.length + part.observations.length);
    }
  });
});
