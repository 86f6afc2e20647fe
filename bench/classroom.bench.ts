// The classroom under a full room's load: 200 participants, each visiting about once a second
// for 60 s, through the balancer of a real `npm run classroom` process (3 instances, Redis
// sessions in the embedded store), reached at 127.0.0.1. Each participant joins as a phone does
// (GET /join for its participant cookie) and keeps its own connection. Figures: latency of a
// visit (p50, p99, max), errors, and whether every participant's count is exact (the count the
// app answered last equals the visits it answered, and the room's tally agrees).
//   node bench/classroom.bench.ts      CLASSROOM_BENCH_SECONDS and CLASSROOM_BENCH_PARTICIPANTS override;
//   CLASSROOM_BENCH_STORE=memory and CLASSROOM_BENCH_REDIS_URL=redis://… give the anchors (no
//   store at all, a real Redis) to tell the store path's cost from the machine's
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyUrl } from '../sandboxes/platform/lines.ts';
import type { LabState, RoomState } from '../sandboxes/platform/types.ts';
import { Results, startChild, stopAll, stopChild } from './harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env['CLASSROOM_BENCH_SECONDS'] ?? 60);
const PARTICIPANTS = Number(process.env['CLASSROOM_BENCH_PARTICIPANTS'] ?? 200);
const results = new Results('classroom');

interface Participant {
  agent: http.Agent;
  cookies: Map<string, string>;
  visits: number;
  lastCount: number | null;
  errors: number;
}

interface Answer {
  status: number;
  body: string;
  setCookie: string[];
}

function send(
  base: URL,
  participant: Participant,
  method: string,
  pathname: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const cookie = [...participant.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const request = http.request(
      {
        host: '127.0.0.1',
        port: base.port,
        method,
        path: pathname,
        agent: participant.agent,
        headers: cookie ? { cookie } : {},
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body,
            setCookie: response.headers['set-cookie'] ?? [],
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function keepCookies(participant: Participant, answer: Answer): void {
  for (const line of answer.setCookie) {
    const [pair = ''] = line.split(';');
    const separator = pair.indexOf('=');
    if (separator > 0) participant.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
  }
}

async function json<T>(base: URL, pathname: string): Promise<T> {
  const response = await fetch(new URL(pathname, base));
  return (await response.json()) as T;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const child = startChild(process.execPath, [path.join(root, 'scripts/classroom.ts')], {
    cwd: root,
    env: {
      ...process.env,
      LAB_PORT: '0',
      LAB_HOST: '',
      LAB_WATCH: '0',
      REDIS_URL: process.env['CLASSROOM_BENCH_REDIS_URL'] ?? '',
      SESSION_STORE: process.env['CLASSROOM_BENCH_STORE'] ?? 'redis',
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

  const participants: Participant[] = [];
  for (let n = 0; n < PARTICIPANTS; n += 1) {
    const participant: Participant = {
      agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      cookies: new Map(),
      visits: 0,
      lastCount: null,
      errors: 0,
    };
    keepCookies(participant, await send(base, participant, 'GET', '/join'));
    participants.push(participant);
  }

  // The machine's load says how far the figures speak for the code: on two shared cores, every
  // hop of a visit (balancer, instance, store link, store) waits for its turn behind the others.
  const loadBefore = os.loadavg()[0]!;
  const latencies: number[] = [];
  let errors = 0;
  const statuses = new Map<number, number>();
  const endAt = performance.now() + SECONDS * 1000;
  // Each participant starts at a random moment of the first second, then visits about once a
  // second (±20 %), one visit at a time, as a thumb on a button would.
  await Promise.all(
    participants.map(async (participant) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
      while (performance.now() < endAt) {
        const began = performance.now();
        try {
          const answer = await send(base, participant, 'POST', '/api/visit');
          latencies.push(performance.now() - began);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          keepCookies(participant, answer);
          if (answer.status === 200) {
            participant.visits += 1;
            participant.lastCount = (JSON.parse(answer.body) as { visits: number }).visits;
          } else {
            participant.errors += 1;
            errors += 1;
          }
        } catch {
          participant.errors += 1;
          errors += 1;
        }
        const pause = 800 + Math.random() * 400 - (performance.now() - began);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }),
  );

  const loadAfter = os.loadavg()[0]!;
  const room = await json<RoomState>(base, '/lab/room');
  const tallied = room.participants.filter((entry) => entry.count === entry.visits).length;
  const exact = participants.filter(
    (participant) => participant.errors === 0 && participant.lastCount === participant.visits,
  ).length;
  const sorted = latencies.sort((a, b) => a - b);
  const total = latencies.length;
  results.add({ name: 'participants', value: PARTICIPANTS, unit: 'participants' });
  results.add({
    name: 'load average',
    value: Math.round(Math.max(loadBefore, loadAfter) * 100) / 100,
    unit: 'runnable',
    note: `1-minute load, before ${loadBefore.toFixed(2)} and after ${loadAfter.toFixed(2)}, on ${os.availableParallelism()} cores`,
  });
  results.add({ name: 'visits', value: total, unit: 'requests', note: `over ${SECONDS} s` });
  results.add({ name: 'throughput', value: total / SECONDS, unit: 'req/s' });
  results.add({
    name: 'visit p50',
    value: Math.round(percentile(sorted, 50) * 10) / 10,
    unit: 'ms',
  });
  results.add({
    name: 'visit p99',
    value: Math.round(percentile(sorted, 99) * 10) / 10,
    unit: 'ms',
    goal: { at: 'most', value: 100 },
  });
  results.add({ name: 'visit max', value: Math.round((sorted.at(-1) ?? 0) * 10) / 10, unit: 'ms' });
  results.add({
    name: 'errors',
    value: errors,
    unit: 'requests',
    goal: { at: 'most', value: 0 },
    note: [...statuses].map(([status, count]) => `${status}: ${count}`).join(', '),
  });
  results.add({
    name: 'exact counts',
    value: exact,
    unit: 'participants',
    goal: { at: 'least', value: PARTICIPANTS },
    note: 'the count the app answered last equals the visits it answered',
  });
  results.add({
    name: 'room tally exact',
    value: tallied,
    unit: 'participants',
    goal: { at: 'least', value: PARTICIPANTS },
    note: "the room's own tally (GET /lab/room) agrees",
  });
  for (const participant of participants) participant.agent.destroy();
  await stopChild(child);
  results.save();
}

try {
  await main();
} finally {
  await stopAll();
}
