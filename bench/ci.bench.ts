/**
 * The test suite's time, read from the last `npm test` rather than measured again: the suite takes
 * a quarter of an hour, and what counts is its time on a fresh machine, which only `.ci/run` on a
 * fresh clone shows. `npm test` writes test-results/timing.json (scripts/test.ts); run through
 * `.ci/run`, that file also holds the whole run's time, installs included.
 *
 * Prints the whole run against its goal (`.ci/run` at most 15 minutes, issue 13), `npm test` alone,
 * and each step. Says so, and prints no figure, when no run has been recorded on this checkout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Results } from './harness.ts';

/** `.ci/run` on a fresh machine, everything included: 15 minutes. */
const GOAL_SECONDS = 15 * 60;

interface Timing {
  finishedAt: string;
  cores: number;
  npmTestSeconds: number;
  ciRunSeconds: number | null;
  failed: number;
  steps: { step: string; seconds: number }[];
}

const file = path.join(import.meta.dirname, '..', 'test-results', 'timing.json');
let timing: Timing;
try {
  timing = JSON.parse(readFileSync(file, 'utf8')) as Timing;
} catch {
  console.log(
    'ci: no run recorded in test-results/timing.json: run `npm test` (or `.ci/run` for the whole run, installs included) first.',
  );
  process.exit(0);
}

const results = new Results('ci');
const from = `last run ${timing.finishedAt}, ${timing.cores} cores${timing.failed > 0 ? `, ${timing.failed} failed` : ''}`;
if (timing.ciRunSeconds !== null) {
  results.add({
    name: '.ci/run, installs and every test',
    value: timing.ciRunSeconds,
    unit: 's',
    goal: { at: 'most', value: GOAL_SECONDS },
    note: from,
  });
}
results.add({
  name: 'npm test',
  value: timing.npmTestSeconds,
  unit: 's',
  // Without `.ci/run`'s installs the goal is the same: they are part of the budget, not extra.
  ...(timing.ciRunSeconds === null ? { goal: { at: 'most' as const, value: GOAL_SECONDS } } : {}),
  note: from,
});
for (const { step, seconds } of timing.steps) {
  results.add({ name: `npm test step: ${step}`, value: seconds, unit: 's' });
}
results.save();
