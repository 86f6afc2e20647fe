import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Runs the benchmarks one after another, never in parallel: they share two cores, and a figure
 * measured beside another benchmark would say more about the neighbour than about the code.
 *
 * `node bench/run.ts` runs every `bench/*.bench.ts`; `node bench/run.ts site store` runs only the
 * ones named (with or without `.bench.ts`). Each benchmark prints its own figures, one per line,
 * and they pass through untouched.
 */
const benchDir = import.meta.dirname;
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .sort();

const wanted = process.argv.slice(2).map((name) => basename(name).replace(/(\.bench)?\.ts$/, ''));
const unknown = wanted.filter((name) => !available.includes(`${name}.bench.ts`));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark: ${unknown.join(', ')}. Available: ${available.map((f) => f.replace('.bench.ts', '')).join(', ')}.`,
  );
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted.map((name) => `${name}.bench.ts`) : available;

// A benchmark stops its own processes on SIGINT or SIGTERM; this runner passes the signal on to
// the one running, waits for it to finish cleaning up, and runs no other.
let current: ChildProcess | null = null;
let interrupted: NodeJS.Signals | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = signal;
    current?.kill(signal);
  });
}

const failed: string[] = [];
for (const file of selected) {
  if (interrupted) break;
  // The name goes to stderr so that stdout holds nothing but figures.
  console.error(`# ${file}`);
  current = spawn(process.execPath, [join(benchDir, file)], {
    stdio: 'inherit',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  const [status, signal] = (await once(current, 'exit')) as [number | null, NodeJS.Signals | null];
  current = null;
  if (status !== 0) failed.push(`${file} (${signal ?? `exit ${status}`})`);
}

if (failed.length > 0) {
  console.error(`Benchmarks that failed: ${failed.join(', ')}.`);
  process.exitCode = 1;
}
if (interrupted) process.exitCode = interrupted === 'SIGINT' ? 130 : 143;
