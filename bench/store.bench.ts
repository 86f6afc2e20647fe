/**
 * Throughput of the embedded store against a real redis-server, measured the same way for both
 * with redis-benchmark (SET and GET, 50 clients, no pipelining). Runs alone with
 * `node bench/store.bench.ts` or from bench/run.ts; prints one line per figure.
 *
 * The embedded store runs in a child process of its own, as the lab runs it, so that this
 * script's own work does not share its event loop. STORE_BENCH_REQUESTS sets redis-benchmark's
 * -n (30 000 by default: the whole run then takes 10 to 25 s on two busy cores).
 */
import { spawnSync } from 'node:child_process';
import { freePort } from '../sandboxes/platform/net-utils.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { Results, startChild, stopAll, stopChild } from './harness.ts';

const REQUESTS = Number(process.env['STORE_BENCH_REQUESTS'] ?? 30_000);
const CLIENTS = 50;
const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs redis-benchmark against a port and returns ops/s for each test, e.g. `{ set, get }`. */
function benchmark(port: number): Record<string, number> {
  const result = spawnSync(
    'redis-benchmark',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-q',
      '-t',
      'set,get',
      '-n',
      String(REQUESTS),
      '-c',
      String(CLIENTS),
      '-P',
      '1',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0)
    throw new Error(`redis-benchmark failed: ${result.stderr || result.error}`);
  // With -q, redis-benchmark rewrites its progress line with carriage returns, then prints
  // e.g. "SET: 73000.00 requests per second, p50=0.311 msec".
  const figures: Record<string, number> = {};
  for (const match of result.stdout.matchAll(
    /(?:^|[\r\n])([A-Z]+): ([\d.]+) requests per second/g,
  )) {
    figures[match[1]!.toLowerCase()] = Number(match[2]);
  }
  if (result.stdout.includes('WARNING') || result.stderr.includes('WARNING')) {
    console.log(
      `store: warning from redis-benchmark: ${(result.stdout + result.stderr).match(/WARNING[^\n]*/)?.[0]}`,
    );
  }
  return figures;
}

async function startRedisServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = startChild(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout.trim() === 'PONG') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    stop: () => stopChild(child),
  };
}

async function startEmbedded(): Promise<{ port: number; stop(): Promise<void> }> {
  const child = startChild(
    process.execPath,
    [path.join(here, '../sandboxes/platform/store/main.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the embedded store exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    stop: () => stopChild(child),
  };
}

// Both servers run side by side and are measured in turns, best round kept, so a burst of load
// from other work on the machine does not land on one of them only. redis-server is the anchor:
// measured in the same run, it says how busy the machine was.
const ROUNDS = 2;
const results = new Results('store');
const reference: Record<string, number> = {};
const measured: Record<string, number> = {};
try {
  const [redis, embedded] = await Promise.all([startRedisServer(), startEmbedded()]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [port, best] of [
      [redis.port, reference],
      [embedded.port, measured],
    ] as const) {
      for (const [test, opsPerSecond] of Object.entries(benchmark(port))) {
        best[test] = Math.max(best[test] ?? 0, opsPerSecond);
      }
    }
  }
} finally {
  await stopAll();
}

for (const test of ['set', 'get']) {
  const base = Math.round(reference[test] ?? 0);
  const ours = Math.round(measured[test] ?? 0);
  results.add({ name: `anchor: redis-server ${test}`, value: base, unit: 'ops/s' });
  // No issue sets a goal for the store; its figure is read against the anchor.
  results.add({
    name: `embedded store ${test}`,
    value: ours,
    unit: 'ops/s',
    note: `ratio to redis-server ${base > 0 ? (ours / base).toFixed(2) : '–'} (no goal set)`,
  });
}
results.save();
