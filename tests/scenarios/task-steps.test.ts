// The step engine on the admin tasks (lesson 1): fixtures/task-run.json is a real run of the
// sessions lab (the `task` events and states its dashboard heard while count-sessions ran with
// memory sessions, the switch to Redis, two visitors, count-sessions again and add-first-seen),
// frozen and cut to what the engine reads. The steps are lesson 1's own, from its scenario.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionsSeen,
  judgeFact,
  judgeStep,
  runValues,
} from '../../sandboxes/platform/dashboard/assets/steps.js';
import {
  checkAgainstLab,
  readScenario,
  parseScenario,
  type Frame,
} from '../../sandboxes/labs/scenario-model.ts';

const fixture = JSON.parse(
  fs.readFileSync(new URL('./fixtures/task-run.json', import.meta.url), 'utf8'),
) as { marks: { id: string; at: number }[]; frames: Frame[] };
const scenario = readScenario('sessions', '01-factor');

/** What happened during one mark of the run, and everything before it. */
function part(id: string): { observations: Frame[]; before: Frame[] } {
  const index = fixture.marks.findIndex((mark) => mark.id === id);
  const from = fixture.marks[index]?.at ?? 0;
  const to = fixture.marks[index + 1]?.at ?? Number.POSITIVE_INFINITY;
  return {
    observations: fixture.frames.filter((f) => f.at >= from && f.at < to),
    before: fixture.frames.filter((f) => f.at < from),
  };
}

function step(id: string) {
  const found = scenario.steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`01-factor has no step ${id}`);
  return found;
}

describe('count-sessions with memory sessions', () => {
  it('is done: the task ran and counted no session, said in both languages', () => {
    const { observations, before } = part('task-memory');
    const judgement = judgeStep(step('task-memory'), observations, before);
    expect(judgement.status, judgement.message.en).toBe('done');
    expect(judgement.facts.map((fact) => fact.says.en)).toEqual([
      'the task count-sessions ran beside the instances',
      'the task count-sessions, a process of its own, found 0 sessions',
    ]);
    expect(judgement.facts[1]?.says.fr).toBe(
      'la tâche count-sessions, un processus à part, a trouvé 0 session',
    );
    expect(judgement.caption.en).toBe(
      "0 sessions: your visits exist, but in each instance's memory, which no other process can read.",
    );
    expect(judgement.caption.fr).not.toContain('{');
    expect(judgement.values['sessions']).toBe('0');
  });

  it('is the action "task", not something else', () => {
    const { observations, before } = part('task-memory');
    expect(actionsSeen(observations, before)).toEqual(['task']);
  });
});

describe('count-sessions with Redis sessions', () => {
  it('finds the two visitors of the run, which the memory step would refuse', () => {
    const { observations, before } = part('task-redis');
    const judgement = judgeStep(step('task-redis'), observations, before);
    expect(judgement.status, judgement.message.en).toBe('done');
    expect(judgement.values['sessions']).toBe('2');
    const none = judgeFact(
      { type: 'task-sessions', name: 'count-sessions', max: 0 },
      observations,
      before,
    );
    expect(none.ok).toBe(false);
    expect(none.says.en).toBe('The task count-sessions found 2 sessions, more than expected.');
  });

  it('the memory run does not pass for the Redis step: visit first', () => {
    const { observations, before } = part('task-memory');
    const fact = judgeFact(
      { type: 'task-sessions', name: 'count-sessions', min: 1 },
      observations,
      before,
    );
    expect(fact.ok).toBe(false);
    expect(fact.says.en).toBe(
      'The task count-sessions found only 0 sessions: visit first, with sessions in Redis.',
    );
  });

  it('reads only the run of the task it names', () => {
    const { observations, before } = part('task-redis');
    const other = judgeFact({ type: 'task-ran', name: 'add-first-seen' }, observations, before);
    expect(other.ok).toBe(false);
    expect(other.says.en).toBe('The task add-first-seen has not run yet.');
  });
});

describe('add-first-seen', () => {
  it('is done: the migration ran and changed both sessions', () => {
    const { observations, before } = part('migrate');
    const judgement = judgeStep(step('migrate'), observations, before);
    expect(judgement.status, judgement.message.en).toBe('done');
    expect(runValues(observations, before)['sessions']).toBe('2');
  });

  it('a run that exits with another code is not "ran"', () => {
    const { observations, before } = part('migrate');
    const failed = observations.map((frame) =>
      frame.kind === 'event' && frame.event.type === 'task' && frame.event.phase === 'finished'
        ? { ...frame, event: { ...frame.event, exitCode: 1 } }
        : frame,
    );
    expect(judgeFact({ type: 'task-ran', name: 'add-first-seen' }, failed, before).ok).toBe(false);
  });
});

describe('the model', () => {
  it('refuses a task-sessions fact that expects nothing, or a bound that is no count', () => {
    const scenarioWith = (fact: unknown) => ({
      ...scenario,
      steps: [{ ...step('task-memory'), expect: [fact] }],
    });
    expect(() =>
      parseScenario(scenarioWith({ type: 'task-sessions', name: 'count-sessions' }), 'x.json'),
    ).toThrow(/expects nothing: give "min", "max" or both/);
    expect(() =>
      parseScenario(
        scenarioWith({ type: 'task-sessions', name: 'count-sessions', min: -1 }),
        'x.json',
      ),
    ).toThrow(/"steps\[0\]\.expect\[0\]\.min" must be a whole number from 0 to 10000/);
  });

  it('refuses a step that runs, or reads, a task its lab does not have', () => {
    const broken = {
      ...scenario,
      steps: [
        {
          ...step('task-memory'),
          action: { type: 'task' as const, name: 'drop-tables' },
          expect: [{ type: 'task-ran' as const, name: 'drop-tables' }],
        },
      ],
    };
    expect(() => checkAgainstLab(broken, 'x.json')).toThrow(
      '"steps[0].action.name" is drop-tables, not a task of the lab\'s app/tasks/ (add-first-seen, count-sessions)',
    );
    expect(() => checkAgainstLab(broken, 'x.json')).toThrow('"steps[0].expect[0].name"');
    expect(() => checkAgainstLab(scenario, 'x.json')).not.toThrow();
  });
});
