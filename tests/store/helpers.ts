/**
 * Helpers for the embedded store's tests: a real redis-server on a free port, and a raw TCP
 * client that sends RESP and cuts the answer into whole replies, byte for byte.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

export { freePort } from '../../sandboxes/platform/net-utils.ts';
import { freePort } from '../../sandboxes/platform/net-utils.ts';

/** A redis-server started for a test. */
export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server` without persistence on a free port and waits until it answers. */
export async function startRedisServer(): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const client = await RawClient.connect(port);
        client.send(encodeCommand(['PING']));
        await client.replies(1);
        client.close();
        return {
          port,
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    child.kill('SIGKILL');
    // Another process may have taken the port between the check and the start: try another.
    if (attempt >= 3) throw new Error('redis-server did not start');
  }
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Returns where the reply starting at `start` ends, or -1 when it is not complete yet. RESP2, and
 * the RESP3 types a client gets after HELLO 3.
 */
export function replyEnd(buf: Buffer, start: number): number {
  if (start >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) return -1;
  const type = String.fromCharCode(buf[start]!);
  const next = lineEnd + 2;
  if ('+-:_,#('.includes(type)) return next;
  const n = Number(buf.toString('latin1', start + 1, lineEnd));
  if (type === '$' || type === '=' || type === '!') {
    if (n < 0) return next;
    return buf.length >= next + n + 2 ? next + n + 2 : -1;
  }
  if (type === '*' || type === '~' || type === '>' || type === '%' || type === '|') {
    const elements = type === '%' || type === '|' ? 2 * n : n;
    let at = next;
    for (let i = 0; i < elements; i++) {
      at = replyEnd(buf, at);
      if (at === -1) return -1;
    }
    return at;
  }
  throw new Error(`not a RESP reply: ${JSON.stringify(buf.toString('latin1', start, start + 40))}`);
}

/** A bare TCP client: what it sends is exactly what the test wrote, replies are raw bytes. */
export class RawClient {
  readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Connects to 127.0.0.1 on `port`. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` whole replies and returns each one's raw text (latin1). */
  async replies(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out: string[] = [];
      let at = 0;
      while (out.length < count) {
        const end = replyEnd(this.received, at);
        if (end === -1) break;
        out.push(this.received.toString('latin1', at, end));
        at = end;
      }
      if (out.length === count) {
        this.received = this.received.subarray(at);
        return out;
      }
      if (this.ended) throw new Error(`connection closed after ${out.length} of ${count} replies`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${out.length} of ${count} replies`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the server closes the connection and returns everything not yet read. */
  async untilClosed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}
