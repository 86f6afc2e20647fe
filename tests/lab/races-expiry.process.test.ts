// What lesson 3 asks learners to watch about one session over time, as assertions against a real
// lab: twenty visits sent together lose updates whichever store holds the session (express-session
// writes the whole session back, and the last write wins); the expiry that GET /api/session
// reports is the real TTL of the session's key in Redis, and counts down; a short lifetime set
// through PUT /lab/config makes a session expire, after which the count starts again.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  control,
  labState,
  settled,
  startLabProcess,
  startRedis,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';
import type { SessionAnswer } from '../../sandboxes/platform/types.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The session id inside a `lab.sid=s%3A<id>.<signature>` cookie. */
function sessionId(cookie: string | null): string {
  const match = /^lab\.sid=s%3A([^.]+)\./.exec(cookie ?? '');
  if (!match?.[1]) throw new Error(`no signed session cookie in ${String(cookie)}`);
  return match[1];
}

/**
 * Sends `count` visits of one visitor's session all at once, as `xargs -P 20 curl` does, and
 * returns their answers.
 */
async function burst(
  visitor: Visitor,
  count: number,
): Promise<{ status: number; instance: string }[]> {
  const headers = { cookie: visitor.cookie ?? '' };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(new URL('api/visit', visitor.base), { method: 'POST', headers });
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, instance: String(body['instance']) };
    }),
  );
}

/** What GET /api/session says of one visitor's session: its count and how long it has left. */
async function session(
  visitor: Visitor,
): Promise<Required<Pick<SessionAnswer, 'visits' | 'expiresInSeconds'>>> {
  const { status, body } = await visitor.request('GET', 'api/session');
  expect(status).toBe(200);
  const answer = body as unknown as SessionAnswer;
  expect(answer).toHaveProperty('expiresInSeconds');
  return { visits: answer.visits, expiresInSeconds: answer.expiresInSeconds ?? null };
}

for (const storeKind of ['embedded', 'redis-server'] as const) {
  describe(`one session over time (${storeKind} store)`, () => {
    let lab: LabProcess;
    let redis: Awaited<ReturnType<typeof startRedis>> | null = null;
    let client: ReturnType<typeof createClient>;

    beforeAll(async () => {
      redis = storeKind === 'redis-server' ? await startRedis() : null;
      lab = await startLabProcess(redis ? { REDIS_URL: redis.url } : {});
      const state = await waitForState(lab.url, settled);
      // The same store the instances use, reached as `redis-cli -p <port>` would reach it.
      const url = redis ? redis.url : `redis://127.0.0.1:${state.store.port}`;
      client = createClient({ url });
      await client.connect();
    });
    afterAll(async () => {
      await client?.close().catch(() => client.destroy());
      await lab?.stop();
      await redis?.stop();
    });

    it('memory sessions: 20 visits at once all answer 200, and the count rises by less than 20', async () => {
      // One instance, so that the one copy of the session in its memory is the whole count.
      await control(lab.url, 'POST', 'lab/scale', { count: 1 });
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 1);
      const visitor = new Visitor(lab.url);
      expect((await visitor.visit()).body['visits']).toBe(1);
      const answers = await burst(visitor, 20);
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      const { visits } = await session(visitor);
      expect(visits - 1).toBeGreaterThan(0);
      expect(visits - 1).toBeLessThan(20);
    });

    it('memory sessions: the expiry is the one the MemoryStore keeps, and a read does not push it back', async () => {
      const visitor = new Visitor(lab.url);
      const first = await visitor.visit();
      const expires = /Expires=([^;]+)/i.exec(first.headers.get('set-cookie') ?? '')?.[1];
      const cookieLeft = (Date.parse(expires ?? '') - Date.now()) / 1000;
      const before = await session(visitor);
      expect(before.expiresInSeconds).not.toBeNull();
      expect(Math.abs((before.expiresInSeconds ?? 0) - cookieLeft)).toBeLessThanOrEqual(2);
      await sleep(2200);
      const after = await session(visitor);
      expect(after.expiresInSeconds).toBeLessThanOrEqual((before.expiresInSeconds ?? 0) - 1);
      // A stranger's session is in no store: nothing to count down.
      expect((await session(new Visitor(lab.url))).expiresInSeconds).toBeNull();
    });

    it('Redis sessions over three instances: 20 visits at once all answer 200, and the count rises by less than 20', async () => {
      await control(lab.url, 'POST', 'lab/scale', { count: 3 });
      await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis' });
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 3);
      const visitor = new Visitor(lab.url);
      expect((await visitor.visit()).body['visits']).toBe(1);
      const answers = await burst(visitor, 20);
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((answer) => answer.instance)).size).toBeGreaterThan(1);
      const { visits } = await session(visitor);
      expect(visits - 1).toBeGreaterThan(0);
      expect(visits - 1).toBeLessThan(20);
    });

    it('Redis sessions: expiresInSeconds is the TTL of sess:<id>, it counts down, and a visit does not extend it', async () => {
      const visitor = new Visitor(lab.url);
      await visitor.visit();
      const key = `sess:${sessionId(visitor.cookie)}`;
      const first = await session(visitor);
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(86_390);
      expect(ttl).toBeLessThanOrEqual(86_400);
      expect(Math.abs((first.expiresInSeconds ?? 0) - ttl)).toBeLessThanOrEqual(1);
      await sleep(2200);
      await visitor.visit();
      const later = await session(visitor);
      const laterTtl = await client.ttl(key);
      expect(later.expiresInSeconds).toBeLessThanOrEqual((first.expiresInSeconds ?? 0) - 1);
      expect(laterTtl).toBeLessThan(ttl);
      expect(Math.abs((later.expiresInSeconds ?? 0) - laterTtl)).toBeLessThanOrEqual(1);
    });

    it('refuses a session lifetime out of range and changes nothing', async () => {
      for (const sessionMaxAgeSeconds of [2, 86_401, 1.5, '30']) {
        const answer = await control(lab.url, 'PUT', 'lab/config', { sessionMaxAgeSeconds });
        expect(answer.status).toBe(400);
        expect(String(answer.body['error'])).toMatch(/sessionMaxAgeSeconds/);
      }
      expect((await labState(lab.url)).sessionMaxAgeSeconds).toBe(86_400);
    });

    for (const sessionStore of ['redis', 'memory'] as const) {
      it(`${sessionStore} sessions: a 5 s lifetime makes the session expire, and the count starts again at 1`, async () => {
        const applied = await control(lab.url, 'PUT', 'lab/config', {
          sessionStore,
          sessionMaxAgeSeconds: 5,
        });
        expect(applied.status).toBe(200);
        expect(applied.body['sessionMaxAgeSeconds']).toBe(5);
        // With memory sessions, one instance holds the whole session.
        await control(lab.url, 'POST', 'lab/scale', { count: sessionStore === 'memory' ? 1 : 3 });
        await waitForState(lab.url, (state) => settled(state) && state.rollout === null);
        const visitor = new Visitor(lab.url);
        await visitor.visit();
        expect((await visitor.visit()).body['visits']).toBe(2);
        const { expiresInSeconds } = await session(visitor);
        expect(expiresInSeconds).toBeGreaterThanOrEqual(3);
        expect(expiresInSeconds).toBeLessThanOrEqual(5);
        const key = `sess:${sessionId(visitor.cookie)}`;
        if (sessionStore === 'redis') expect(await client.ttl(key)).toBeLessThanOrEqual(5);
        await sleep(5600);
        // Redis deleted the key by itself (read before the app is asked: asking with a cookie
        // whose id it no longer knows makes express-session save an empty session under it).
        if (sessionStore === 'redis') expect(await client.ttl(key)).toBe(-2);
        expect(await session(visitor)).toEqual({ visits: 0, expiresInSeconds: null });
        // The same cookie starts a new session: the count is back to 1.
        expect((await visitor.visit()).body['visits']).toBe(1);
      }, 30_000);
    }

    it('DELETE /api/session ends the session: the store forgets it, the next visit counts 1', async () => {
      await control(lab.url, 'PUT', 'lab/config', {
        sessionStore: 'redis',
        sessionMaxAgeSeconds: 86_400,
      });
      await waitForState(lab.url, (state) => settled(state) && state.rollout === null);
      const visitor = new Visitor(lab.url);
      await visitor.visit();
      await visitor.visit();
      const key = `sess:${sessionId(visitor.cookie)}`;
      expect(await client.ttl(key)).toBeGreaterThan(86_000);
      const ended = await visitor.request('DELETE', 'api/session');
      expect(ended.status).toBe(200);
      expect(ended.body).toMatchObject({ visits: 0, expiresInSeconds: null });
      expect(await client.ttl(key)).toBe(-2);
      expect((await visitor.visit()).body['visits']).toBe(1);
    });
  });
}
