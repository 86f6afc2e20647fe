// One load process of the classroom benchmark: a share of the room's participants, each with its
// own kept-alive connection, visiting about once a second. It runs in a process of its own (the
// benchmark starts one or more) so that the client's event loop is not the one it measures.
//   node bench/classroom-load.ts '<JSON of LoadOrder>'
// It joins its participants, prints {"joined":true}, waits for one line on stdin, {"startAt",
// "endAt"} in Date.now() milliseconds (every load process gets the same), visits until endAt,
// then prints one line: the LoadReport as JSON.
// Participants joined through the lab (`join: true`) first GET /join, as a phone does, for their
// participant cookie; the others (straight to an instance, through a minimal proxy) start bare.
import net from 'node:net';
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
  connection: Connection;
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

/**
 * One participant's kept-alive HTTP/1.1 connection, one request at a time, written and read by
 * hand: Node's http client costs the load process about as much CPU per visit as the lab's
 * balancer does, and on two shared cores the client's own stalls would be counted as the lab's.
 * It reads what the lab answers: a Content-Length body, or a chunked one.
 */
class Connection {
  #port: number;
  #socket: net.Socket | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { resolve(answer: Answer): void; reject(error: Error): void } | null = null;

  constructor(port: number) {
    this.#port = port;
  }

  /** Sends one request (its whole head, no body) and resolves with the answer. */
  send(head: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      (this.#socket ?? this.#connect()).write(head);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connect(): net.Socket {
    const socket = net.connect(this.#port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#read();
    });
    // A connection that fails or closes fails the request in flight; the next one reconnects.
    const fail = (error: Error): void => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#buffer = Buffer.alloc(0);
      const pending = this.#pending;
      this.#pending = null;
      pending?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed before the answer')));
    this.#socket = socket;
    return socket;
  }

  #read(): void {
    const buffer = this.#buffer;
    const headEnd = buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const [statusLine = '', ...lines] = buffer.toString('latin1', 0, headEnd).split('\r\n');
    const setCookie: string[] = [];
    let length = 0;
    let chunked = false;
    let close = false;
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'set-cookie') setCookie.push(value);
      else if (name === 'transfer-encoding') chunked = /chunked/i.test(value);
      else if (name === 'connection') close = /close/i.test(value);
    }
    let at = headEnd + 4;
    let body = '';
    if (chunked) {
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
        if (buffer.length < lineEnd + 2 + size + 2) return;
        body += buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      if (buffer.length < at + length) return;
      body = buffer.toString('utf8', at, at + length);
      at += length;
    }
    this.#buffer = buffer.subarray(at);
    const pending = this.#pending;
    this.#pending = null;
    if (close) this.close();
    pending?.resolve({ status: Number(statusLine.split(' ')[1]), body, setCookie });
  }
}

function send(
  port: number,
  participant: Participant,
  method: string,
  pathname: string,
): Promise<Answer> {
  const cookie = [...participant.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return participant.connection.send(
    `${method} ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      (cookie ? `Cookie: ${cookie}\r\n` : '') +
      (method === 'POST' ? 'Content-Length: 0\r\n' : '') +
      '\r\n',
  );
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
      // One connection per participant, as one phone keeps one.
      connection: new Connection(order.port),
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
  for (const participant of participants) participant.connection.close();
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
