// The lab contract (ARCHITECTURE.md and the lab reference pages), row by row, against a lab run as real processes: with the
// embedded store, with a real redis-server, and packaged as WebContainer mounts it (bundles run
// by plain Node from a folder outside the project's sources).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabState } from '../../sandboxes/platform/types.ts';
import {
  control,
  labState,
  settled,
  startLabWith,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';

// Everything in the state that a refused request must leave alone.
function essentials(state: LabState): unknown {
  return {
    ids: state.instances.map((instance) => instance.id),
    pids: state.instances.map((instance) => instance.pid),
    sessionStore: state.sessionStore,
    sticky: state.sticky,
    store: state.store,
    desired: state.desired,
  };
}

for (const storeKind of ['embedded', 'redis-server', 'packaged'] as const) {
  describe(`lab contract (${storeKind} store)`, () => {
    let lab: LabProcess;

    beforeAll(async () => {
      lab = await startLabWith(storeKind);
    });
    afterAll(async () => {
      await lab?.stop();
    });

    it('listens on 127.0.0.1 by default', () => {
      expect(new URL(lab.url).hostname).toBe('127.0.0.1');
    });

    it('GET /lab/state describes the instances, the session store, stickiness and the store', async () => {
      const state = await labState(lab.url);
      expect(state.instances).toHaveLength(3);
      for (const instance of state.instances) {
        expect(instance).toMatchObject({ status: 'ready' });
        expect(instance.id).toMatch(/^web-\d+$/);
        expect(instance.port).toBeGreaterThan(0);
        expect(instance.pid).toBeGreaterThan(0);
      }
      expect(state.sessionStore).toBe('memory');
      expect(state.sticky).toBe(false);
      if (storeKind !== 'redis-server') {
        expect(state.store).toEqual({ kind: 'embedded', up: true, port: expect.any(Number) });
      } else {
        expect(state.store).toEqual({ kind: 'external', up: true, port: null });
      }
    });

    it('POST /api/visit counts a visit and GET /api/session counts nothing', async () => {
      const visitor = new Visitor(lab.url);
      const first = await visitor.visit();
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        instance: expect.stringMatching(/^web-\d+$/),
        visits: 1,
        store: 'memory',
      });
      const seen = await visitor.request('GET', 'api/session');
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ store: 'memory' });
      expect(typeof seen.body['visits']).toBe('number');
      const stranger = await new Visitor(lab.url).request('GET', 'api/session');
      expect(stranger.body).toMatchObject({ visits: 0 });
      // Asking starts no session for a stranger.
      expect(stranger.headers.get('set-cookie')).toBeNull();
    });

    it('sets a signed, HttpOnly, SameSite=Lax session cookie', async () => {
      const response = await fetch(new URL('api/visit', lab.url), { method: 'POST' });
      const cookie = response.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^lab\.sid=s%3A[^.]+\.[^;]+;/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
    });

    it('a tampered cookie starts a new session, never a 500', async () => {
      const visitor = new Visitor(lab.url);
      await visitor.visit();
      visitor.cookie = `${visitor.cookie}x`;
      const answer = await visitor.visit();
      expect(answer.status).toBe(200);
      expect(answer.body['visits']).toBe(1);
      visitor.cookie = 'lab.sid=%%%not-even-encoded';
      expect((await visitor.visit()).status).toBe(200);
    });

    it('GET /healthz and GET /readyz answer on every instance', async () => {
      const health = await fetch(new URL('healthz', lab.url));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        status: 'ok',
        instance: expect.stringMatching(/^web-/),
      });
      expect((await fetch(new URL('readyz', lab.url))).status).toBe(200);
    });

    it('an unknown /api route is a 404 with a JSON error', async () => {
      const answer = await control(lab.url, 'GET', 'api/nothing-here');
      expect(answer.status).toBe(404);
      expect(answer.body['error']).toEqual(expect.any(String));
    });

    it('GET / serves the dashboard in French by default and in English on request', async () => {
      const french = await fetch(new URL('/', lab.url));
      expect(french.status).toBe(200);
      expect(french.headers.get('content-type')).toMatch(/text\/html/);
      expect(await french.text()).toMatch(/<html[^>]+lang="fr"/);
      const english = await fetch(new URL('/?lang=en', lab.url));
      expect(await english.text()).toMatch(/<html[^>]+lang="en"/);
    });

    describe('bad input gets a 4xx JSON error and changes nothing', () => {
      const cases: [string, string, string, unknown, Record<string, string>, number][] = [
        ['scale to 0', 'POST', 'lab/scale', { count: 0 }, {}, 400],
        ['scale to 9', 'POST', 'lab/scale', { count: 9 }, {}, 400],
        ['scale with a string', 'POST', 'lab/scale', { count: '3' }, {}, 400],
        ['scale with a fraction', 'POST', 'lab/scale', { count: 2.5 }, {}, 400],
        ['scale without a count', 'POST', 'lab/scale', {}, {}, 400],
        ['scale with an extra field', 'POST', 'lab/scale', { count: 2, force: true }, {}, 400],
        ['scale with broken JSON', 'POST', 'lab/scale', '{"count": 2', {}, 400],
        ['scale with an array', 'POST', 'lab/scale', '[2]', {}, 400],
        [
          'scale with a form body',
          'POST',
          'lab/scale',
          'count=2',
          { 'content-type': 'application/x-www-form-urlencoded' },
          415,
        ],
        ['config with an unknown store', 'PUT', 'lab/config', { sessionStore: 'disk' }, {}, 400],
        ['config with sticky as text', 'PUT', 'lab/config', { sticky: 'yes' }, {}, 400],
        [
          'config with an unknown field',
          'PUT',
          'lab/config',
          { sessionStore: 'redis', replicas: 2 },
          {},
          400,
        ],
        ['config with nothing to change', 'PUT', 'lab/config', {}, {}, 400],
        ['config with the wrong method', 'POST', 'lab/config', { sticky: true }, {}, 405],
        ['replace with a parameter', 'POST', 'lab/replace', { all: true }, {}, 400],
        ['replace with GET', 'GET', 'lab/replace', undefined, {}, 405],
        ['kill an unknown instance', 'POST', 'lab/instances/web-999/kill', undefined, {}, 404],
        ['an unknown platform route', 'POST', 'lab/reboot', undefined, {}, 404],
        [
          'a cross-site request',
          'POST',
          'lab/scale',
          { count: 2 },
          { 'sec-fetch-site': 'cross-site' },
          403,
        ],
        [
          'a same-site request from another port',
          'POST',
          'lab/scale',
          { count: 2 },
          { 'sec-fetch-site': 'same-site' },
          403,
        ],
        [
          'a request from another origin',
          'PUT',
          'lab/config',
          { sticky: true },
          { origin: 'http://attacker.example' },
          403,
        ],
        [
          'a request from an opaque origin',
          'POST',
          'lab/store/stop',
          undefined,
          { origin: 'null' },
          403,
        ],
        [
          'a body over 16 KB',
          'PUT',
          'lab/config',
          { sticky: true, padding: 'x'.repeat(20_000) },
          {},
          413,
        ],
        ['store stop with a parameter', 'POST', 'lab/store/stop', { now: true }, {}, 400],
      ];
      for (const [name, method, pathname, body, headers, status] of cases) {
        it(name, async () => {
          const before = await waitForState(lab.url, settled);
          const answer = await control(lab.url, method, pathname, body, headers);
          expect(answer.status).toBe(status);
          expect(answer.body['error']).toEqual(expect.any(String));
          expect(essentials(await labState(lab.url))).toEqual(essentials(before));
        });
      }
    });

    it('POST /lab/instances/{id}/kill kills the process and the platform replaces it with a new id', async () => {
      const before = await waitForState(lab.url, settled);
      const victim = before.instances[1]!;
      const answer = await control(lab.url, 'POST', `lab/instances/${victim.id}/kill`);
      expect(answer.status).toBe(200);
      const after = await waitForState(
        lab.url,
        (state) => settled(state) && !state.instances.some((instance) => instance.id === victim.id),
      );
      expect(after.instances).toHaveLength(3);
      const fresh = after.instances.filter(
        (instance) => !before.instances.some((old) => old.id === instance.id),
      );
      expect(fresh).toHaveLength(1);
      expect(fresh[0]!.pid).not.toBe(victim.pid);
      expect(() => process.kill(victim.pid, 0)).toThrow();
    });

    it('POST /lab/replace replaces every instance and answers once they are ready', async () => {
      const before = await waitForState(lab.url, settled);
      const answer = await control(lab.url, 'POST', 'lab/replace', {});
      expect(answer.status).toBe(200);
      const after = answer.body as unknown as LabState;
      expect(after.instances).toHaveLength(3);
      for (const instance of after.instances) {
        expect(before.instances.map((old) => old.id)).not.toContain(instance.id);
        expect(instance.status).toBe('ready');
      }
    });

    it('POST /lab/scale goes from 1 to 8 instances and back', async () => {
      const down = await control(lab.url, 'POST', 'lab/scale', { count: 1 });
      expect(down.status).toBe(200);
      expect(
        (down.body as unknown as LabState).instances.filter((i) => i.status !== 'stopping'),
      ).toHaveLength(1);
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 1);
      const up = await control(lab.url, 'POST', 'lab/scale', { count: 8 });
      expect(up.status).toBe(200);
      const eight = await waitForState(
        lab.url,
        (state) => settled(state) && state.instances.length === 8,
      );
      expect(new Set(eight.instances.map((instance) => instance.port)).size).toBe(8);
      await control(lab.url, 'POST', 'lab/scale', { count: 3 });
      await waitForState(lab.url, (state) => settled(state) && state.instances.length === 3);
    });

    it('PUT /lab/config switches the session store by rolling replacement, and sticky on and off', async () => {
      const before = await waitForState(lab.url, settled);
      const answer = await control(lab.url, 'PUT', 'lab/config', {
        sessionStore: 'redis',
        sticky: true,
      });
      expect(answer.status).toBe(200);
      const after = answer.body as unknown as LabState;
      expect(after).toMatchObject({ sessionStore: 'redis', sticky: true });
      expect(after.instances.map((instance) => instance.id)).not.toContain(before.instances[0]!.id);
      expect((await new Visitor(lab.url).visit()).body).toMatchObject({
        store: 'redis',
        visits: 1,
      });
      const back = await control(lab.url, 'PUT', 'lab/config', {
        sessionStore: 'memory',
        sticky: false,
      });
      expect(back.body).toMatchObject({ sessionStore: 'memory', sticky: false });
    });

    it('POST /lab/store/stop and /lab/store/start take the store down and bring it back', async () => {
      const stopped = await control(lab.url, 'POST', 'lab/store/stop');
      expect(stopped.status).toBe(200);
      expect((stopped.body as unknown as LabState).store.up).toBe(false);
      const started = await control(lab.url, 'POST', 'lab/store/start', {});
      expect((started.body as unknown as LabState).store.up).toBe(true);
    });
  });
}
