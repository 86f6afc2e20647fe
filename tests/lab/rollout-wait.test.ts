// The shared rollout waiter against a small HTTP server that plays the platform's `GET lab/state`
// on a timeline: when `rollout` appears, how long it lasts, and how it ends.
import http from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForRollout } from '../../sandboxes/platform/rollout-wait.ts';
import { freePort } from './harness.ts';

interface Phase {
  /** From this many milliseconds after the server started. */
  from: number;
  /** Left out, as an older platform does. */
  rollout?: { reason: string; startedAt: number } | null;
  lastError: string | null;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

// A platform whose state follows `phases`; counts the requests it answered.
async function fakePlatform(phases: Phase[]): Promise<{ url: string; requests: () => number }> {
  const started = Date.now();
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests += 1;
    if (request.url !== '/lab/state') {
      response.writeHead(404).end();
      return;
    }
    const elapsed = Date.now() - started;
    const phase = phases.filter((entry) => entry.from <= elapsed).at(-1) ?? phases[0];
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        instances: [],
        desired: 3,
        rollout: phase?.rollout,
        lastError: phase?.lastError,
      }),
    );
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    requests: () => requests,
  };
}

const due = { reason: 'app files changed', startedAt: 1 };

describe('waitForRollout', () => {
  it('waits for a rollout that the watcher sees late, until it is over', async () => {
    const lab = await fakePlatform([
      { from: 0, rollout: null, lastError: null },
      { from: 400, rollout: due, lastError: null },
      { from: 1200, rollout: null, lastError: null },
    ]);
    const started = Date.now();
    expect(await waitForRollout(lab.url, { intervalMs: 20 })).toEqual({ ok: true, error: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('returns after settleMs when no rollout comes', async () => {
    const lab = await fakePlatform([{ from: 0, rollout: null, lastError: null }]);
    const started = Date.now();
    expect(await waitForRollout(lab.url, { settleMs: 300, intervalMs: 20 })).toEqual({
      ok: true,
      error: null,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(lab.requests()).toBeGreaterThan(2);
  });

  it('does not stop at settleMs while a rollout is under way', async () => {
    const lab = await fakePlatform([
      { from: 0, rollout: due, lastError: null },
      { from: 900, rollout: null, lastError: null },
    ]);
    const started = Date.now();
    const outcome = await waitForRollout(lab.url, { settleMs: 100, intervalMs: 20 });
    expect(outcome).toEqual({ ok: true, error: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
  });

  it('reports a rollout that failed with the platform’s reason', async () => {
    const reason =
      'web-4 did not start: it exited with code 1.\nSyntaxError: Unexpected identifier';
    const lab = await fakePlatform([
      { from: 0, rollout: due, lastError: null },
      { from: 300, rollout: null, lastError: reason },
    ]);
    expect(await waitForRollout(lab.url, { intervalMs: 20 })).toEqual({ ok: false, error: reason });
  });

  it('gives up after timeoutMs, saying the rollout is still under way', async () => {
    const lab = await fakePlatform([{ from: 0, rollout: due, lastError: null }]);
    const started = Date.now();
    const outcome = await waitForRollout(lab.url, { timeoutMs: 500, intervalMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/still under way after 1 s/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('resolves, never rejects, when nothing answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    const outcome = await waitForRollout(url, { intervalMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain(`The lab at ${url} stopped answering /lab/state`);
  });

  it('takes an older platform without `rollout` for one with nothing due', async () => {
    const lab = await fakePlatform([{ from: 0, lastError: null }]);
    expect(await waitForRollout(lab.url, { settleMs: 0 })).toEqual({ ok: true, error: null });
  });
});
