// The recordings are never stale: every scenario has one in each language, made from the lab's
// files and the scenario as they are now (else: run `npm run record`), light enough for a phone,
// and, replayed through the step engine, each shows what its lesson promises. The figures are the
// run's own: these tests read them from the recording and check how they relate, never their
// values. Each language's run is its own real run, so every check below holds for both; and each
// carries what the app said in its language.
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  framesByStep,
  judgeFact,
  replay,
} from '../../sandboxes/platform/dashboard/assets/steps.js';
import {
  listScenarios,
  MAX_RECORDING_GZIP,
  readRecording,
  RECORDING_LANGS,
  recordingFile,
  scenarioKey,
  type Frame,
  type Recording,
  type Scenario,
  type VisitFrame,
} from '../../sandboxes/labs/scenario-model.ts';
import type { LabEvent, LabLanguage } from '../../sandboxes/platform/types.ts';

const scenarios = listScenarios();
const recordingOf = (scenario: Scenario, lang: LabLanguage): Recording =>
  readRecording(scenario.lab, scenario.id, lang);
const byId = (id: string, lang: LabLanguage): { scenario: Scenario; recording: Recording } => {
  const scenario = scenarios.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`There is no scenario "${id}".`);
  return { scenario, recording: recordingOf(scenario, lang) };
};

const visits = (frames: Frame[], path = '/api/visit'): VisitFrame[] =>
  frames.filter((f): f is VisitFrame => f.kind === 'visit' && f.path === path);
const countOf = (visit: VisitFrame | undefined): number => Number(visit?.body['visits']);
const eventsOf = (frames: Frame[]): LabEvent[] =>
  frames.flatMap((f) => (f.kind === 'event' ? [f.event] : []));
/** The frames of one step of a recording, and those before it. */
const part = (recording: Recording, stepId: string): { observations: Frame[]; before: Frame[] } => {
  const found = framesByStep(recording).find((candidate) => candidate.id === stepId);
  if (!found) throw new Error(`The recording has no step "${stepId}".`);
  return found;
};

describe.each(RECORDING_LANGS)('recorded in %s', (lang) => {
  describe('every scenario', () => {
    it.each(scenarios.map((s) => [s.id, s] as const))(
      '%s has a recording in ' + lang,
      (_id, scenario) => {
        expect(
          fs.existsSync(recordingFile(scenario.lab, scenario.id, lang)),
          `no recording for "${scenario.id}" in ${lang}: run npm run record -- ${scenario.id}`,
        ).toBe(true);
      },
    );

    it.each(scenarios.map((s) => [s.id, s] as const))(
      '%s: its recording was made from the lab and the scenario as they are now',
      (_id, scenario) => {
        const recording = recordingOf(scenario, lang);
        expect(
          recording.key,
          `The recording of "${scenario.id}" in ${lang} was made from other files than the lab's or the scenario's present ones: run npm run record -- ${scenario.id}`,
        ).toBe(scenarioKey(scenario.lab, scenario.id));
      },
    );

    it.each(scenarios.map((s) => [s.id, s] as const))(
      '%s: replayed, every step shows its facts',
      (_id, scenario) => {
        const recording = recordingOf(scenario, lang);
        expect(recording.steps.map((step) => step.id)).toEqual(scenario.steps.map((s) => s.id));
        for (const { step, judgement } of replay(scenario, recording)) {
          expect(judgement.status, `${scenario.id}/${step.id}: ${judgement.message.en}`).toBe(
            'done',
          );
          expect(judgement.caption.en, `${scenario.id}/${step.id}`).not.toMatch(/\{[a-z]+\}/);
          expect(judgement.caption.fr, `${scenario.id}/${step.id}`).not.toMatch(/\{[a-z]+\}/);
        }
      },
    );

    it.each(scenarios.map((s) => [s.id, s] as const))(
      `%s: at most ${MAX_RECORDING_GZIP / 1024} KB gzipped, frames in time order`,
      (_id, scenario) => {
        const text = fs.readFileSync(recordingFile(scenario.lab, scenario.id, lang));
        expect(gzipSync(text).length).toBeLessThanOrEqual(MAX_RECORDING_GZIP);
        const recording = recordingOf(scenario, lang);
        const times = recording.frames.map((f) => f.at);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(recording.durationMs).toBeGreaterThanOrEqual(times.at(-1) ?? 0);
        expect(recording.frames[0]?.kind).toBe('state');
        // Heartbeats only tell a live dashboard that its stream flows.
        expect(eventsOf(recording.frames).some((e) => e.type === 'heartbeat')).toBe(false);
      },
    );
  });

  describe('memory sessions: the count starts again after a kill', () => {
    it.each(['01-factor', '02-memory-sessions'])('%s', (id) => {
      const { recording } = byId(id, lang);
      const events = recording.frames.filter((f) => f.kind === 'event');
      const killAt = events.find(
        (f) =>
          f.kind === 'event' && f.event.type === 'instance-stopped' && f.event.reason === 'killed',
      );
      expect(killAt).toBeDefined();
      const killed = killAt?.kind === 'event' && 'id' in killAt.event ? killAt.event.id : '';
      const before = visits(recording.frames.filter((f) => f.at < (killAt?.at ?? 0)));
      const after = visits(recording.frames.filter((f) => f.at > (killAt?.at ?? 0)));
      const answeredBefore = new Set(before.map((v) => v.instance));
      // A visit that brought the session cookie lands on an instance that never saw it: 1.
      const lost = after.find((v) => !answeredBefore.has(v.instance) && v.cookie === 'sent');
      expect(lost, 'a visit on an instance that had never seen the session').toBeDefined();
      expect(countOf(lost)).toBe(1);
      expect(lost?.instance).not.toBe(killed);
      expect(Math.max(...before.map(countOf))).toBeGreaterThanOrEqual(1);
    });

    it('02: six visits split the count over three instances, no instance counting six', () => {
      const { recording } = byId('02-memory-sessions', lang);
      const first = visits(part(recording, 'visit-six-times').observations);
      expect(first).toHaveLength(6);
      expect(new Set(first.map((v) => v.instance)).size).toBe(3);
      expect(Math.max(...first.map(countOf))).toBeLessThan(6);
    });
  });

  describe('Redis sessions: the count carries on across kill, replace and scale', () => {
    it('03: from the first visit to the burst, one count without a gap', () => {
      const { recording } = byId('03-redis-sessions', lang);
      // The 20 visits at once lose updates on purpose (whole-session writes): the count carries on
      // without a gap through kill, replace, scale and the outage, up to that step.
      const burstAt = recording.steps.find((step) => step.id === 'burst-at-once')?.at;
      expect(burstAt).toBeDefined();
      const counted = visits(
        recording.frames.filter((f) => f.at >= (recording.steps[1]?.at ?? 0) && f.at < burstAt!),
      ).filter((v) => v.status === 200);
      const counts = counted.map(countOf);
      expect(counts).toEqual(counts.map((_, i) => i + 1));
      const events = eventsOf(recording.frames);
      expect(events.some((e) => e.type === 'instance-stopped' && e.reason === 'killed')).toBe(true);
      expect(events.some((e) => e.type === 'instance-stopped' && e.reason === 'replaced')).toBe(
        true,
      );
      expect(events.some((e) => e.type === 'instance-stopped' && e.reason === 'scaled-down')).toBe(
        true,
      );
      // The visits went to more instances than ever ran at once: the count crossed them all.
      expect(new Set(counted.map((v) => v.instance)).size).toBeGreaterThan(5);
    });

    it('06: a hundred visits during a replacement, all 200, old and new instances answering', () => {
      const { recording } = byId('06-no-process-manager', lang);
      const { observations } = part(recording, 'replace-under-load');
      const burst = visits(observations);
      expect(burst).toHaveLength(100);
      expect(burst.every((v) => v.status === 200)).toBe(true);
      const stopped = eventsOf(observations).filter(
        (e) => e.type === 'instance-stopped' && e.reason === 'replaced',
      );
      expect(stopped.length).toBeGreaterThan(0);
      const old = new Set(stopped.map((e) => (e.type === 'instance-stopped' ? e.id : '')));
      expect(burst.some((v) => old.has(v.instance ?? ''))).toBe(true);
      expect(burst.some((v) => !old.has(v.instance ?? ''))).toBe(true);
      expect(
        judgeFact(
          { type: 'count-continues' },
          observations,
          part(recording, 'replace-under-load').before,
        ).ok,
      ).toBe(true);
    });
  });

  describe('sticky sessions: lost when the pinned instance dies', () => {
    it('04', () => {
      const { recording } = byId('04-sticky-sessions', lang);
      const pinned = visits(part(recording, 'visit-four-times').observations);
      expect(new Set(pinned.map((v) => v.instance)).size).toBe(1);
      expect(pinned.map(countOf)).toEqual([1, 2, 3, 4]);
      const kill = eventsOf(part(recording, 'kill-pinned').observations).find(
        (e) => e.type === 'instance-stopped' && e.reason === 'killed',
      );
      expect(kill?.type === 'instance-stopped' && kill.id).toBe(pinned[0]?.instance);
      const next = visits(part(recording, 'visit-after-kill').observations)[0];
      expect(next?.instance).not.toBe(pinned[0]?.instance);
      expect(next?.cookie).toBe('sent');
      expect(countOf(next)).toBe(1);
    });
  });

  describe('the outage: liveness 200, readiness 503, API 503, then the same count', () => {
    it.each(['05-health-checks'])('%s', (id) => {
      const { recording } = byId(id, lang);
      const down = part(recording, 'stop-redis');
      expect(eventsOf(down.observations).some((e) => e.type === 'store-down')).toBe(true);
      const during = recording.frames.filter(
        (f) => f.at >= (down.observations[0]?.at ?? 0) && f.at < stepAt(recording, 'start-redis'),
      );
      const live = visits(during, '/healthz');
      const ready = visits(during, '/readyz');
      expect(live.length).toBeGreaterThan(0);
      expect(live.every((v) => v.status === 200)).toBe(true);
      expect(ready.length).toBeGreaterThan(0);
      expect(ready.every((v) => v.status === 503)).toBe(true);
      const api = visits(during);
      expect(api.length).toBeGreaterThan(0);
      expect(api.every((v) => v.status === 503 && typeof v.body['error'] === 'string')).toBe(true);
      // Nobody restarted during the outage.
      expect(eventsOf(during).some((e) => e.type === 'instance-stopped')).toBe(false);
      const beforeOutage = visits(
        recording.frames.filter((f) => f.at < (down.observations[0]?.at ?? 0)),
      );
      const afterOutage = visits(
        recording.frames.filter((f) => f.at >= stepAt(recording, 'start-redis')),
      );
      expect(countOf(afterOutage[0])).toBe(countOf(beforeOutage.at(-1)) + 1);
    });

    it('03: the API refuses during the outage and resumes at the same count', () => {
      const { recording } = byId('03-redis-sessions', lang);
      const refused = visits(part(recording, 'visit-during-outage').observations);
      expect(refused.every((v) => v.status === 503)).toBe(true);
      const before = visits(part(recording, 'visit-during-outage').before).filter(
        (v) => v.status === 200,
      );
      const resumed = visits(part(recording, 'visit-after-outage').observations)[0];
      expect(countOf(resumed)).toBe(countOf(before.at(-1)) + 1);
    });
  });

  describe('exercises: the check fails on the starting files and passes after Solve', () => {
    it.each(['cart', 'avatar', 'health', 'counter'])('%s', (id) => {
      const { recording } = byId(id, lang);
      const checks = recording.frames.filter((f) => f.kind === 'check');
      expect(checks).toHaveLength(2);
      const [first, last] = checks;
      expect(first?.kind === 'check' && first.ok).toBe(false);
      expect(last?.kind === 'check' && last.ok).toBe(true);
      const solved = recording.frames.filter(
        (f) => f.kind === 'files' && f.at > (first?.at ?? 0) && f.at < (last?.at ?? 0),
      );
      expect(solved.length).toBeGreaterThan(0);
      for (const change of solved) {
        expect(change.kind === 'files' && change.before !== change.after).toBe(true);
      }
    });
  });
});

describe('each recording says what the app said, in its language', () => {
  // The app's and its task's own sentences (sandboxes/labs/sessions/app/messages.js and
  // app/tasks/count-sessions.js), as each language's run printed them.
  const unreachable: Record<LabLanguage, string> = {
    fr: 'Le magasin de sessions est injoignable : ',
    en: 'The session store is unreachable: ',
  };
  const noSession: Record<LabLanguage, string> = {
    fr: '0 session trouvée.',
    en: '0 sessions found.',
  };

  it.each(RECORDING_LANGS)("03 (%s): the 503 of the outage is in the run's language", (lang) => {
    const { recording } = byId('03-redis-sessions', lang);
    expect(recording.lang).toBe(lang);
    const refused = visits(part(recording, 'visit-during-outage').observations);
    expect(refused.length).toBeGreaterThan(0);
    for (const visit of refused) {
      expect(String(visit.body['error'])).toMatch(new RegExp(`^${unreachable[lang]}`));
    }
  });

  it.each(RECORDING_LANGS)("01 (%s): the task's output is in the run's language", (lang) => {
    const { recording } = byId('01-factor', lang);
    const output = eventsOf(recording.frames).flatMap((e) =>
      e.type === 'task' && e.phase === 'output' ? [e.line] : [],
    );
    expect(output).toContain(noSession[lang]);
    const other = lang === 'fr' ? 'en' : 'fr';
    expect(output).not.toContain(noSession[other]);
  });
});

function stepAt(recording: Recording, id: string): number {
  const step = recording.steps.find((candidate) => candidate.id === id);
  if (!step) throw new Error(`The recording has no step "${id}".`);
  return step.at;
}
