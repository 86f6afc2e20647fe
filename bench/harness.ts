// What every benchmark shares: the processes it starts are stopped whatever happens (normal end,
// a thrown error, Ctrl-C, a SIGTERM from bench/run.ts), each figure is printed beside its goal and
// the ratio to it, and the figures are kept as JSON in bench/results/<name>.json.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants, procStat } from '../scripts/procfs.ts';

export { descendants };

const children = new Set<ChildProcess>();
// Set once a signal asked the benchmark to stop: nothing new starts after that.
let stopping = false;
/** The signal each child is stopped with, when it is not SIGTERM. */
const stopSignals = new WeakMap<ChildProcess, NodeJS.Signals>();

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Spawns a process in a process group of its own and remembers it until it exits, so that
 * stopping it stops what it started too (a lab's store and instances, Lighthouse's Chromium).
 */
export function startChild(
  command: string,
  args: string[],
  options: SpawnOptions,
  stopSignal: NodeJS.Signals = 'SIGTERM',
): ChildProcess {
  if (stopping) throw new Error('The benchmark is stopping: nothing new starts.');
  const child = spawn(command, args, { ...options, detached: true });
  children.add(child);
  stopSignals.set(child, stopSignal);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * The CPU time a process has used so far, user and system, in milliseconds, or null without
 * /proc. Clock ticks are taken at 100 a second, Linux's USER_HZ on every common architecture.
 */
export function cpuMsOf(pid: number): number | null {
  const fields = procStat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : null;
}

/** SIGKILL to a child's group and to every process below it, each by its own id. */
function killTree(child: ChildProcess, below: number[]): void {
  for (const target of child.pid ? [-child.pid, ...below] : below) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops a child gracefully: its stop signal to the child alone (a lab then stops its own
 * processes, Lighthouse its Chromium), then, after `graceMs` or once it has exited, SIGKILL to
 * whatever is left of its tree.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = stopSignals.get(child) ?? 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  const below = child.pid ? descendants(child.pid) : [];
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill(signal);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }
  killTree(child, below);
  children.delete(child);
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

// Ctrl-C or a SIGTERM: stop the children first, then end with the usual code for the signal.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    stopping = true;
    if (children.size > 0) console.error(`bench: ${signal}, stopping the processes it started`);
    void stopAll().finally(() => process.exit(code));
  });
}
// A crash leaves no time to wait: whatever is left is killed on the way out.
process.on('exit', () => {
  for (const child of children) killTree(child, child.pid ? descendants(child.pid) : []);
});

/** One figure: its value, its unit, and the goal it is held to (`≤` or `≥` a number). */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  goal?: { at: 'most' | 'least'; value: number };
  note?: string;
}

/** The figures of one benchmark, printed as they come and written to bench/results/ at the end. */
export class Results {
  readonly figures: Figure[] = [];
  readonly bench: string;
  constructor(bench: string) {
    this.bench = bench;
  }

  /** Prints a figure with its goal and ratio (value ÷ goal), and keeps it for the JSON. */
  add(figure: Figure): void {
    this.figures.push(figure);
    const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(3);
    let line = `${this.bench}: ${figure.name}: ${value} ${figure.unit}`;
    if (figure.goal) {
      const { at, value: target } = figure.goal;
      const met = at === 'most' ? figure.value <= target : figure.value >= target;
      const ratio = target === 0 ? '' : `, ratio ${(figure.value / target).toFixed(2)}`;
      line += ` (goal ${at === 'most' ? '≤' : '≥'} ${target} ${figure.unit}${ratio}, ${met ? 'met' : 'NOT met'})`;
    }
    if (figure.note) line += ` — ${figure.note}`;
    console.log(line);
  }

  /** Writes bench/results/<bench>.json with every figure and when it was measured. */
  save(): void {
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const body = { bench: this.bench, measuredAt: new Date().toISOString(), figures: this.figures };
    writeFileSync(join(dir, `${this.bench}.json`), JSON.stringify(body, null, 2) + '\n');
  }
}
