// The classroom under a full room's load: 200 participants, each visiting about once a second
// for 60 s, through the balancer of a real `npm run classroom` process (3 instances, Redis
// sessions in the embedded store), reached at 127.0.0.1. Each participant joins as a phone does
// (GET /join for its participant cookie) and keeps its own connection. Figures: latency of a
// visit (p50, p99, max), errors, and whether every participant's count is exact (the count the
// app answered last equals the visits it answered, and the room's tally agrees).
//
// On two shared cores a wall-clock tail says as much about the neighbours as about the code, so
// the same run also measures anchors, each the same load for a shorter while, and every process
// from inside (bench/process-stats.ts: event-loop delay, GC pauses, CPU per visit):
//   straight to one instance    the app and its store alone, no balancer at all
//   minimal proxy               a proxy that does nothing but pipe, in place of the balancer
//   balancer, store straight    the main run again, as long as the anchors
//   embedded store, relayed     the store reached through the lab's TCP relay (as a real Redis is)
//   real Redis                  redis-server, through the same relay
//   memory sessions             no store at all (counts cannot be exact: that is the lesson)
// The participants run in load processes of their own (bench/classroom-load.ts, a hand-written
// HTTP/1.1 client: half the CPU of Node's), so the client's loop is measured apart.
//   node bench/classroom.bench.ts
//   CLASSROOM_BENCH_SECONDS (60), CLASSROOM_BENCH_PARTICIPANTS (200), CLASSROOM_BENCH_CLIENTS (2
//   load processes), CLASSROOM_BENCH_ANCHOR_SECONDS (15; 0 skips the anchors);
//   CLASSROOM_BENCH_STORE=memory and CLASSROOM_BENCH_REDIS_URL=redis://… change the main run;
//   CLASSROOM_BENCH_NODE_OPTIONS adds Node flags to every process of the lab, and
//   CLASSROOM_BENCH_GC=serial|parallel picks how V8 scavenges in them (see process-stats.ts).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../sandboxes/platform/net-utils.ts';
import { readyUrl } from '../sandboxes/platform/lines.ts';
import type { LabState, RoomState } from '../sandboxes/platform/types.ts';
import type { LoadOrder, LoadReport } from './classroom-load.ts';
import { descendants, Results, startChild, stopAll, stopChild } from './harness.ts';
import type { ProcessStats } from './process-stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env['CLASSROOM_BENCH_SECONDS'] ?? 60);
const PARTICIPANTS = Number(process.env['CLASSROOM_BENCH_PARTICIPANTS'] ?? 200);
const CLIENTS = Math.max(1, Number(process.env['CLASSROOM_BENCH_CLIENTS'] ?? 2));
const ANCHOR_SECONDS = Number(process.env['CLASSROOM_BENCH_ANCHOR_SECONDS'] ?? 15);
const GOAL_MS = 100;
const results = new Results('classroom');
const statsDir = mkdtempSync(path.join(os.tmpdir(), 'classroom-bench-'));
// Gone however the bench ends, a signal included (the harness then exits without `finally`).
process.on('exit', () => rmSync(statsDir, { recursive: true, force: true }));
// Every process of a lab measures itself (see process-stats.ts): the lab passes its environment
// on to the store and the instances.
const measured = {
  LAB_PROCESS_STATS: statsDir,
  NODE_OPTIONS: [
    process.env['NODE_OPTIONS'] ?? '',
    // Flags to try on every process of the lab (GC settings, say) without changing the lab.
    process.env['CLASSROOM_BENCH_NODE_OPTIONS'] ?? '',
    `--import=${pathToFileURL(path.join(root, 'bench/process-stats.ts')).href}`,
  ]
    .join(' ')
    .trim(),
};

/** One line of JSON from a child's stdout that `accept` takes. */
function lineFrom<T>(child: ChildProcess, accept: (value: unknown) => T | null): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      const accepted = accept(value);
      if (accepted !== null) {
        lines.close();
        resolve(accepted);
      }
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited (${code})`)));
  });
}

interface Classroom {
  child: ChildProcess;
  base: URL;
  state: LabState;
}

async function startClassroom(store: { SESSION_STORE: string; REDIS_URL: string }) {
  const child = startChild(process.execPath, [path.join(root, 'scripts/classroom.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...measured,
      ...store,
      LAB_PORT: '0',
      LAB_HOST: '',
      LAB_WATCH: '0',
      INSTANCES: '3',
      CLASSROOM_KEY: 'bench-classroom-key',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const ready = readyUrl(output);
      if (ready) resolve(ready);
    });
    child.once('exit', (code) => reject(new Error(`the classroom exited (${code}):\n${output}`)));
  });
  const base = new URL(url);
  const state = await json<LabState>(base, '/lab/state');
  if (state.instances.length !== 3) throw new Error(`unexpected lab: ${JSON.stringify(state)}`);
  // Instances are routable once ready; the first visits must not race the readiness probes.
  for (let tries = 0; tries < 100; tries += 1) {
    const now = await json<LabState>(base, '/lab/state');
    if (now.instances.filter((instance) => instance.status === 'ready').length === 3) {
      return { child, base, state: now } satisfies Classroom;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the classroom's 3 instances did not all become ready within 10 s");
}

async function json<T>(base: URL, pathname: string): Promise<T> {
  const response = await fetch(new URL(pathname, base));
  return (await response.json()) as T;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// The processes in `pids` and below them (from /proc) that measure themselves, that is whose
// environment names the stats directory: only they may get SIGUSR2 (any other would die of it).
function measuredTree(pids: number[]): number[] {
  return [...pids, ...pids.flatMap((pid) => descendants(pid))].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`LAB_PROCESS_STATS=${statsDir}`);
    } catch {
      return false; // Gone, or not ours.
    }
  });
}

function signal(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {
      // Gone since.
    }
  }
}

// The figures each signalled process wrote for the window that ended at `since` or later.
async function collect(pids: number[], since: number): Promise<ProcessStats[]> {
  const found = new Map<number, ProcessStats>();
  for (let tries = 0; tries < 60 && found.size < pids.length; tries += 1) {
    for (const pid of pids) {
      const file = path.join(statsDir, `${pid}.json`);
      if (found.has(pid) || !existsSync(file)) continue;
      try {
        const stats = JSON.parse(readFileSync(file, 'utf8')) as ProcessStats;
        if (stats.at >= since) found.set(pid, stats);
      } catch {
        // Being written: read it again next time.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...found.values()].sort((a, b) => a.role.localeCompare(b.role));
}

interface Phase {
  sorted: number[];
  errors: number;
  statuses: Record<string, number>;
  exact: number;
  load: [number, number];
  processes: ProcessStats[];
}

/** Runs the room's load against `port` for `seconds`, with every process measured. */
async function phase(
  port: number,
  join: boolean,
  seconds: number,
  measuredRoots: number[],
): Promise<Phase> {
  const clients = Array.from({ length: CLIENTS }, (_, n) => {
    const share = Math.floor(PARTICIPANTS / CLIENTS) + (n < PARTICIPANTS % CLIENTS ? 1 : 0);
    const order: LoadOrder = { port, participants: share, join };
    const child = startChild(
      process.execPath,
      [path.join(root, 'bench/classroom-load.ts'), JSON.stringify(order)],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const joined = lineFrom(child, (value) =>
      (value as { joined?: boolean }).joined ? true : null,
    );
    return { child, joined };
  });
  await Promise.all(clients.map((client) => client.joined));
  const reports = clients.map((client) =>
    lineFrom(client.child, (value) =>
      Array.isArray((value as LoadReport).latencies) ? (value as LoadReport) : null,
    ),
  );
  const startAt = Date.now() + 300;
  const endAt = startAt + seconds * 1000;
  for (const client of clients)
    client.child.stdin!.write(`${JSON.stringify({ startAt, endAt })}\n`);
  const pids = measuredTree(measuredRoots);
  await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
  // The first signal starts every process's window with the load; the second ends it.
  signal(pids);
  const loadBefore = os.loadavg()[0]!;
  const done = await Promise.all(reports);
  const loadAfter = os.loadavg()[0]!;
  const endedAt = Date.now();
  signal(pids);
  const processes = await collect(pids, endedAt);
  for (const client of clients) await stopChild(client.child);
  const latencies = done.flatMap((report) => report.latencies);
  const statuses: Record<string, number> = {};
  for (const report of done) {
    for (const [status, count] of Object.entries(report.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
  }
  return {
    sorted: latencies.sort((a, b) => a - b),
    errors: done.reduce((sum, report) => sum + report.errors, 0),
    statuses,
    exact: done.reduce((sum, report) => sum + report.exact, 0),
    load: [loadBefore, loadAfter],
    processes: [...processes, ...done.map((report) => report.stats)],
  };
}

const round = (value: number): number => Math.round(value * 10) / 10;
const loadNote = ({ load }: Phase): string =>
  `load ${load[0].toFixed(2)} → ${load[1].toFixed(2)} on ${os.availableParallelism()} cores`;

// Each process's own figures for one phase: how late its loop ran, its GC pauses, its CPU.
function reportProcesses(label: string, result: Phase): void {
  const visits = result.sorted.length;
  const clients = result.processes.filter((stats) => stats.role === 'client');
  const merged: ProcessStats[] = result.processes.filter((stats) => stats.role !== 'client');
  if (clients.length > 0) {
    merged.push({
      ...clients[0]!,
      role: `client ×${clients.length}`,
      cpuMs: clients.reduce((sum, stats) => sum + stats.cpuMs, 0),
      loopDelay: {
        ...clients[0]!.loopDelay,
        p99: Math.max(...clients.map((stats) => stats.loopDelay.p99)),
        max: Math.max(...clients.map((stats) => stats.loopDelay.max)),
      },
      gc: {
        count: clients.reduce((sum, stats) => sum + stats.gc.count, 0),
        totalMs: clients.reduce((sum, stats) => sum + stats.gc.totalMs, 0),
        maxMs: Math.max(...clients.map((stats) => stats.gc.maxMs)),
        longest: clients[0]!.gc.longest,
      },
    });
  }
  for (const stats of merged) {
    const core = stats.windowMs > 0 ? (stats.cpuMs / stats.windowMs) * 100 : 0;
    results.add({
      name: `${label}: ${stats.role} event-loop delay p99`,
      value: stats.loopDelay.p99,
      unit: 'ms',
      note:
        `max ${stats.loopDelay.max} ms; GC ${stats.gc.count} pauses, ${round(stats.gc.totalMs)} ms in all, ` +
        `longest ${round(stats.gc.maxMs)} ms${stats.gc.longest ? ` (${stats.gc.longest})` : ''}; CPU ${(stats.cpuMs / Math.max(1, visits)).toFixed(2)} ms a visit ` +
        `(${core.toFixed(0)} % of a core)`,
    });
  }
}

// An anchor's latency, with its ratio to the goal, and its processes' figures.
function reportAnchor(label: string, result: Phase, extra = ''): void {
  const p99 = percentile(result.sorted, 99);
  results.add({
    name: `${label}: visit p99`,
    value: round(p99),
    unit: 'ms',
    note:
      `ratio ${(p99 / GOAL_MS).toFixed(2)} to the ${GOAL_MS} ms goal; p50 ${round(percentile(result.sorted, 50))} ms, ` +
      `max ${round(result.sorted.at(-1) ?? 0)} ms, ${result.sorted.length} visits, ${result.errors} errors, ` +
      `${result.exact}/${PARTICIPANTS} exact counts${extra}; ${loadNote(result)}`,
  });
  reportProcesses(label, result);
}

async function mainRun(): Promise<void> {
  const lab = await startClassroom({
    SESSION_STORE: process.env['CLASSROOM_BENCH_STORE'] ?? 'redis',
    REDIS_URL: process.env['CLASSROOM_BENCH_REDIS_URL'] ?? '',
  });
  const main = await phase(Number(lab.base.port), true, SECONDS, [lab.child.pid!]);
  const room = await json<RoomState>(lab.base, '/lab/room');
  const tallied = room.participants.filter((entry) => entry.count === entry.visits).length;
  const total = main.sorted.length;
  results.add({ name: 'participants', value: PARTICIPANTS, unit: 'participants' });
  results.add({
    name: 'load average',
    value: Math.round(Math.max(...main.load) * 100) / 100,
    unit: 'runnable',
    note: `1-minute load during the main run, ${loadNote(main)}`,
  });
  results.add({ name: 'visits', value: total, unit: 'requests', note: `over ${SECONDS} s` });
  results.add({ name: 'throughput', value: round(total / SECONDS), unit: 'req/s' });
  results.add({ name: 'visit p50', value: round(percentile(main.sorted, 50)), unit: 'ms' });
  results.add({
    name: 'visit p99',
    value: round(percentile(main.sorted, 99)),
    unit: 'ms',
    goal: { at: 'most', value: GOAL_MS },
    note: loadNote(main),
  });
  results.add({ name: 'visit max', value: round(main.sorted.at(-1) ?? 0), unit: 'ms' });
  results.add({
    name: 'errors',
    value: main.errors,
    unit: 'requests',
    goal: { at: 'most', value: 0 },
    note: Object.entries(main.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', '),
  });
  results.add({
    name: 'exact counts',
    value: main.exact,
    unit: 'participants',
    goal: { at: 'least', value: PARTICIPANTS },
    note: 'the count the app answered last equals the visits it answered',
  });
  results.add({
    name: 'room tally exact',
    value: tallied,
    unit: 'participants',
    goal: { at: 'least', value: PARTICIPANTS },
    note: `the room's own tally (GET /lab/room) agrees, ${room.participants.length} in the room`,
  });
  reportProcesses('balancer', main);
  if (ANCHOR_SECONDS <= 0) {
    await stopChild(lab.child);
    return;
  }

  // The same load, same lab, with the balancer out of the way: straight to one instance (three
  // times its share), then through a proxy that only pipes.
  const first = lab.state.instances[0]!;
  reportAnchor(
    `anchor straight to ${first.id}`,
    await phase(first.port, false, ANCHOR_SECONDS, [lab.child.pid!]),
    ', one instance takes the whole room',
  );
  const proxy = startChild(
    process.execPath,
    [
      path.join(root, 'bench/minimal-proxy.ts'),
      ...lab.state.instances.map((instance) => String(instance.port)),
    ],
    { cwd: root, env: { ...process.env, ...measured }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const proxyPort = await lineFrom(proxy, (value) => (value as { port?: number }).port ?? null);
  reportAnchor(
    'anchor minimal proxy',
    await phase(proxyPort, false, ANCHOR_SECONDS, [lab.child.pid!, proxy.pid!]),
  );
  await stopChild(proxy);
  // The main run again, as long as the anchors and right before the relayed one: the A/B of the
  // relay at one moment of the machine's load.
  reportAnchor(
    'anchor balancer, store straight',
    await phase(Number(lab.base.port), true, ANCHOR_SECONDS, [lab.child.pid!]),
  );
  await stopChild(lab.child);
}

// Another lab for one anchor: the same load through its balancer for ANCHOR_SECONDS.
async function anchorLab(
  label: string,
  store: { SESSION_STORE: string; REDIS_URL: string },
  extraRoots: number[] = [],
  extra = '',
): Promise<void> {
  const lab = await startClassroom(store);
  reportAnchor(
    label,
    await phase(Number(lab.base.port), true, ANCHOR_SECONDS, [lab.child.pid!, ...extraRoots]),
    extra,
  );
  await stopChild(lab.child);
}

async function main(): Promise<void> {
  await mainRun();
  if (ANCHOR_SECONDS > 0) {
    // The embedded store as an outside Redis: the lab then relays every command through its own
    // event loop (store-link.ts), as it does for a real Redis.
    const store = startChild(
      process.execPath,
      [path.join(root, 'sandboxes/platform/store/main.ts'), '--port', '0'],
      { cwd: root, env: { ...process.env, ...measured }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const storePort = await lineFrom(store, (value) => (value as { port?: number }).port ?? null);
    await anchorLab(
      'anchor embedded store, relayed',
      { SESSION_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${storePort}` },
      [store.pid!],
    );
    await stopChild(store);

    if (spawnSync('redis-server', ['--version']).status === 0) {
      const port = await freePort();
      const redis = startChild(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { cwd: statsDir, stdio: 'ignore' },
      );
      for (let tries = 0; tries < 50; tries += 1) {
        const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
        if (ping.stdout.trim() === 'PONG') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await anchorLab('anchor real Redis, relayed', {
        SESSION_STORE: 'redis',
        REDIS_URL: `redis://127.0.0.1:${port}`,
      });
      await stopChild(redis);
    } else {
      console.log('classroom: no redis-server on this machine, so no real-Redis anchor');
    }

    await anchorLab(
      'anchor memory sessions',
      { SESSION_STORE: 'memory', REDIS_URL: '' },
      [],
      ' (with memory sessions each instance counts apart: inexact by design)',
    );
  }
  results.save();
}

try {
  await main();
} finally {
  await stopAll();
}
