// The step engine on lesson 3's burst and expiry steps, judged on a real run of the lab frozen in
// fixtures/burst-expiry-run.json (Redis sessions): twenty visits sent together in one session,
// a lifetime of 15 s set through PUT /lab/config, a look at the session's expiry, then the
// session gone once the lifetime has passed. The scenario model's reader is tested on the new
// action parameters (`together`, `wait`, `sessionMaxAgeSeconds`) and refuses wrong values.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionsSeen,
  framesByStep,
  judgeFact,
  judgeStep,
} from '../../sandboxes/platform/dashboard/assets/steps.js';
import {
  parseScenario,
  readScenario,
  type Frame,
  type Recording,
  type Scenario,
  type Step,
  type VisitFrame,
} from '../../sandboxes/labs/scenario-model.ts';

const fixture = JSON.parse(
  fs.readFileSync(new URL('./fixtures/burst-expiry-run.json', import.meta.url), 'utf8'),
) as { scenario: Scenario; recordedAt: string; marks: Recording['steps']; frames: Frame[] };

const recording: Recording = {
  scenario: fixture.scenario.id,
  lab: fixture.scenario.lab,
  // The fixture's run is taken as English, the language every run was made in before recordings had one.
  lang: 'en',
  key: '0'.repeat(64),
  recordedAt: fixture.recordedAt,
  durationMs: fixture.frames.at(-1)?.at ?? 0,
  steps: fixture.marks,
  frames: fixture.frames,
};
const parts = framesByStep(recording);

/** One step of the run: the step, what happened during it, and everything before. */
function slice(id: string): { step: Step; observations: Frame[]; before: Frame[] } {
  const step = fixture.scenario.steps.find((candidate) => candidate.id === id);
  const part = parts.find((candidate) => candidate.id === id);
  if (!step || !part) throw new Error(`no step ${id} in the fixture`);
  return { step, observations: part.observations, before: part.before };
}

/** The visits of some frames, as the engine reads them. */
function visitsOf(frames: Frame[]): VisitFrame[] {
  return frames.filter((frame): frame is VisitFrame => frame.kind === 'visit');
}

describe('twenty visits at once (real run, Redis sessions)', () => {
  it('is done: every visit answered 200, and the count rose by less than the visits made', () => {
    const { step, observations, before } = slice('burst-at-once');
    const posts = visitsOf(observations).filter((visit) => visit.path === '/api/visit');
    expect(posts).toHaveLength(20);
    // What the run itself shows: the smallest answer is the count before + 1, the highest the count reached.
    const counts = posts.map((visit) => Number(visit.body['visits']));
    const rise = Math.max(...counts) - Math.min(...counts) + 1;
    expect(rise).toBeLessThan(20);
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toContain(`rose by only ${rise}: ${20 - rise} update(s) lost`);
    expect(judgement.message.fr).toContain(`n'a monté que de ${rise} : ${20 - rise} mise(s)`);
    expect(judgement.caption.en).toContain(`only reaches ${Math.max(...counts)}`);
  });

  it('does not hold when every visit counted, one after another', () => {
    const { observations, before } = slice('burst-at-once');
    let next = 3;
    const serial = observations.map((frame) =>
      frame.kind === 'visit' ? { ...frame, body: { ...frame.body, visits: next++ } } : frame,
    );
    const fact = judgeFact({ type: 'count-rose-less' }, serial, before);
    expect(fact.ok).toBe(false);
    expect(fact.says.en).toContain('nothing was lost');
  });

  it('does not hold when a visit failed: the loss must come from visits that all succeeded', () => {
    const { observations, before } = slice('burst-at-once');
    const index = observations.findIndex((frame) => frame.kind === 'visit');
    const broken = observations.map((frame, i) =>
      i === index && frame.kind === 'visit'
        ? { ...frame, status: 503, body: { error: 'The session store is unreachable' } }
        : frame,
    );
    const fact = judgeFact({ type: 'count-rose-less' }, broken, before);
    expect(fact.ok).toBe(false);
    expect(fact.says.en).toMatch(/^1 visit\(s\) did not get 200/);
  });
});

describe('a short-lived session that expires (real run)', () => {
  it('sees the new lifetime applied, and tells it from the day before', () => {
    const { step, observations, before } = slice('short-lifetime');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toContain('new sessions living 15 s');
    // Before the change, the state said a day.
    expect(
      judgeFact({ type: 'config-applied', sessionMaxAgeSeconds: 15 }, [], before.slice(0, 1)).ok,
    ).toBe(false);
  });

  it('reads the expiry of the new session: within the 15 s it was given', () => {
    const { step, observations, before } = slice('read-expiry');
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    const look = visitsOf(observations).find((visit) => visit.path === '/api/session');
    expect(judgement.message.en).toContain(`${String(look?.body['expiresInSeconds'])} s left`);
    // A session with more time left than asked started before the change.
    const longer = judgeFact({ type: 'expires-within', seconds: 5 }, observations, before);
    expect(longer.ok).toBe(false);
    expect(longer.says.en).toContain('started before the lifetime changed');
  });

  it('sees the session expire once the lifetime has passed, and not before', () => {
    const { step, observations, before } = slice('watch-expiry');
    const gone = visitsOf(observations).find((visit) => visit.path === '/api/session');
    expect(gone?.body).toMatchObject({ visits: 0, expiresInSeconds: null });
    const judgement = judgeStep(step, observations, before);
    expect(judgement.status).toBe('done');
    expect(judgement.message.en).toContain('no longer finds your session: it expired');
    expect(judgement.caption.fr).toContain(`${String(gone?.instance)} répond 0 visite`);
    // While the session still had time left, it had not expired.
    const early = slice('read-expiry');
    expect(judgeFact({ type: 'session-expired' }, early.observations, early.before).ok).toBe(false);
  });

  it('starts a new session at 1 after it expired', () => {
    const { step, observations, before } = slice('visit-after-expiry');
    expect(judgeStep(step, observations, before).status).toBe('done');
  });

  it('takes a change of lifetime for a configuration change of the learner', () => {
    const { observations, before } = slice('lifetime-back');
    expect(actionsSeen(observations, before)).toContain('config');
  });
});

describe('the scenario model reads the new parameters', () => {
  const base = {
    id: 'x',
    lab: 'sessions',
    title: { fr: 'x', en: 'x' },
    pages: ['03-redis-sessions'],
    start: { sessionStore: 'redis', sticky: false, instances: 3, files: 'app' },
  };
  const withAction = (action: Record<string, unknown>): unknown => ({
    ...base,
    steps: [
      {
        id: 'one',
        do: { fr: 'x', en: 'x' },
        see: { fr: 'x', en: 'x' },
        action,
        expect: [{ type: 'answered' }],
        caption: { fr: 'x', en: 'x' },
      },
    ],
  });

  it("accepts lesson 3's scenario with its burst, lifetime and wait steps", () => {
    const scenario = readScenario('sessions', '03-redis-sessions');
    const types = scenario.steps.map((step) => step.action.type);
    expect(types).toContain('wait');
    expect(
      scenario.steps.some((step) => step.action.type === 'burst' && step.action.together),
    ).toBe(true);
  });

  it('refuses wrong values, naming the field', () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ type: 'burst', count: 20, together: 'yes' }, /together" must be true or false/],
      [
        { type: 'burst', count: 20, together: true, during: 'replace' },
        /cannot send its visits together/,
      ],
      [{ type: 'wait', seconds: 0 }, /seconds" must be a whole number from 1 to 120/],
      [{ type: 'wait' }, /seconds/],
      [
        { type: 'config', sessionMaxAgeSeconds: 2 },
        /sessionMaxAgeSeconds" must be a whole number from 5/,
      ],
      [{ type: 'config' }, /changes nothing/],
    ];
    for (const [action, message] of refused) {
      expect(() => parseScenario(withAction(action), 'x.json'), JSON.stringify(action)).toThrow(
        message,
      );
    }
    expect(() =>
      parseScenario(withAction({ type: 'config', sessionMaxAgeSeconds: 15 }), 'x.json'),
    ).not.toThrow();
  });
});
