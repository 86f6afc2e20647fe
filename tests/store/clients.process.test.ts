/**
 * Real clients against the embedded store: the ones the lab's app and learners may use
 * (ioredis 5 and 6, node-redis 5 and 6, redis-cli) and the session store the lab relies on
 * (connect-redis 9 through express-session's Store API).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import IORedis5 from 'ioredis';
import IORedis6 from 'ioredis6';
import { createClient as createClient5 } from 'redis5';
import { createClient as createClient6 } from 'redis6';
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { startEmbeddedStore } from '../../sandboxes/platform/store/server.ts';
import type { EmbeddedStore } from '../../sandboxes/platform/store/server.ts';

const run = promisify(execFile);

let store: EmbeddedStore;

beforeAll(async () => {
  store = await startEmbeddedStore();
});

afterAll(() => store.close());

/** What a session store does: the same steps for every client, through a small adapter. */
interface Adapter {
  set(key: string, value: string, seconds: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  expire(key: string, seconds: number): Promise<number | boolean>;
  ttl(key: string): Promise<number>;
  mget(keys: string[]): Promise<(string | null)[]>;
  scanAll(pattern: string): Promise<string[]>;
  del(key: string): Promise<number>;
  setBinary(key: string, value: Buffer): Promise<unknown>;
  getBinary(key: string): Promise<Buffer | null>;
}

async function sessionScenario(prefix: string, client: Adapter): Promise<void> {
  await client.set(`${prefix}:a`, '{"visits":1}', 100);
  await client.set(`${prefix}:b`, 'é ✓', 100);
  expect(await client.get(`${prefix}:a`)).toBe('{"visits":1}');
  expect(await client.get(`${prefix}:b`)).toBe('é ✓');
  expect(await client.get(`${prefix}:none`)).toBeNull();
  expect(await client.ttl(`${prefix}:a`)).toBe(100);
  expect(Number(await client.expire(`${prefix}:a`, 500))).toBe(1);
  expect(await client.ttl(`${prefix}:a`)).toBe(500);
  expect(await client.mget([`${prefix}:a`, `${prefix}:none`, `${prefix}:b`])).toEqual([
    '{"visits":1}',
    null,
    'é ✓',
  ]);
  expect((await client.scanAll(`${prefix}:*`)).sort()).toEqual([`${prefix}:a`, `${prefix}:b`]);
  const bytes = Buffer.from([0, 255, 13, 10, 128, 1]);
  await client.setBinary(`${prefix}:bin`, bytes);
  expect(await client.getBinary(`${prefix}:bin`)).toEqual(bytes);
  expect(await client.del(`${prefix}:a`)).toBe(1);
  expect(await client.get(`${prefix}:a`)).toBeNull();
  expect(await client.del(`${prefix}:a`)).toBe(0);
}

function ioredisAdapter(redis: IORedis5 | IORedis6): Adapter {
  return {
    set: (key, value, seconds) => redis.set(key, value, 'EX', seconds),
    get: (key) => redis.get(key),
    expire: (key, seconds) => redis.expire(key, seconds),
    ttl: (key) => redis.ttl(key),
    mget: (keys) => redis.mget(...keys),
    async scanAll(pattern) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, page] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2);
        keys.push(...page);
        cursor = next;
      } while (cursor !== '0');
      return keys;
    },
    del: (key) => redis.del(key),
    setBinary: (key, value) => redis.set(key, value),
    getBinary: (key) => redis.getBuffer(key),
  };
}

type NodeRedis = ReturnType<typeof createClient5>;

/** What connecting and closing need of a node-redis client, of either major version. */
interface Connectable {
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
}

/**
 * Connects a node-redis client, runs `use` with it, and destroys it even when `use` fails. Its
 * error events are ignored: a failure surfaces in the command that met it, where the test sees it.
 */
async function withNodeRedis<Client extends Connectable>(
  redis: Client,
  use: (redis: Client) => Promise<void>,
): Promise<void> {
  redis.on('error', () => {});
  await redis.connect();
  try {
    await use(redis);
  } finally {
    redis.destroy();
  }
}

function nodeRedisAdapter(redis: NodeRedis): Adapter {
  return {
    set: (key, value, seconds) =>
      redis.set(key, value, { expiration: { type: 'EX', value: seconds } }),
    get: (key) => redis.get(key),
    expire: (key, seconds) => redis.expire(key, seconds),
    ttl: (key) => redis.ttl(key),
    mget: (keys) => redis.mGet(keys),
    async scanAll(pattern) {
      const keys: string[] = [];
      for await (const page of redis.scanIterator({ MATCH: pattern, COUNT: 2 })) keys.push(...page);
      return keys;
    },
    del: (key) => redis.del(key),
    setBinary: (key, value) => redis.set(key, value),
    async getBinary(key) {
      const reply = await redis.withTypeMapping({ [36 /* RESP blob string */]: Buffer }).get(key);
      return reply as unknown as Buffer | null;
    },
  };
}

describe('clients', () => {
  test('ioredis 5 (it checks INFO before it is ready)', async () => {
    const redis = new IORedis5({ host: '127.0.0.1', port: store.port, maxRetriesPerRequest: 1 });
    try {
      await sessionScenario('io5', ioredisAdapter(redis));
      expect(redis.status).toBe('ready');
    } finally {
      redis.disconnect();
    }
  });

  test('ioredis 6 (it opens with HELLO 3 and falls back to RESP2 on NOPROTO)', async () => {
    const redis = new IORedis6({ host: '127.0.0.1', port: store.port, maxRetriesPerRequest: 1 });
    try {
      await sessionScenario('io6', ioredisAdapter(redis));
    } finally {
      redis.disconnect();
    }
  });

  test('node-redis 5', async () => {
    await withNodeRedis(createClient5({ url: `redis://127.0.0.1:${store.port}` }), (redis) =>
      sessionScenario('nr5', nodeRedisAdapter(redis)),
    );
  });

  test('node-redis 6 configured for RESP2', async () => {
    await withNodeRedis(
      createClient6({ url: `redis://127.0.0.1:${store.port}`, RESP: 2 }),
      (redis) => sessionScenario('nr6', nodeRedisAdapter(redis as unknown as NodeRedis)),
    );
  });

  test('node-redis 6 with its default RESP3 (it opens with HELLO 3 and has no fallback)', async () => {
    await withNodeRedis(
      createClient6({ url: `redis://127.0.0.1:${store.port}` }),
      async (redis) => {
        await sessionScenario('nr6resp3', nodeRedisAdapter(redis as unknown as NodeRedis));
        // RESP3 types arrive as such: a map for a hash, a null for a missing key.
        await redis.hSet('nr6resp3:h', 'field', 'value');
        expect(await redis.hGetAll('nr6resp3:h')).toEqual({ field: 'value' });
        expect(await redis.get('nr6resp3:missing')).toBeNull();
        await redis.del('nr6resp3:h');
      },
    );
  });

  test('redis-cli: ping, set, get', async () => {
    const cli = (...args: string[]) =>
      run('redis-cli', ['-h', '127.0.0.1', '-p', String(store.port), ...args], { timeout: 5000 });
    expect((await cli('ping')).stdout).toBe('PONG\n');
    expect((await cli('set', 'cli:key', 'hello world')).stdout).toBe('OK\n');
    expect((await cli('get', 'cli:key')).stdout).toBe('hello world\n');
    expect((await cli('get', 'cli:missing')).stdout).toBe('\n');
    const unknown = await cli('nosuch', 'x');
    expect(unknown.stdout).toBe("ERR unknown command 'nosuch', with args beginning with: 'x' \n\n");
  });
});

describe('connect-redis 9 with node-redis 5', () => {
  test('get, set, touch and destroy a session', async () => {
    const client = createClient5({ url: `redis://127.0.0.1:${store.port}` });
    client.on('error', () => {});
    await client.connect();
    try {
      const sessions = new RedisStore({ client, prefix: 'sess:' });
      const session = {
        cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) },
        visits: 3,
      } as unknown as SessionData;
      await sessions.set('abc', session);
      const read = (await sessions.get('abc')) as (SessionData & { visits: number }) | null;
      expect(read?.visits).toBe(3);
      expect(await client.ttl('sess:abc')).toBe(60);
      const later = {
        ...session,
        cookie: { originalMaxAge: 600_000, expires: new Date(Date.now() + 600_000) },
      } as unknown as SessionData;
      await sessions.touch('abc', later);
      expect(await client.ttl('sess:abc')).toBe(600);
      expect(await sessions.ids()).toEqual(['abc']);
      expect(await sessions.length()).toBe(1);
      await sessions.destroy('abc');
      expect(await sessions.get('abc')).toBeNull();
      expect(await client.exists('sess:abc')).toBe(0);
    } finally {
      client.destroy();
    }
  });
});
