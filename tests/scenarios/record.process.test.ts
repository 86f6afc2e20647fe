// The recorder on the real lab: a scenario whose run shows its facts becomes a recording made of
// the run's own figures; one whose run does not is refused, naming the step and what the lab
// showed instead. Either way, nothing it started is left running.
import { describe, expect, it } from 'vitest';
import { recordScenario, RefusedRecording, serialise } from '../../scripts/record.ts';
import {
  findScenario,
  parseRecording,
  scenarioKey,
  type Scenario,
} from '../../sandboxes/labs/scenario-model.ts';
import { replay } from '../../sandboxes/platform/dashboard/assets/steps.js';
import { childPids, isRunning } from '../lab/harness.ts';

/** Waits until this process has no child left (the store and the instances exit on close). */
async function noChildren(): Promise<number[]> {
  const deadline = Date.now() + 5000;
  let left = childPids(process.pid).filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = childPids(process.pid).filter(isRunning);
  }
  return left;
}

describe('npm run record', () => {
  it('records a real run of lesson 1, which replays as done, and stops everything', async () => {
    const scenario = findScenario('01-factor');
    const lines: string[] = [];
    const recording = await recordScenario(scenario, 'en', (line) => lines.push(line));
    expect(await noChildren()).toEqual([]);
    expect(recording.key).toBe(scenarioKey(scenario.lab, scenario.id));
    expect(recording.lang).toBe('en');
    expect(recording.steps.map((s) => s.id)).toEqual(scenario.steps.map((s) => s.id));
    // What is stored reads back as a recording, and tells the same story.
    const stored = parseRecording(JSON.parse(serialise(recording)), 'stored');
    for (const { step, judgement } of replay(scenario, stored)) {
      expect(judgement.status, `${step.id}: ${judgement.message.en}`).toBe('done');
    }
    // The run's own figures: the visits' timing, the pids of the state, the kill's id.
    // As many visits as the scenario's visit steps ask for, each answered.
    const asked = scenario.steps.reduce(
      (sum, step) => sum + (step.action.type === 'visit' ? (step.action.count ?? 1) : 0),
      0,
    );
    const visits = stored.frames.filter((f) => f.kind === 'visit');
    expect(visits.length).toBe(asked);
    for (const visit of visits) {
      expect(visit.kind === 'visit' && visit.ms).toBeGreaterThanOrEqual(0);
      expect(visit.kind === 'visit' && visit.status).toBe(200);
    }
    const first = stored.frames[0];
    expect(first?.kind === 'state' && first.state.instances.every((i) => i.pid > 0)).toBe(true);
    expect(lines.some((line) => line.startsWith('01-factor (en): kill (kill)'))).toBe(true);
    expect(stored.durationMs).toBeGreaterThan(0);
  });

  it('refuses a run that does not show the facts, naming the step and what happened', async () => {
    // Memory sessions cannot carry a count on: the lab will show the count splitting instead.
    const scenario: Scenario = {
      ...findScenario('02-memory-sessions'),
      id: 'refused-on-purpose',
    };
    scenario.steps = [
      {
        ...scenario.steps[0]!,
        id: 'expects-redis',
        action: { type: 'visit', count: 3, fresh: true },
        expect: [{ type: 'count-climbs' }],
      },
    ];
    let error: unknown;
    try {
      await recordScenario(scenario, 'en');
    } catch (caught) {
      error = caught;
    }
    expect(await noChildren()).toEqual([]);
    expect(error).toBeInstanceOf(RefusedRecording);
    expect((error as Error).message).toMatch(
      /^The recorded run of "refused-on-purpose" in en did not show what step "expects-redis" expects \(other\): Your 3 visits do not show what this step expects: the count did not rise by one at each visit: 1, 1, 1\./,
    );
    expect((error as Error).message).toContain('- count-climbs: the count did not rise by one');
  });
});
