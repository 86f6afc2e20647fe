/**
 * The store as the lab runs it: its own process, started by `main.ts`. Garbage from clients
 * must never crash or hang it, and it must stop cleanly on SIGTERM and SIGINT.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient, encodeCommand, freePort } from './helpers.ts';

const MAIN = path.resolve(import.meta.dirname, '../../sandboxes/platform/store/main.ts');

interface Started {
  child: ChildProcess;
  port: number;
  lines: string[];
  exit: Promise<number | null>;
}

/** Spawns main.ts and waits for its ready line. */
async function startMain(args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) resolve(line);
    });
    void exit.then((code) => reject(new Error(`main.ts exited with ${code}`)));
  });
  const { port } = JSON.parse(first) as { port: number };
  return { child, port, lines, exit };
}

async function ping(port: number): Promise<string[]> {
  const client = await RawClient.connect(port);
  client.send(
    Buffer.concat([
      encodeCommand(['PING']),
      encodeCommand(['SET', 'after', 'ok']),
      encodeCommand(['GET', 'after']),
    ]),
  );
  const replies = await client.replies(3, 5000);
  client.close();
  return replies;
}

describe('main.ts', () => {
  test('prints exactly one ready line, then exits with 0 on SIGTERM', async () => {
    const started = await startMain();
    expect(started.lines[0]).toMatch(/^\{"ready":true,"port":\d+\}$/);
    expect(await ping(started.port)).toEqual(['+PONG\r\n', '+OK\r\n', '$2\r\nok\r\n']);
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
    expect(started.lines).toHaveLength(1);
  });

  test('listens on the port given, and exits with 0 on SIGINT', async () => {
    const port = await freePort();
    const started = await startMain(['--host', '127.0.0.1', '--port', String(port)]);
    expect(started.lines[0]).toBe(`{"ready":true,"port":${port}}`);
    started.child.kill('SIGINT');
    expect(await started.exit).toBe(0);
  });
});

/** A small seeded generator, so a failing fuzz input can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds = [
  encodeCommand(['SET', 'k', 'v', 'EX', '10']),
  encodeCommand(['GET', 'k']),
  encodeCommand(['HSET', 'h', 'f', 'v']),
  encodeCommand(['MULTI']),
  encodeCommand(['EXEC']),
  encodeCommand(['SCAN', '0', 'MATCH', '*[a-', 'COUNT', '5']),
  Buffer.from('PING\r\nECHO "a\\x4"\r\n'),
  Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999\r\n'),
];

/** One fuzz input: random bytes, or a valid frame with bytes replaced, cut or repeated. */
function fuzzInput(next: () => number): Buffer {
  const kind = next();
  if (kind < 0.3) {
    const bytes = Buffer.alloc(1 + Math.floor(next() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    return bytes;
  }
  const alphabet = Buffer.from('*$:+-\r\n0123456789-x "\'\\');
  const frame = Buffer.from(
    Buffer.concat([
      seeds[Math.floor(next() * seeds.length)]!,
      seeds[Math.floor(next() * seeds.length)]!,
    ]),
  );
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * frame.length);
    frame[at] =
      next() < 0.7 ? alphabet[Math.floor(next() * alphabet.length)]! : Math.floor(next() * 256);
  }
  return next() < 0.3 ? frame.subarray(0, Math.floor(next() * frame.length)) : frame;
}

/** Sends one input on its own connection and waits until the server or a timeout ends it. */
function sendAndHangUp(port: number, input: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), 300);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('connect', () => socket.end(input));
    socket.resume();
  });
}

describe('hostile input', () => {
  let store: Started;
  beforeAll(async () => {
    store = await startMain();
  });
  afterAll(async () => {
    store.child.kill('SIGTERM');
    await store.exit;
  });

  test('a few thousand seeded random inputs never crash or hang the store', async () => {
    const next = random(20261116);
    const deadline = Date.now() + 20_000;
    let sent = 0;
    while (sent < 3000 && Date.now() < deadline) {
      const batch = Array.from({ length: 25 }, () => fuzzInput(next));
      await Promise.all(batch.map((input) => sendAndHangUp(store.port, input)));
      sent += batch.length;
      expect(store.child.exitCode).toBeNull();
    }
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(await ping(store.port)).toEqual(['+PONG\r\n', '+OK\r\n', '$2\r\nok\r\n']);
  });

  test('a line that never ends is refused once it passes 64 KiB, and the connection closes', async () => {
    const client = await RawClient.connect(store.port);
    for (let i = 0; i < 40 && !client.ended; i++) client.send(Buffer.alloc(16 * 1024, 'x'));
    expect(await client.untilClosed()).toBe('-ERR Protocol error: too big inline request\r\n');
    expect(await ping(store.port)).toEqual(['+PONG\r\n', '+OK\r\n', '$2\r\nok\r\n']);
  });

  test('a bulk length beyond the store limit is refused before any of it is buffered', async () => {
    const client = await RawClient.connect(store.port);
    client.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n');
    expect(await client.untilClosed()).toBe('-ERR Protocol error: invalid bulk length\r\n');
  });

  test('a client that pipelines without reading is throttled instead of filling memory', async () => {
    const setup = await RawClient.connect(store.port);
    setup.send(encodeCommand(['SET', 'big', Buffer.alloc(1024 * 1024, 'x')]));
    expect(await setup.replies(1)).toEqual(['+OK\r\n']);
    setup.close();
    const rssMb = async (): Promise<number> => {
      const status = await readFile(`/proc/${store.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    };
    const before = await rssMb();
    // 3000 GETs of 1 MiB would be 3 GiB of replies if the store kept answering a client that
    // does not read.
    const greedy = await RawClient.connect(store.port);
    greedy.socket.pause();
    const request = encodeCommand(['GET', 'big']);
    greedy.send(Buffer.concat(Array.from({ length: 3000 }, () => request)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rssMb()).toBeLessThan(before + 400);
    expect(await ping(store.port)).toEqual(['+PONG\r\n', '+OK\r\n', '$2\r\nok\r\n']);
    greedy.close();
  });

  test('a long pipeline read slowly still gets every reply, in order', async () => {
    const client = await RawClient.connect(store.port);
    const count = 20_000;
    const frames = Array.from({ length: count }, (_, i) => encodeCommand(['ECHO', String(i)]));
    client.send(Buffer.concat(frames));
    const replies = await client.replies(count, 20_000);
    expect(replies[0]).toBe('$1\r\n0\r\n');
    expect(replies.every((reply, i) => reply === `$${String(i).length}\r\n${i}\r\n`)).toBe(true);
    client.close();
  });

  test('a command announcing more data than it sends does not block other clients', async () => {
    const stalled = await RawClient.connect(store.port);
    stalled.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\nabc');
    expect(await ping(store.port)).toEqual(['+PONG\r\n', '+OK\r\n', '$2\r\nok\r\n']);
    stalled.close();
  });
});
