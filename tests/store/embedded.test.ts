/**
 * What the embedded store answers on purpose differently from redis-server, or where the two
 * cannot be compared byte for byte: server facts (INFO, COMMAND, CONFIG), the single database,
 * and the handshake commands that clients send when they connect.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedStore } from '../../sandboxes/platform/store/server.ts';
import type { EmbeddedStore } from '../../sandboxes/platform/store/server.ts';
import { formatScore, globMatch } from '../../sandboxes/platform/store/commands.ts';
import { RawClient, encodeCommand } from './helpers.ts';

let store: EmbeddedStore;
let client: RawClient;

beforeAll(async () => {
  store = await startEmbeddedStore();
  client = await RawClient.connect(store.port);
});

afterAll(async () => {
  client.close();
  await store.close();
});

async function ask(...args: string[]): Promise<string> {
  client.send(encodeCommand(args));
  const [reply] = await client.replies(1);
  return reply!;
}

describe('the embedded store', () => {
  test('HELLO 3 switches to RESP3 and HELLO 2 back; other versions get NOPROTO', async () => {
    expect(await ask('HELLO', '3')).toMatch(
      /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n.*\$5\r\nproto\r\n:3\r\n/s,
    );
    expect(await ask('GET', 'missing')).toBe('_\r\n');
    expect(await ask('HELLO', '4')).toBe('-NOPROTO unsupported protocol version\r\n');
    expect(await ask('HELLO', '2', 'SETNAME', 'lab')).toMatch(
      /^\*14\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/,
    );
    expect(await ask('CLIENT', 'GETNAME')).toBe('$3\r\nlab\r\n');
  });

  test('has one database: SELECT 0 works, any other index is out of range', async () => {
    expect(await ask('SELECT', '0')).toBe('+OK\r\n');
    expect(await ask('SELECT', '1')).toBe('-ERR DB index is out of range\r\n');
    expect(await ask('SELECT', '-1')).toBe('-ERR DB index is out of range\r\n');
  });

  test('accepts CLIENT SETINFO and answers CLIENT ID, as clients expect at connect time', async () => {
    expect(await ask('CLIENT', 'SETINFO', 'LIB-NAME', 'ioredis')).toBe('+OK\r\n');
    expect(await ask('CLIENT', 'ID')).toMatch(/^:\d+\r\n$/);
    expect(await ask('CLIENT', 'SETINFO', 'LIB-NAME')).toBe(
      "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
  });

  test('INFO has a Server section with redis_version and a Keyspace section', async () => {
    await ask('SET', 'info:a', '1');
    await ask('SET', 'info:b', '1', 'EX', '100');
    const reply = await ask('INFO');
    const text = reply.slice(reply.indexOf('\r\n') + 2);
    expect(text).toMatch(/^# Server\r\nredis_version:7\.0\.\d+\r\n/);
    expect(text).toContain('loading:0\r\n');
    expect(text).toMatch(/# Keyspace\r\ndb0:keys=\d+,expires=1,avg_ttl=0\r\n/);
    expect(text).toMatch(/tcp_port:\d+/);
    await ask('DEL', 'info:a', 'info:b');
  });

  test('answers COMMAND, COMMAND COUNT, COMMAND DOCS and COMMAND INFO', async () => {
    const count = Number((await ask('COMMAND', 'COUNT')).slice(1));
    expect(count).toBeGreaterThan(60);
    expect(await ask('COMMAND')).toMatch(new RegExp(`^\\*${count}\\r\\n`));
    expect(await ask('COMMAND', 'DOCS')).toBe('*0\r\n');
    expect(await ask('COMMAND', 'INFO', 'get', 'nosuch')).toBe(
      '*2\r\n*6\r\n$3\r\nget\r\n:2\r\n*0\r\n:1\r\n:1\r\n:1\r\n*-1\r\n',
    );
  });

  test('answers CONFIG GET for the settings redis-benchmark and clients read', async () => {
    expect(await ask('CONFIG', 'GET', 'save')).toBe('*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    expect(await ask('CONFIG', 'GET', 'appendonly')).toBe(
      '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n',
    );
    expect(await ask('CONFIG', 'GET', 'maxmemory*')).toBe(
      '*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n',
    );
    expect(await ask('CONFIG', 'GET', 'nothing-like-this')).toBe('*0\r\n');
  });

  test('keeps each store’s data apart, even in one process', async () => {
    const other = await startEmbeddedStore();
    const second = await RawClient.connect(other.port);
    await ask('SET', 'shared?', 'first');
    second.send(encodeCommand(['GET', 'shared?']));
    expect(await second.replies(1)).toEqual(['$-1\r\n']);
    second.close();
    await other.close();
  });

  test('formats scores as C’s %.17g and matches globs as Redis does', () => {
    expect(formatScore(0.1)).toBe('0.10000000000000001');
    expect(formatScore(1e30)).toBe('1e+30');
    expect(formatScore(1.5e-7)).toBe('1.4999999999999999e-07');
    expect(formatScore(3)).toBe('3');
    expect(formatScore(-2.5)).toBe('-2.5');
    expect(globMatch('sess:*', 'sess:abc')).toBe(true);
    expect(globMatch('h?llo', 'hallo')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('h[a-b]llo', 'hbllo')).toBe(true);
    expect(globMatch('a\\*', 'a*')).toBe(true);
    expect(globMatch('a\\*', 'ab')).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(40))).toBe(false);
  });
});
