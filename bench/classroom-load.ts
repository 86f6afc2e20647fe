// One load process of the classroom benchmark: a share of the room's participants, each with its
// own kept-alive connection, visiting about once a second. It runs in a process of its own (the
// benchmark starts one or more) so that the client's event loop is not the one it measures.
//   node bench/classroom-load.ts '<JSON of LoadOrder>'
// It joins its participants, prints {"joined":true}, waits for one line on stdin, {"startAt",
// "endAt"} in Date.now() milliseconds (every load process gets the same), visits until endAt,
// then prints one line: the LoadReport as JSON.
// Participants joined through the lab (`join: true`) first GET /join, as a phone does, for their
// participant cookie; the others (straight to an instance, through a minimal proxy) start bare.
import http from 'node:http';
import { startProcessStats, type ProcessStats } from './process-stats.ts';

/** What one load process is asked to do. */
export interface LoadOrder {
  port: number;
  participants: number;
  join: boolean;
}

/** When the visits start and end, in Date.now() milliseconds, sent once everyone has joined. */
export interface LoadWindow {
  startAt: number;
  endAt: number;
}

/** What it measured. */
export interface LoadReport {
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  /** Participants whose last answered count equals the visits answered, with no error. */
  exact: number;
  participants: number;
  stats: ProcessStats;
}

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
  port: number,
  participant: Participant,
  method: string,
  pathname: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const cookie = [...participant.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The window arrives on stdin once every load process of the phase has joined its participants.
function readWindow(): Promise<LoadWindow> {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) {
        process.stdin.pause();
        resolve(JSON.parse(text.slice(0, end)) as LoadWindow);
      }
    });
  });
}

async function run(order: LoadOrder): Promise<LoadReport> {
  const participants: Participant[] = [];
  for (let n = 0; n < order.participants; n += 1) {
    const participant: Participant = {
      // One connection per participant, as one phone keeps one; Nagle off, as Node's default.
      agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      cookies: new Map(),
      visits: 0,
      lastCount: null,
      errors: 0,
    };
    if (order.join) keepCookies(participant, await send(order.port, participant, 'GET', '/join'));
    participants.push(participant);
  }
  process.stdout.write(`${JSON.stringify({ joined: true })}\n`);
  const window = await readWindow();
  await sleep(window.startAt - Date.now());
  const stats = startProcessStats('client');
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  // Each participant starts at a random moment of the first second, then visits about once a
  // second (±20 %), one visit at a time, as a thumb on a button would.
  await Promise.all(
    participants.map(async (participant) => {
      await sleep(Math.random() * 1000);
      while (Date.now() < window.endAt) {
        const began = performance.now();
        try {
          const answer = await send(order.port, participant, 'POST', '/api/visit');
          latencies.push(performance.now() - began);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
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
        if (pause > 0) await sleep(pause);
      }
    }),
  );
  const snapshot = stats.snapshot();
  for (const participant of participants) participant.agent.destroy();
  return {
    latencies: latencies.map((value) => Math.round(value * 100) / 100),
    statuses,
    errors,
    exact: participants.filter((p) => p.errors === 0 && p.lastCount === p.visits).length,
    participants: participants.length,
    stats: snapshot,
  };
}

const order = JSON.parse(process.argv[2] ?? '{}') as LoadOrder;
process.stdout.write(JSON.stringify(await run(order)) + '\n');
