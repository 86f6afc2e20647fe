// Lab benchmarks, each figure beside an anchor measured in the same run:
// - the lab's start, from the command to all 3 instances ready, with where the time goes per
//   instance (spawn, Node's own start, module loading, listen, the platform learning the port,
//   the first readiness probe), against 3 bare node:http servers started the same way, with the
//   V8 compile cache cold and warm;
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
import { readyUrl } from '../sandboxes/platform/lines.ts';
import { median, Results, startChild, stopAll, stopChild } from './harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const labEntry = path.join(root, 'sandboxes/platform/lab.ts');
const timingPreload = pathToFileURL(path.join(import.meta.dirname, 'instance-timing.mjs')).href;
const STARTS = Number(process.env['LAB_BENCH_STARTS'] ?? 5);
const LOAD_SECONDS = 6;
// LAB_BENCH_PARTS=anchors,cache,start,breakdown,hop (the default: all) runs only those named.
const PARTS = new Set(
  (process.env['LAB_BENCH_PARTS'] ?? 'anchors,cache,start,breakdown,hop').split(','),
);
const results = new Results('lab');
const now = (): number => performance.timeOrigin + performance.now();

/** When each instance reached each phase, in epoch ms, as seen by the bench or the instance. */
type Phases = Record<string, number>;

interface LabStart {
  child: ChildProcess;
  url: string;
  ms: number;
  /** Epoch ms of the command and of the lab's first line. */
  began: number;
  firstLine: number;
  readyLine: number;
  instances: Map<string, Phases>;
}

/**
 * Starts the lab as `npm run lab` would and resolves when it prints its ready line. Every line
 * is stamped as it arrives; with `timed`, the instances also report their own phases.
 */
async function startLab(env: Record<string, string>, timed = false): Promise<LabStart> {
  const began = now();
  const child = startChild(process.execPath, [labEntry], {
    cwd: root,
    env: {
      ...process.env,
      LAB_PORT: '0',
      LAB_WATCH: '0',
      REDIS_URL: '',
      ...(timed ? { NODE_OPTIONS: `--import=${timingPreload}` } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const instances = new Map<string, Phases>();
  const phasesOf = (id: string): Phases => {
    if (!instances.has(id)) instances.set(id, {});
    return instances.get(id)!;
  };
  let firstLine = 0;
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
  return { child, url, ms: readyLine - began, began, firstLine, readyLine, instances };
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

/** Starts the lab `STARTS` times with the same environment; returns the starts' figures. */
async function timeStarts(env: Record<string, string>, timed: boolean): Promise<LabStart[]> {
  const starts: LabStart[] = [];
  for (let run = 0; run < STARTS; run++) {
    const lab = await startLab(env, timed);
    await stopChild(lab.child);
    starts.push(lab);
  }
  return starts;
}

function reportStarts(label: string, starts: LabStart[], goal: boolean): void {
  const times = starts.map((start) => Math.round(start.ms));
  results.add({
    name: `${label}: command to all 3 instances ready, median of ${starts.length}`,
    value: Math.round(median(times)),
    unit: 'ms',
    ...(goal ? { goal: { at: 'most' as const, value: 800 } } : {}),
    note: `runs ${times.join(', ')} ms`,
  });
}

function reportBreakdown(label: string, starts: LabStart[]): void {
  const lab = (pick: (start: LabStart) => number): number => Math.round(median(starts.map(pick)));
  results.add({
    name: `${label}: the lab's own start (command to its first line)`,
    value: lab((start) => start.firstLine - start.began),
    unit: 'ms',
  });
  for (const [step, from, to] of STEPS) {
    const values = starts.flatMap((start) =>
      [...start.instances.values()]
        .map((phases) => between(phases, from, to))
        .filter((value): value is number => value !== null),
    );
    if (values.length === 0) continue;
    results.add({
      name: `${label}: per instance, ${step}`,
      value: Math.round(median(values)),
      unit: 'ms',
      note: `median of ${values.length}, max ${Math.round(Math.max(...values))}`,
    });
  }
  results.add({
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

/** The smallest reasonable reverse proxy: keep-alive to one upstream, headers and body piped. */
function minimalProxy(upstreamPort: number): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((request, response) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      response.statusCode = 502;
      response.end();
    });
    request.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function load(
  url: string,
  connections: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({ url, connections, duration: LOAD_SECONDS, pipelining: 1 });
  return {
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
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
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
  };
}

async function main(): Promise<void> {
  // 0. Anchors: three bare node:http servers, and a bare `node -e 0` with and without the
  // platform's TypeScript preload (Node's stripper then loads into every instance).
  if (PARTS.has('anchors')) await anchors();
  if (PARTS.has('cache')) compileCache();
  if (PARTS.has('start') || PARTS.has('breakdown')) await labStarts();
  if (PARTS.has('hop')) await hop();
  results.save();
}

async function anchors(): Promise<void> {
  const bare: number[] = [];
  for (let run = 0; run < STARTS; run++) bare.push(await bareServers());
  results.add({
    name: `anchor: 3 bare node:http servers spawned together, until each answers, median of ${STARTS}`,
    value: Math.round(median(bare)),
    unit: 'ms',
    note: `runs ${bare.map(Math.round).join(', ')} ms`,
  });
  const preload = path.join(root, 'sandboxes/platform/instance-preload.ts');
  for (const [label, args] of [
    ['node -e 0', ['-e', '0']],
    [
      'node scripts/need-node.mjs (the guard npm run lab runs first)',
      [path.join(root, 'scripts/need-node.mjs')],
    ],
    [
      'node --import instance-preload.ts -e 0',
      ['--import', pathToFileURL(preload).href, '-e', '0'],
    ],
  ] as const) {
    const times: number[] = [];
    for (let run = 0; run < STARTS; run++) {
      const began = now();
      spawnSync(process.execPath, [...args], { stdio: 'ignore' });
      times.push(now() - began);
    }
    results.add({
      name: `anchor: ${label}, median of ${STARTS}`,
      value: Math.round(median(times)),
      unit: 'ms',
    });
  }
}

function compileCache(): void {
  // 1. The V8 compile cache, proven by Node's own report: a first process writes it, a second
  // one reads it back; V8 accepts what matches the code it would have compiled.
  const probeCache = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-cache-probe-'));
  try {
    for (const store of ['memory', 'redis']) {
      const cold = compileCacheHits(probeCache, store);
      const { accepted, rejected } = compileCacheHits(probeCache, store);
      results.add({
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
  // 2. Lab start. The orchestrator keeps the compile cache in os.tmpdir(), which follows TMPDIR:
  // a fresh TMPDIR per start makes every start cold, one shared TMPDIR keeps it warm.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bench-'));
  try {
    const warmDir = fs.mkdtempSync(path.join(scratch, 'warm-'));
    await timeStartsOnce({ TMPDIR: warmDir });
    if (PARTS.has('start')) {
      const cold: LabStart[] = [];
      for (let run = 0; run < STARTS; run++) {
        const tmp = fs.mkdtempSync(path.join(scratch, 'cold-'));
        cold.push(...(await timeStartsOnce({ TMPDIR: tmp })));
      }
      const warm = await timeStarts({ TMPDIR: warmDir }, false);
      reportStarts('lab start, compile cache cold', cold, false);
      reportStarts('lab start, compile cache warm', warm, true);
    }
    if (!PARTS.has('breakdown')) return;
    // The breakdown, in runs of its own: the instances' timing preload costs a little.
    const timed = await timeStarts({ TMPDIR: warmDir }, true);
    reportStarts('lab start with the timing preload, warm cache', timed, false);
    reportBreakdown('lab start breakdown (warm cache)', timed);
    const redis = await timeStarts({ TMPDIR: warmDir, SESSION_STORE: 'redis' }, true);
    reportStarts('lab start with redis sessions, warm cache', redis, false);
    reportBreakdown('lab start breakdown with redis sessions (warm cache)', redis);
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
      [fileURLToPath(import.meta.url), '--proxy', String(instancePort)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [portLine] = (await once(proxyChild.stdout!, 'data')) as [Buffer];
    const proxyPort = Number(portLine.toString().trim());
    const targets = {
      direct: `http://127.0.0.1:${instancePort}/healthz`,
      balancer: new URL('healthz', lab.url).toString(),
      'minimal proxy': `http://127.0.0.1:${proxyPort}/healthz`,
    };
    for (const connections of [50, 1]) {
      const figures: Record<string, { rps: number; p50: number; p99: number; errors: number }> = {};
      for (const [name, url] of Object.entries(targets)) {
        figures[name] =
          connections === 1 ? await sequential(url, 4000) : await load(url, connections);
      }
      const plural = connections > 1 ? 's' : '';
      for (const [name, figure] of Object.entries(figures)) {
        const anchor = name === 'balancer' ? '' : 'anchor: ';
        results.add({
          name: `${anchor}GET /healthz ${name}, ${connections} connection${plural}, p50`,
          value: figure.p50,
          unit: 'ms',
          note: `${figure.rps} req/s, p99 ${figure.p99} ms${figure.errors ? `, ${figure.errors} errors` : ''}`,
        });
      }
      const balancer = figures['balancer']!;
      const minimal = figures['minimal proxy']!;
      const direct = figures['direct']!;
      if (connections > 1) {
        results.add({
          name: 'balancer throughput, share of the minimal proxy',
          value: Math.round((balancer.rps / minimal.rps) * 100),
          unit: '%',
          goal: { at: 'least', value: 100 },
        });
      } else {
        results.add({
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
async function timeStartsOnce(env: Record<string, string>): Promise<LabStart[]> {
  const lab = await startLab(env);
  await stopChild(lab.child);
  return [lab];
}

// The same file, started with --proxy, is the minimal proxy in a process of its own, so that it
// does not compete with the load generator inside one process (the balancer has its own too).
if (process.argv[2] === '--proxy') {
  const server = await minimalProxy(Number(process.argv[3]));
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  process.on('SIGTERM', () => process.exit(0));
} else {
  try {
    await main();
  } finally {
    await stopAll();
  }
}
