// Lab benchmarks, each figure beside an anchor measured in the same run, and the load average
// (uptime's first figure) when it was measured, since the machine is shared:
// - the lab's start, from the command to all 3 instances ready, as it was and after each step
//   that made it faster, the cases interleaved run by run so that they share the same moments of
//   load; with where the time goes per instance (spawn, Node's own start, module loading,
//   listen, the platform learning the port, the first readiness probe), against 3 bare
//   node:http servers started the same way, with the V8 compile cache cold and warm, and
//   through `npm run lab` itself beside npm's own start;
// - the balancer's hop, against going straight to an instance and a minimal node:http proxy.
//   node bench/lab.bench.ts          LAB_BENCH_STARTS=5 sets the number of starts per case
import autocannon from 'autocannon';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LabState } from '../sandboxes/platform/types.ts';
import { prepareBundles } from '../sandboxes/platform/bundles.ts';
import { readyUrl } from '../sandboxes/platform/lines.ts';
import {
  cpuMsOf,
  descendants,
  median,
  Results,
  startChild,
  stopAll,
  stopChild,
  type Figure,
} from './harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const labEntry = path.join(root, 'sandboxes/platform/lab.ts');
const guard = path.join(root, 'scripts/need-node.mjs');
const npmLabEntry = path.join(root, 'scripts/lab.mjs');
const timingPreload = pathToFileURL(path.join(import.meta.dirname, 'instance-timing.mjs')).href;
const STARTS = Number(process.env['LAB_BENCH_STARTS'] ?? 5);
const LOAD_SECONDS = 6;
// LAB_BENCH_PARTS=anchors,cache,start,breakdown,hop (the default: all) runs only those named.
const PARTS = new Set(
  (process.env['LAB_BENCH_PARTS'] ?? 'anchors,cache,start,breakdown,hop').split(','),
);
const results = new Results('lab');
const now = (): number => performance.timeOrigin + performance.now();

// Linux counts a process's CPU time in ticks of 1/100 s (getconf CLK_TCK).
const TICK_MS = 10;

/** What a process of a lab's tree is, from its command line. */
type Role = 'lab' | 'store' | 'instance' | 'other';

function roleOf(pid: number): Role {
  let command: string;
  try {
    command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return 'other';
  }
  if (command.includes('server.js')) return 'instance';
  if (/store(\/main\.ts|-[\w]+\.mjs|\.js)/.test(command)) return 'store';
  if (command.includes('lab.mjs') || command.includes('lab.ts')) return 'lab';
  return 'other';
}

/**
 * The CPU time, in ms, that a process and every process below it have used so far (user and
 * system, from /proc), in all and by role. Unlike a wall-clock time, it hardly changes with the
 * machine's load: it says how much work a start is, and on two cores a start can take no less
 * than half of it.
 */
function treeCpuMs(pid: number): { total: number } & Record<Role, number> {
  const cpu = { total: 0, lab: 0, store: 0, instance: 0, other: 0 };
  for (const one of [pid, ...descendants(pid)]) {
    try {
      const stat = fs.readFileSync(`/proc/${one}/stat`, 'utf8');
      // utime and stime are the 12th and 13th fields after the command, which is in parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      cpu.total += ms;
      cpu[roleOf(one)] += ms;
    } catch {
      // The process ended while being read.
    }
  }
  return cpu;
}

/** Keeps a figure, with the one-minute load average of this moment in its note. */
function add(figure: Figure): void {
  const load = `load ${os.loadavg()[0]!.toFixed(2)}`;
  results.add({ ...figure, note: figure.note ? `${figure.note}; ${load}` : load });
}

/**
 * How a start is launched: `lab.ts` alone; `guard + lab.ts`, as `npm run lab` did (the Node
 * guard in a process of its own first); `lab.mjs`, as it does now (guard and compile cache in
 * the lab's own process); `npm`, the real `npm run lab`.
 */
type Launch = 'lab.ts' | 'guard + lab.ts' | 'lab.mjs' | 'npm';

/** When each instance reached each phase, in epoch ms, as seen by the bench or the instance. */
type Phases = Record<string, number>;

interface LabStart {
  child: ChildProcess;
  url: string;
  ms: number;
  /** Epoch ms of the command and of the lab's first line. */
  began: number;
  firstLine: number;
  /** CPU time used by the lab and everything it started, up to its ready line (see treeCpuMs). */
  cpuMs: number;
  /** The same by role: the lab itself, the store, the instances together, anything else (npm). */
  cpu: ReturnType<typeof treeCpuMs>;
  /** When the lab said it starts its first instance. */
  firstSpawn: number;
  readyLine: number;
  instances: Map<string, Phases>;
}

/**
 * Starts the lab the way `launch` says and resolves when it prints its ready line. Every line
 * is stamped as it arrives; with `timed`, the instances also report their own phases.
 */
async function startLab(
  env: Record<string, string>,
  timed = false,
  launch: Launch = 'lab.mjs',
): Promise<LabStart> {
  const began = now();
  const labEnv = {
    ...process.env,
    LAB_PORT: '0',
    LAB_WATCH: '0',
    LAB_LANG: 'en',
    REDIS_URL: '',
    ...(timed ? { NODE_OPTIONS: `--import=${timingPreload}` } : {}),
    ...env,
  };
  if (launch === 'guard + lab.ts') {
    const guarding = startChild(process.execPath, [guard], { stdio: 'ignore' });
    const [code] = (await once(guarding, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the Node guard exited with ${code}`);
  }
  const [command, args] =
    launch === 'npm'
      ? ['npm', ['run', '--silent', 'lab']]
      : [process.execPath, [launch === 'lab.mjs' ? npmLabEntry : labEntry]];
  const child = startChild(command, args, {
    cwd: root,
    env: labEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const instances = new Map<string, Phases>();
  const phasesOf = (id: string): Phases => {
    if (!instances.has(id)) instances.set(id, {});
    return instances.get(id)!;
  };
  let firstLine = 0;
  let firstSpawn = 0;
  let output = '';
  let pending = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const at = now();
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        firstLine ||= at;
        if (line.startsWith('lab: starting instance 1 ')) firstSpawn ||= at;
        let match = /^lab: starting instance (\d+) of/.exec(line);
        if (match) phasesOf(`web-${match[1]}`)['spawn-asked'] = at;
        match = /^\[(web-\d+)\] @@bench (\S+) ([\d.]+)$/.exec(line);
        if (match) phasesOf(match[1]!)[match[2]!] = Number(match[3]);
        match = /^platform: (web-\d+) (started|is ready)/.exec(line);
        if (match) phasesOf(match[1]!)[match[2] === 'started' ? 'port-learned' : 'ready'] = at;
      }
      const ready = readyUrl(output);
      if (ready) resolve(ready);
    });
    child.once('exit', (code) => reject(new Error(`the lab exited with ${code}:\n${output}`)));
  });
  const readyLine = now();
  const cpu = treeCpuMs(child.pid!);
  return {
    cpuMs: cpu.total,
    cpu,
    child,
    url,
    ms: readyLine - began,
    began,
    firstLine,
    firstSpawn,
    readyLine,
    instances,
  };
}

/** Milliseconds between two phases of one instance, or null when one of them is missing. */
function between(phases: Phases, from: string, to: string): number | null {
  return phases[from] !== undefined && phases[to] !== undefined
    ? phases[to]! - phases[from]!
    : null;
}

/** The steps of an instance's start, each from the end of the one before. */
const STEPS: [label: string, from: string, to: string][] = [
  ['spawn (the lab asks, the process exists)', 'spawn-asked', 'process-start'],
  ["Node's own start", 'process-start', 'bootstrapped'],
  ["the platform's preload (instance-preload.ts)", 'bootstrapped', 'app-loading'],
  ["the app's modules and setup, to listen()", 'app-loading', 'listen-called'],
  ['listen', 'listen-called', 'listening'],
  ['the platform learns the port', 'listening', 'port-learned'],
  ['first readiness probe reaches the app', 'listening', 'first-request'],
  ['listening to ready (probe answered, seen by the lab)', 'listening', 'ready'],
];

/** One way of starting the lab, measured against the others in the same rounds. */
interface Case {
  label: string;
  launch: Launch;
  env: Record<string, string>;
  timed?: boolean;
}

/**
 * Starts the lab `STARTS` times in each case, the cases taking turns within every round (A, B,
 * C, A, B, C…), so that a burst of load on the shared machine falls on all of them alike.
 */
async function interleaved(cases: Case[]): Promise<Map<Case, LabStart[]>> {
  const starts = new Map<Case, LabStart[]>(cases.map((one) => [one, []]));
  for (let run = 0; run < STARTS; run++) {
    for (const one of cases) {
      const lab = await startLab(one.env, one.timed ?? false, one.launch);
      await stopChild(lab.child);
      starts.get(one)!.push(lab);
    }
  }
  return starts;
}

function reportStarts(
  label: string,
  starts: LabStart[],
  goal: boolean,
): { wall: number; cpu: number } {
  const times = starts.map((start) => Math.round(start.ms));
  const cpu = starts.map((start) => start.cpuMs);
  const byRole = (role: Role): number => Math.round(median(starts.map((start) => start.cpu[role])));
  const value = Math.round(median(times));
  add({
    name: `${label}: command to all 3 instances ready, median of ${starts.length}`,
    value,
    unit: 'ms',
    ...(goal ? { goal: { at: 'most' as const, value: 800 } } : {}),
    note: `runs ${times.join(', ')} ms, best ${Math.min(...times)} ms; CPU used by the lab and its processes to that point: median ${Math.round(median(cpu))} ms (${cpu.join(', ')}), so at best ${Math.round(median(cpu) / 2)} ms on two idle cores; of it the lab ${byRole('lab')} ms, the store ${byRole('store')} ms, the instances ${byRole('instance')} ms together, npm and the rest ${byRole('other')} ms (medians)`,
  });
  return { wall: value, cpu: Math.round(median(cpu)) };
}

function reportBreakdown(label: string, starts: LabStart[]): void {
  const lab = (pick: (start: LabStart) => number): number => Math.round(median(starts.map(pick)));
  add({
    name: `${label}: the lab's own start (command to its first line)`,
    value: lab((start) => start.firstLine - start.began),
    unit: 'ms',
  });
  add({
    name: `${label}: the lab's own start (command to its first instance asked for)`,
    value: lab((start) => start.firstSpawn - start.began),
    unit: 'ms',
  });
  for (const [step, from, to] of STEPS) {
    const values = starts.flatMap((start) =>
      [...start.instances.values()]
        .map((phases) => between(phases, from, to))
        .filter((value): value is number => value !== null),
    );
    if (values.length === 0) continue;
    add({
      name: `${label}: per instance, ${step}`,
      value: Math.round(median(values)),
      unit: 'ms',
      note: `median of ${values.length}, max ${Math.round(Math.max(...values))}`,
    });
  }
  add({
    name: `${label}: last instance ready to the ready line`,
    value: lab(
      (start) =>
        start.readyLine - Math.max(...[...start.instances.values()].map((p) => p['ready'] ?? 0)),
    ),
    unit: 'ms',
  });
}

/** The anchor: three bare node:http servers spawned together, until each answers a request. */
async function bareServers(): Promise<number> {
  const started = now();
  const script =
    "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); })";
  const children = Array.from({ length: 3 }, () =>
    startChild(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  try {
    await Promise.all(
      children.map(async (child) => {
        const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
        await fetch(`http://127.0.0.1:${Number(chunk.toString().trim())}/`).then((r) => r.text());
      }),
    );
    return now() - started;
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}

/** A process loading the same modules as an instance, with NODE_DEBUG_NATIVE reporting the cache. */
function compileCacheHits(
  cacheDir: string,
  sessionStore: string,
): { accepted: number; rejected: number } {
  const appDir = path.join(root, 'sandboxes/labs/sessions/app');
  const modules =
    sessionStore === 'redis'
      ? ['express', 'express-session', 'redis', 'connect-redis']
      : ['express', 'express-session'];
  const run = () =>
    spawnSync(
      process.execPath,
      ['--input-type=module', '-e', modules.map((m) => `await import('${m}');`).join(' ')],
      {
        cwd: appDir,
        encoding: 'utf8',
        env: { ...process.env, NODE_COMPILE_CACHE: cacheDir, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      },
    );
  const output = run().stderr;
  return {
    accepted: output.match(/ was accepted/g)?.length ?? 0,
    rejected: output.match(/ was rejected/g)?.length ?? 0,
  };
}

async function load(
  url: string,
  connections: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number; total: number }> {
  const result = await autocannon({ url, connections, duration: LOAD_SECONDS, pipelining: 1 });
  return {
    total: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Latency of one request at a time over one kept-alive connection, measured to the microsecond. */
async function sequential(
  url: string,
  count: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number; total: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const durations: number[] = [];
  let errors = 0;
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const status = await new Promise<number>((resolve) => {
      http
        .get(url, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
        .on('error', () => resolve(0));
    });
    if (status !== 200) errors += 1;
    durations.push(performance.now() - start);
  }
  agent.destroy();
  const sorted = durations.sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
  return {
    rps: Math.round(count / ((performance.now() - began) / 1000)),
    p50: at(0.5),
    p99: at(0.99),
    errors,
    total: count,
  };
}

async function main(): Promise<void> {
  // 0. Anchors: three bare node:http servers; a bare `node -e 0`, the Node guard, the preload as
  // TypeScript (Node's stripper then loads into every instance) and as its bundle; npm itself.
  if (PARTS.has('anchors')) await anchors();
  if (PARTS.has('cache')) compileCache();
  if (PARTS.has('start') || PARTS.has('breakdown')) await labStarts();
  if (PARTS.has('hop')) await hop();
  results.save();
}

async function anchors(): Promise<void> {
  const bare: number[] = [];
  for (let run = 0; run < STARTS; run++) bare.push(await bareServers());
  add({
    name: `anchor: 3 bare node:http servers spawned together, until each answers, median of ${STARTS}`,
    value: Math.round(median(bare)),
    unit: 'ms',
    note: `runs ${bare.map(Math.round).join(', ')} ms`,
  });
  // The preload's bundle, as the lab builds it (bundles.ts), beside its TypeScript source.
  const { preload: preloadBundle } = await prepareBundles({
    ...process.env,
    LAB_BUNDLES: 'preload',
  });
  const preload = path.join(root, 'sandboxes/platform/instance-preload.ts');
  const commands: [label: string, command: string, args: string[]][] = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ['node scripts/need-node.mjs (the guard)', process.execPath, [guard]],
    [
      'node --import instance-preload.ts -e 0',
      process.execPath,
      ['--import', pathToFileURL(preload).href, '-e', '0'],
    ],
    ...(preloadBundle
      ? [
          [
            "node --import <the preload's bundle> -e 0",
            process.execPath,
            ['--import', pathToFileURL(preloadBundle).href, '-e', '0'],
          ] as [string, string, string[]],
        ]
      : []),
    // npm's own start, before it runs anything: part of `npm run lab` that no code of ours runs.
    ['npm run env (npm itself, running a one-line command)', 'npm', ['run', '--silent', 'env']],
  ];
  const times = commands.map((): number[] => []);
  for (let run = 0; run < STARTS; run++) {
    commands.forEach(([, command, args], index) => {
      const began = now();
      spawnSync(command, args, { stdio: 'ignore', cwd: root });
      times[index]!.push(now() - began);
    });
  }
  commands.forEach(([label], index) => {
    add({
      name: `anchor: ${label}, median of ${STARTS}, interleaved`,
      value: Math.round(median(times[index]!)),
      unit: 'ms',
      note: `runs ${times[index]!.map(Math.round).join(', ')} ms`,
    });
  });
}

function compileCache(): void {
  // 1. The V8 compile cache, proven by Node's own report: a first process writes it, a second
  // one reads it back; V8 accepts what matches the code it would have compiled.
  const probeCache = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-cache-probe-'));
  try {
    for (const store of ['memory', 'redis']) {
      const cold = compileCacheHits(probeCache, store);
      const { accepted, rejected } = compileCacheHits(probeCache, store);
      add({
        name: `compile cache, an instance's modules with ${store} sessions, hits in a second process`,
        value: accepted,
        unit: 'modules',
        note: `${rejected} rejected; the first process had ${cold.accepted} hits`,
      });
    }
  } finally {
    fs.rmSync(probeCache, { recursive: true, force: true });
  }
}

async function labStarts(): Promise<void> {
  // 2. Lab start. The lab and the orchestrator keep the compile cache in os.tmpdir(), which
  // follows TMPDIR: a fresh TMPDIR per start makes every start cold, one shared TMPDIR keeps it
  // warm. The bundles are built once before the rounds (the first start after a lock change).
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'));
  try {
    const warmDir = fs.mkdtempSync(path.join(scratch, 'warm-'));
    const warm = { TMPDIR: warmDir };
    const firstBuild = await timeStartsOnce({
      ...warm,
      LAB_BUNDLE_CACHE: path.join(scratch, 'bundles'),
    });
    add({
      name: 'lab start that builds the bundles first (a new lock, once), warm cache',
      value: Math.round(firstBuild[0]!.ms),
      unit: 'ms',
    });
    await timeStartsOnce({ ...warm, LAB_BUNDLES: '0' }, 'guard + lab.ts');
    await timeStartsOnce(warm);
    if (PARTS.has('start')) {
      // Each step that made the start faster, one after another, against how it was before.
      const steps: Case[] = [
        {
          label: 'before: guard, then lab.ts, packages from node_modules',
          launch: 'guard + lab.ts',
          env: { ...warm, LAB_BUNDLES: '0' },
        },
        {
          label: "step 1: + the app's packages from their bundles",
          launch: 'guard + lab.ts',
          env: { ...warm, LAB_BUNDLES: 'dependencies' },
        },
        {
          label: "step 2: + the instance preload's bundle (no TypeScript in instances)",
          launch: 'guard + lab.ts',
          env: { ...warm, LAB_BUNDLES: 'dependencies,preload' },
        },
        {
          label:
            'step 3, now: + scripts/lab.mjs (guard in the same process, compile cache for the lab and the store)',
          launch: 'lab.mjs',
          env: warm,
        },
      ];
      const measured = await interleaved(steps);
      let previous: { wall: number; cpu: number } | null = null;
      for (const step of steps) {
        const value = reportStarts(
          `lab start, warm cache, ${step.label}`,
          measured.get(step)!,
          false,
        );
        if (previous !== null) {
          // The CPU time is the steadier of the two on a shared machine.
          add({
            name: `  effect of ${step.label.split(':')[0]} on the CPU the start uses`,
            value: value.cpu - previous.cpu,
            unit: 'ms',
            note: `on the wall-clock median: ${value.wall - previous.wall} ms`,
          });
        }
        previous = value;
      }
      const cold: LabStart[] = [];
      for (let run = 0; run < STARTS; run++) {
        const tmp = fs.mkdtempSync(path.join(scratch, 'cold-'));
        cold.push(...(await timeStartsOnce({ TMPDIR: tmp })));
      }
      reportStarts('lab start now, compile cache cold', cold, false);
      // The real command, npm included, against the same start without npm.
      const npm: Case[] = [
        { label: 'npm run lab', launch: 'npm', env: warm },
        { label: 'node scripts/lab.mjs', launch: 'lab.mjs', env: warm },
      ];
      const throughNpm = await interleaved(npm);
      for (const one of npm) {
        // The issue's figure is the command a reader types, npm included: it carries the goal.
        reportStarts(
          `lab start, warm cache, ${one.label}`,
          throughNpm.get(one)!,
          one.launch === 'npm',
        );
      }
    }
    if (!PARTS.has('breakdown')) return;
    // The breakdown, in runs of its own: the instances' timing preload costs a little.
    const breakdowns: Case[] = [
      {
        label: 'breakdown before (guard + lab.ts, no bundles)',
        launch: 'guard + lab.ts',
        env: { ...warm, LAB_BUNDLES: '0' },
        timed: true,
      },
      { label: 'breakdown now', launch: 'lab.mjs', env: warm, timed: true },
      {
        label: 'breakdown before, redis sessions',
        launch: 'guard + lab.ts',
        env: { ...warm, LAB_BUNDLES: '0', SESSION_STORE: 'redis' },
        timed: true,
      },
      {
        label: 'breakdown now, redis sessions',
        launch: 'lab.mjs',
        env: { ...warm, SESSION_STORE: 'redis' },
        timed: true,
      },
    ];
    const timed = await interleaved(breakdowns);
    for (const one of breakdowns) {
      reportStarts(
        `lab start with the timing preload, warm cache, ${one.label}`,
        timed.get(one)!,
        false,
      );
      reportBreakdown(`lab start ${one.label} (warm cache)`, timed.get(one)!);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function hop(): Promise<void> {
  // 3. The balancer's hop, with one instance so that all three paths reach the same process.
  const lab = await startLab({ INSTANCES: '1' });
  try {
    const state = (await (await fetch(new URL('lab/state', lab.url))).json()) as LabState;
    const instancePort = state.instances[0]!.port;
    const proxyChild = startChild(
      process.execPath,
      [fileURLToPath(new URL('./minimal-proxy.ts', import.meta.url)), String(instancePort)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [portLine] = (await once(proxyChild.stdout!, 'data')) as [Buffer];
    // The classroom bench's minimal proxy, in a process of its own so that it does not compete
    // with the load generator: it prints {"port":N} once it listens.
    const proxyPort = (JSON.parse(portLine.toString()) as { port: number }).port;
    const targets = {
      direct: `http://127.0.0.1:${instancePort}/healthz`,
      balancer: new URL('healthz', lab.url).toString(),
      'minimal proxy': `http://127.0.0.1:${proxyPort}/healthz`,
    };
    // The process each path's own work runs in (the instance behind is the same for all three).
    const proxyProcess: Record<string, number | undefined> = {
      balancer: lab.child.pid,
      'minimal proxy': proxyChild.pid,
    };
    for (const connections of [50, 1]) {
      const figures: Record<
        string,
        { rps: number; p50: number; p99: number; errors: number; total: number }
      > = {};
      const cpuPerRequest: Record<string, number | null> = {};
      for (const [name, url] of Object.entries(targets)) {
        const pid = proxyProcess[name];
        const cpuBefore = pid === undefined ? null : cpuMsOf(pid);
        const figure =
          connections === 1 ? await sequential(url, 4000) : await load(url, connections);
        figures[name] = figure;
        const cpuAfter = pid === undefined ? null : cpuMsOf(pid);
        cpuPerRequest[name] =
          cpuBefore === null || cpuAfter === null || figure.total === 0
            ? null
            : ((cpuAfter - cpuBefore) * 1000) / figure.total;
      }
      const plural = connections > 1 ? 's' : '';
      for (const [name, figure] of Object.entries(figures)) {
        const anchor = name === 'balancer' ? '' : 'anchor: ';
        add({
          name: `${anchor}GET /healthz ${name}, ${connections} connection${plural}, p50`,
          value: figure.p50,
          unit: 'ms',
          note: `${figure.rps} req/s, p99 ${figure.p99} ms${figure.errors ? `, ${figure.errors} errors` : ''}`,
        });
      }
      const balancer = figures['balancer']!;
      const minimal = figures['minimal proxy']!;
      const direct = figures['direct']!;
      const balancerCpu = cpuPerRequest['balancer'];
      const minimalCpu = cpuPerRequest['minimal proxy'];
      if (connections > 1 && balancerCpu != null && minimalCpu != null) {
        add({
          name: `anchor: minimal proxy's CPU per request, ${connections} connections`,
          value: Math.round(minimalCpu),
          unit: 'µs',
        });
        add({
          name: `balancer's CPU per request, ${connections} connections (the whole lab process)`,
          value: Math.round(balancerCpu),
          unit: 'µs',
          note: `${(balancerCpu / minimalCpu).toFixed(2)} times the minimal proxy's; on two cores the proxy, the instance and the load generator share them, so its extra CPU is throughput lost`,
        });
      }
      if (connections > 1) {
        add({
          name: 'balancer throughput, share of the minimal proxy',
          value: Math.round((balancer.rps / minimal.rps) * 100),
          unit: '%',
          goal: { at: 'least', value: 100 },
        });
      } else {
        add({
          name: 'balancer hop at p50, 1 connection, over direct',
          value: Number((balancer.p50 - direct.p50).toFixed(3)),
          unit: 'ms',
          goal: { at: 'most', value: 0.5 },
          note: `the minimal proxy's hop: +${(minimal.p50 - direct.p50).toFixed(3)} ms`,
        });
      }
    }
  } finally {
    await stopAll();
  }
}

/** One start, stopped at once: to warm a cache, or one cold start in a fresh TMPDIR. */
async function timeStartsOnce(
  env: Record<string, string>,
  launch: Launch = 'lab.mjs',
): Promise<LabStart[]> {
  const lab = await startLab(env, false, launch);
  await stopChild(lab.child);
  return [lab];
}

try {
  await main();
} finally {
  await stopAll();
}
