/**
 * The RESP2 parser must give the same commands however the byte stream is cut: the lab may run
 * inside a WebContainer, whose TCP emulation splits data where a real kernel would not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RespParser, splitInline } from '../../sandboxes/platform/store/resp.ts';
import { startEmbeddedStore } from '../../sandboxes/platform/store/server.ts';
import type { EmbeddedStore } from '../../sandboxes/platform/store/server.ts';
import { RawClient, encodeCommand } from './helpers.ts';

/** Frames whose replies do not depend on how many times they ran, so each can be sent again. */
const frames: Buffer[] = [
  encodeCommand(['PING']),
  encodeCommand(['SET', 'key', 'value']),
  encodeCommand(['GET', 'key']),
  encodeCommand(['SET', 'bin', Buffer.from([0, 13, 10, 0xff, 0x24, 0x2a])]),
  encodeCommand(['GET', 'bin']),
  encodeCommand(['ECHO', 'x'.repeat(1234)]),
  encodeCommand(['ECHO', '']),
  encodeCommand(['MGET', 'key', 'bin', 'missing']),
  encodeCommand(['HGET', 'key', 'f']),
  encodeCommand(['NOSUCH', 'arg']),
  encodeCommand(['GET']),
  Buffer.from('PING\r\n'),
  Buffer.from('ECHO "a b\\x41"\r\n'),
  Buffer.from('GET key\n'),
  Buffer.from('*0\r\n*1\r\n$4\r\nPING\r\n'),
];

/** Feeds the pieces to a fresh parser and returns the commands it delivered. */
function parse(pieces: Buffer[]): { commands: string[][]; errors: (string | null)[] } {
  const commands: string[][] = [];
  const errors: (string | null)[] = [];
  const parser = new RespParser(
    (args) => commands.push(args),
    (message) => errors.push(message),
  );
  for (const piece of pieces) parser.feed(piece);
  return { commands, errors };
}

describe('RespParser', () => {
  test('every frame gives the same commands when split at any byte, or byte by byte', () => {
    for (const frame of frames) {
      const whole = parse([frame]);
      expect(whole.errors).toEqual([]);
      expect(whole.commands.length).toBeGreaterThan(0);
      for (let i = 0; i <= frame.length; i++) {
        expect(parse([frame.subarray(0, i), frame.subarray(i)])).toEqual(whole);
      }
      // Three pieces, at every pair of cuts, for the short frames.
      if (frame.length <= 60) {
        for (let i = 0; i <= frame.length; i++) {
          for (let j = i; j <= frame.length; j++) {
            expect(parse([frame.subarray(0, i), frame.subarray(i, j), frame.subarray(j)])).toEqual(
              whole,
            );
          }
        }
      }
      const bytes = [...frame].map((b) => Buffer.from([b]));
      expect(parse(bytes)).toEqual(whole);
    }
  });

  test('all frames in one stream, cut into random pieces, give every command in order', () => {
    const stream = Buffer.concat(frames);
    const expected = parse([stream]);
    let seed = 42;
    for (let round = 0; round < 200; round++) {
      const pieces: Buffer[] = [];
      let at = 0;
      while (at < stream.length) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const size = 1 + (seed % 40);
        pieces.push(stream.subarray(at, at + size));
        at += size;
      }
      expect(parse(pieces)).toEqual(expected);
    }
  });

  test('arguments are binary strings, one character per byte', () => {
    const value = Buffer.from([0, 1, 0x80, 0xff, 13, 10]);
    const { commands } = parse([encodeCommand(['SET', 'k', value])]);
    expect(Buffer.from(commands[0]![2]!, 'latin1')).toEqual(value);
  });

  test('a large value sent in many small pieces is reassembled once', () => {
    const value = Buffer.alloc(3 * 1024 * 1024, 7);
    const frame = encodeCommand(['SET', 'k', value]);
    const pieces: Buffer[] = [];
    for (let at = 0; at < frame.length; at += 1000) pieces.push(frame.subarray(at, at + 1000));
    const started = performance.now();
    const { commands } = parse(pieces);
    expect(commands[0]![2]!.length).toBe(value.length);
    // Copying everything received at each piece would take seconds; one copy takes milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('protocol errors carry the text redis-server sends', () => {
    expect(parse([Buffer.from('*1\r\n$x\r\n')]).errors).toEqual([
      'Protocol error: invalid bulk length',
    ]);
    expect(parse([Buffer.from('*1\r\n$99999999999\r\n')]).errors).toEqual([
      'Protocol error: invalid bulk length',
    ]);
    expect(parse([Buffer.from('*2000000\r\n')]).errors).toEqual([
      'Protocol error: invalid multibulk length',
    ]);
    expect(parse([Buffer.from('*1\r\n+x\r\n')]).errors).toEqual([
      "Protocol error: expected '$', got '+'",
    ]);
    expect(parse([Buffer.from('x'.repeat(70 * 1024))]).errors).toEqual([
      'Protocol error: too big inline request',
    ]);
    expect(parse([Buffer.from(`*${'1'.repeat(70 * 1024)}`)]).errors).toEqual([
      'Protocol error: too big mbulk count string',
    ]);
    // Nothing is delivered after an error, even if valid commands follow.
    const after = parse([Buffer.from('PING\r\n*1\r\n$x\r\nPING\r\n')]);
    expect(after.commands).toEqual([['PING']]);
  });

  test('inline commands split as redis-server splits them', () => {
    expect(splitInline('  SET  a   b ')).toEqual(['SET', 'a', 'b']);
    expect(splitInline('SET "a b" \'c d\'')).toEqual(['SET', 'a b', 'c d']);
    expect(splitInline('ECHO "\\x41\\n\\t\\""')).toEqual(['ECHO', 'A\n\t"']);
    expect(splitInline("ECHO 'it\\'s'")).toEqual(['ECHO', "it's"]);
    expect(splitInline('ECHO "unterminated')).toBeNull();
    expect(splitInline('ECHO "a"b')).toBeNull();
    expect(splitInline('')).toEqual([]);
  });
});

describe('the server under split writes', () => {
  let store: EmbeddedStore;
  beforeAll(async () => {
    store = await startEmbeddedStore();
  });
  afterAll(() => store.close());

  test('every frame split at every byte boundary gets the same replies as sent whole', async () => {
    const client = await RawClient.connect(store.port);
    const replyCounts = frames.map((frame) => parse([frame]).commands.length);
    const expected: string[][] = [];
    for (let f = 0; f < frames.length; f++) {
      client.send(frames[f]!);
      expected.push(await client.replies(replyCounts[f]!));
    }
    for (let f = 0; f < frames.length; f++) {
      const frame = frames[f]!;
      // The long ECHO frame is cut at a sample of places; the others at every byte.
      const step = frame.length > 200 ? 37 : 1;
      for (let i = 1; i < frame.length; i += step) {
        client.send(frame.subarray(0, i));
        // A pause so the two pieces reach the server as two reads, not one.
        await new Promise((resolve) => setTimeout(resolve, 1));
        client.send(frame.subarray(i));
        expect(await client.replies(replyCounts[f]!)).toEqual(expected[f]);
      }
    }
    client.close();
  });
});
