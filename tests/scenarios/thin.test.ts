// A recording over its budget loses request events, every other one at a time, and nothing else:
// what the learner's visits showed stays, and it still replays as done.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { serialise, thinToBudget } from '../../scripts/record.ts';
import { findScenario, readRecording } from '../../sandboxes/labs/scenario-model.ts';
import { replay } from '../../sandboxes/platform/dashboard/assets/steps.js';

describe('thinToBudget', () => {
  it('leaves a recording within its budget untouched', () => {
    const scenario = findScenario('02-memory-sessions');
    const recording = readRecording(scenario.lab, scenario.id, 'en');
    const before = serialise(recording);
    expect(thinToBudget(scenario, recording)).toBe(0);
    expect(serialise(recording)).toBe(before);
  });

  it('drops request events until a real recording fits a smaller budget', () => {
    const scenario = findScenario('06-no-process-manager');
    const recording = readRecording(scenario.lab, scenario.id, 'en');
    const size = gzipSync(serialise(recording)).length;
    const others = recording.frames.filter(
      (f) => !(f.kind === 'event' && f.event.type === 'request'),
    );
    const requests = recording.frames.length - others.length;
    expect(requests).toBeGreaterThan(100);
    const budget = Math.floor(size * 0.8);
    const removed = thinToBudget(scenario, recording, budget);
    expect(removed).toBeGreaterThan(0);
    expect(removed).toBeLessThanOrEqual(requests);
    expect(gzipSync(serialise(recording)).length).toBeLessThanOrEqual(budget);
    // Only request events went: every other frame is still there, in its order.
    expect(
      recording.frames.filter((f) => !(f.kind === 'event' && f.event.type === 'request')),
    ).toEqual(others);
    for (const { judgement } of replay(scenario, recording)) expect(judgement.status).toBe('done');
  });
});
