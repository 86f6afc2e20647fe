// What one process of a lab did during a benchmark's window, measured from inside it and so much
// less sensitive to the machine's load than a request's wall-clock latency: how late its event
// loop ran (perf_hooks' event-loop delay), its garbage collections and their pauses, and the CPU
// time it used. Loaded into every process of a lab with
//   NODE_OPTIONS="--import <this file's URL>" LAB_PROCESS_STATS=<a directory>
// (the lab passes its environment on to the store and the instances). Each SIGUSR2 writes the
// figures since the previous one to <directory>/<pid>.json and starts a new window: the benchmark
// signals once when its load begins and once when it ends. Without LAB_PROCESS_STATS, nothing.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** One process's figures over one window; event-loop delays and pauses in milliseconds. */
export interface ProcessStats {
  pid: number;
  /** What the process is: `lab`, `store`, an instance's id, or the script's name. */
  role: string;
  /** When the window ended, in Date.now() milliseconds. */
  at: number;
  windowMs: number;
  cpuMs: number;
  loopDelay: { p50: number; p99: number; max: number; mean: number };
  /** `longest` is the kind of the longest pause: minor (scavenge), major, incremental, weak. */
  gc: { count: number; totalMs: number; maxMs: number; longest: string };
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weak' };

/** Measures the current process from now on; `snapshot()` gives the figures and starts anew. */
export function startProcessStats(role: string): { snapshot(): ProcessStats } {
  // A sample every 5 ms: fine enough for a tail of tens of milliseconds, cheap enough to leave on.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0, longest: '' };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      if (entry.duration > gc.maxMs) {
        gc.maxMs = entry.duration;
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0;
        gc.longest = GC_KINDS[kind] ?? String(kind);
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let began = performance.now();
  let cpu = process.cpuUsage();
  const ms = (ns: number): number => Math.round((ns / 1e6) * 100) / 100;
  return {
    snapshot(): ProcessStats {
      const used = process.cpuUsage(cpu);
      const stats: ProcessStats = {
        pid: process.pid,
        role,
        at: Date.now(),
        windowMs: Math.round(performance.now() - began),
        cpuMs: Math.round((used.user + used.system) / 1000),
        loopDelay: {
          p50: ms(delay.percentile(50)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
        },
        gc: { ...gc, totalMs: Math.round(gc.totalMs * 10) / 10 },
      };
      delay.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0, longest: '' };
      began = performance.now();
      cpu = process.cpuUsage();
      return stats;
    },
  };
}

// The role from the command line: the lab's script, the store's main.ts, or an instance (which
// the platform names in INSTANCE_ID; a one-off task has none and keeps its script's name).
function roleOf(): string {
  const script = path.basename(process.argv[1] ?? 'node');
  if (process.env['INSTANCE_ID']) return process.env['INSTANCE_ID'];
  if (script === 'main.ts' || script === 'main.js') return 'store';
  if (script === 'classroom.ts' || script === 'lab.ts') return 'lab';
  return script;
}

// An A/B of V8's young-generation GC: CLASSROOM_BENCH_GC=serial scavenges on the main thread
// alone, =parallel with V8's helper threads (Node's default). On an oversubscribed machine a
// parallel scavenge waits for helpers that are not scheduled, and the whole loop waits with it.
const scavenge = process.env['CLASSROOM_BENCH_GC'];
if (scavenge === 'serial' || scavenge === 'parallel') {
  // After the other preloads, which may set it too: the benchmark's choice is the one measured.
  setTimeout(() => {
    v8.setFlagsFromString(scavenge === 'serial' ? '--no-parallel-scavenge' : '--parallel-scavenge');
  }, 0);
}

const directory = process.env['LAB_PROCESS_STATS'];
if (directory) {
  const stats = startProcessStats(roleOf());
  // A signal handler does not keep the process alive: a process that is done still exits.
  process.on('SIGUSR2', () => {
    writeFileSync(
      path.join(directory, `${process.pid}.json`),
      JSON.stringify(stats.snapshot()) + '\n',
    );
  });
}
