// What the lessons ask learners to watch, as assertions: memory sessions split and die with
// their process, Redis sessions survive anything that happens to an instance, sticky sessions
// only hide the problem, and a store outage is a readiness problem, not a liveness one.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectEvents,
  control,
  copyApp,
  labState,
  settled,
  startLabWith,
  startLabProcess,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

for (const storeKind of ['embedded', 'redis-server'] as const) {
  describe(`what the learner sees (${storeKind} store)`, () => {
    let lab: LabProcess;

    beforeAll(async () => {
      lab = await startLabWith(storeKind);
    });
    afterAll(async () => {
      await lab?.stop();
    });

    it('memory store + round-robin: each instance keeps its own count for the same visitor', async () => {
      await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'memory', sticky: false });
      await waitForState(lab.url, settled);
      const visitor = new Visitor(lab.url);
      const answers: { instance: string; visits: number }[] = [];
      for (let i = 0; i < 9; i++) {
        const { body } = await visitor.visit();
        answers.push({ instance: String(body['instance']), visits: Number(body['visits']) });
      }
      const instances = new Set(answers.map((answer) => answer.instance));
      expect(instances.size).toBe(3);
      // Three rounds over three instances: each one counted exactly its own three visits.
      for (const id of instances) {
        expect(
          answers.filter((answer) => answer.instance === id).map((answer) => answer.visits),
        ).toEqual([1, 2, 3]);
      }
    });

    it('memory store: killing an instance loses the sessions it held', async () => {
      const visitor = new Visitor(lab.url);
      let last = await visitor.visit();
      for (let i = 0; i < 5; i++) last = await visitor.visit();
      const holder = String(last.body['instance']);
      const counted = Number(last.body['visits']);
      expect(counted).toBe(2);
      await control(lab.url, 'POST', `lab/instances/${holder}/kill`);
      await waitForState(
        lab.url,
        (state) => settled(state) && !state.instances.some((i) => i.id === holder),
      );
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) seen.push(Number((await visitor.visit()).body['visits']));
      // The replacement starts from nothing; the two survivors go on from where they were.
      expect(seen.sort()).toEqual([1, 3, 3]);
    });

    it('redis store: the count goes 1..N across instances, a kill, a replacement and a scale-up', async () => {
      await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis' });
      await waitForState(lab.url, settled);
      const visitor = new Visitor(lab.url);
      const counts: number[] = [];
      const instances = new Set<string>();
      const visit = async (): Promise<void> => {
        const { status, body } = await visitor.visit();
        expect(status).toBe(200);
        counts.push(Number(body['visits']));
        instances.add(String(body['instance']));
      };
      for (let i = 0; i < 4; i++) await visit();
      const victim = (await labState(lab.url)).instances[0]!.id;
      await control(lab.url, 'POST', `lab/instances/${victim}/kill`);
      for (let i = 0; i < 3; i++) await visit();
      await waitForState(lab.url, settled);
      await control(lab.url, 'POST', 'lab/replace');
      for (let i = 0; i < 3; i++) await visit();
      await control(lab.url, 'POST', 'lab/scale', { count: 5 });
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 5);
      for (let i = 0; i < 5; i++) await visit();
      expect(counts).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
      expect(instances.size).toBeGreaterThanOrEqual(8);
      await control(lab.url, 'POST', 'lab/scale', { count: 3 });
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 3);
    });

    it('sticky + memory: the session holds until its instance is killed, then it is lost', async () => {
      await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'memory', sticky: true });
      await waitForState(lab.url, settled);
      const visitor = new Visitor(lab.url);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push((await visitor.visit()).body);
      const pinned = String(answers[0]!['instance']);
      expect(answers.map((answer) => answer['instance'])).toEqual(Array(5).fill(pinned));
      expect(answers.map((answer) => answer['visits'])).toEqual([1, 2, 3, 4, 5]);
      await control(lab.url, 'POST', `lab/instances/${pinned}/kill`);
      await waitForState(
        lab.url,
        (state) => settled(state) && !state.instances.some((i) => i.id === pinned),
      );
      const after = (await visitor.visit()).body;
      expect(after['instance']).not.toBe(pinned);
      expect(after['visits']).toBe(1);
      // And it sticks to its new instance from then on.
      expect((await visitor.visit()).body).toMatchObject({
        instance: after['instance'],
        visits: 2,
      });
      await control(lab.url, 'PUT', 'lab/config', { sticky: false });
    });

    it('store down: liveness stays 200, readiness and the API answer 503, nothing restarts, and visits resume', async () => {
      await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis', sticky: false });
      const before = await waitForState(lab.url, settled);
      const visitor = new Visitor(lab.url);
      for (let i = 0; i < 3; i++) await visitor.visit();
      const stream = collectEvents(lab.url);
      await stream.opened;

      await control(lab.url, 'POST', 'lab/store/stop');
      await waitForState(lab.url, (state) =>
        state.instances.every((instance) => instance.status === 'unready'),
      );
      for (const instance of before.instances) {
        expect((await fetch(`http://127.0.0.1:${instance.port}/healthz`)).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${instance.port}/readyz`)).status).toBe(503);
      }
      const refused = await visitor.visit();
      expect(refused.status).toBe(503);
      expect(refused.body['error']).toMatch(/session store/i);
      expect((await visitor.request('GET', 'api/session')).status).toBe(503);
      // Longer than three liveness periods: a platform that probed the store would restart now.
      await sleep(3500);
      const during = await labState(lab.url);
      expect(during.instances.map((i) => [i.id, i.pid])).toEqual(
        before.instances.map((i) => [i.id, i.pid]),
      );

      await control(lab.url, 'POST', 'lab/store/start');
      await waitForState(lab.url, settled);
      expect((await visitor.visit()).body['visits']).toBe(4);
      stream.close();
      const types = stream.events.map((event) => event.type);
      expect(types).toContain('store-down');
      expect(types).toContain('store-up');
      expect(types).toContain('instance-unready');
      expect(types).not.toContain('instance-stopped');
      const failed = stream.events.find(
        (event) => event.type === 'request' && event.status === 503,
      );
      expect(failed).toBeDefined();
    });

    it('the event stream tells which instance served each request, and every start and stop', async () => {
      const stream = collectEvents(lab.url);
      await stream.opened;
      const visitor = new Visitor(lab.url);
      const served = [];
      for (let i = 0; i < 3; i++) served.push(String((await visitor.visit()).body['instance']));
      const victim = served[0]!;
      await control(lab.url, 'POST', `lab/instances/${victim}/kill`);
      await waitForState(
        lab.url,
        (state) => settled(state) && !state.instances.some((i) => i.id === victim),
      );
      await sleep(100);
      stream.close();
      expect(stream.events[0]?.type).toBe('state');
      const requests = stream.events.filter((event) => event.type === 'request');
      expect(requests.map((event) => event.instance)).toEqual(expect.arrayContaining(served));
      expect(requests[0]).toMatchObject({
        method: 'POST',
        path: '/api/visit',
        status: 200,
        session: expect.stringMatching(/^[0-9a-f]{8}$/),
      });
      expect(stream.events).toContainEqual(
        expect.objectContaining({ type: 'instance-stopped', id: victim, reason: 'killed' }),
      );
      expect(stream.events.some((event) => event.type === 'instance-started')).toBe(true);
      expect(stream.events.some((event) => event.type === 'instance-ready')).toBe(true);
    });
  });
}

describe("a learner's app file that does not start", () => {
  let lab: LabProcess;
  let appDir: string;

  beforeAll(async () => {
    appDir = copyApp();
    lab = await startLabProcess({ LAB_APP_DIR: appDir });
  });
  afterAll(async () => {
    await lab?.stop();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('aborts the rollout: the old instances keep serving and the error is reported', async () => {
    const before = await waitForState(lab.url, settled);
    const stream = collectEvents(lab.url);
    await stream.opened;
    const server = path.join(appDir, 'server.js');
    const original = fs.readFileSync(server, 'utf8');
    fs.writeFileSync(server, original.replace("app.post('/api/visit'", "app.post('/api/visit' {"));
    const failed = await waitForState(lab.url, (state) => state.lastError !== null);
    expect(failed.lastError).toMatch(/did not start/);
    expect(failed.lastError).toMatch(/SyntaxError/);
    expect(failed.lastError).toMatch(/old instances keep serving/);
    expect(failed.instances.map((i) => i.id)).toEqual(before.instances.map((i) => i.id));
    expect((await new Visitor(lab.url).visit()).status).toBe(200);
    expect(stream.events).toContainEqual(
      expect.objectContaining({
        type: 'rollout-failed',
        error: expect.stringMatching(/SyntaxError/),
      }),
    );

    // Mending the file rolls the fix out and clears the error.
    fs.writeFileSync(
      server,
      original.replace(
        'visits: req.session.visits, store',
        'visits: req.session.visits, edited: true, store',
      ),
    );
    const mended = await waitForState(
      lab.url,
      (state) =>
        state.lastError === null &&
        settled(state) &&
        !state.instances.some((i) => before.instances.some((old) => old.id === i.id)),
    );
    expect(mended.instances).toHaveLength(3);
    expect((await new Visitor(lab.url).visit()).body['edited']).toBe(true);
    stream.close();
  });

  it('a crash at start is reported the same way', async () => {
    const server = path.join(appDir, 'server.js');
    const original = fs.readFileSync(server, 'utf8');
    fs.writeFileSync(server, `throw new Error('broken on purpose');\n${original}`);
    const failed = await waitForState(lab.url, (state) => state.lastError !== null);
    expect(failed.lastError).toMatch(/broken on purpose/);
    expect((await new Visitor(lab.url).visit()).status).toBe(200);
    fs.writeFileSync(server, original);
    await waitForState(lab.url, (state) => state.lastError === null && settled(state));
  });
});

describe('an app that does not start at all', () => {
  it('the lab still comes up, says why, and serves as soon as the file is mended', async () => {
    const appDir = copyApp();
    const server = path.join(appDir, 'server.js');
    const original = fs.readFileSync(server, 'utf8');
    fs.writeFileSync(server, `${original}\n}}}`);
    const lab = await startLabProcess({ LAB_APP_DIR: appDir, INSTANCES: '2' });
    try {
      expect(lab.output()).toMatch(/Lab ready at .*0 of 2 instances.*did not start/);
      const state = await labState(lab.url);
      expect(state.instances).toEqual([]);
      expect(state.lastError).toMatch(/SyntaxError/);
      const refused = await new Visitor(lab.url).visit();
      expect(refused.status).toBe(503);
      expect(refused.body['error']).toMatch(/No instance is running/);
      fs.writeFileSync(server, original);
      const mended = await waitForState(
        lab.url,
        (s) => settled(s) && s.instances.length === 2 && s.lastError === null,
      );
      expect(mended.instances).toHaveLength(2);
      expect((await new Visitor(lab.url).visit()).status).toBe(200);
    } finally {
      await lab.stop();
      fs.rmSync(appDir, { recursive: true, force: true });
    }
  });
});

describe('lab configuration errors', () => {
  it('refuses a bad INSTANCES with a clear message', async () => {
    await expect(startLabProcess({ INSTANCES: '9' })).rejects.toThrow(
      /INSTANCES must be a whole number from 1 to 8, not "9"/,
    );
  });
  it('refuses a bad SESSION_STORE with a clear message', async () => {
    await expect(startLabProcess({ SESSION_STORE: 'disk' })).rejects.toThrow(
      /SESSION_STORE must be "memory" or "redis"/,
    );
  });
  it('refuses a REDIS_URL that is not one', async () => {
    await expect(startLabProcess({ REDIS_URL: 'http://example.invalid' })).rejects.toThrow(
      /REDIS_URL must start with redis:\/\//,
    );
  });
  it('starts with the Redis session store from SESSION_STORE', async () => {
    const lab = await startLabProcess({ SESSION_STORE: 'redis', INSTANCES: '2' });
    try {
      const state = await labState(lab.url);
      expect(state).toMatchObject({ sessionStore: 'redis', desired: 2 });
      expect((await new Visitor(lab.url).visit()).body).toMatchObject({
        store: 'redis',
        visits: 1,
      });
    } finally {
      await lab.stop();
    }
  });
});
