// WebContainer's conditions, as the lab meets them (DESIGN.md, "WebContainer's conditions" and the
// second version of the contract): the rollout in the state, no orphan when the lab is killed,
// SIGKILL after a grace, watchers that do without a recursive fs.watch, framed mode's cookie and
// controls, the session's second way to travel, heartbeats and the self-test. Real labs, real
// processes; nothing is simulated.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSelfTestLine } from '../../sandboxes/platform/lines.ts';
import type { LabEvent, LabState } from '../../sandboxes/platform/types.ts';
import { editLikeALearner } from './app-edits.ts';
import {
  ancestors,
  childPids,
  collectEvents,
  control,
  copyApp,
  descendants,
  isRunning,
  labState,
  listenersOn,
  settled,
  startLabProcess,
  tinyApp,
  tinyServer,
  unpackLab,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';

/** Sends one request with exactly these headers (no cookie jar). */
async function send(
  base: string,
  method: string,
  pathname: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(new URL(pathname, base), init);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Reads `GET /lab/state` as fast as it can until `until` settles; `states` holds every state seen. */
async function watchStates(
  base: string,
  until: Promise<unknown>,
): Promise<{ states: LabState[]; done: Promise<void> }> {
  const states: LabState[] = [];
  let finished = false;
  const finish = (): void => {
    finished = true;
  };
  until.then(finish, finish);
  const done = (async () => {
    while (!finished) {
      states.push(await labState(base));
      await sleep(10);
    }
    states.push(await labState(base));
  })();
  return { states, done };
}

/** The instance-stopped events of a stream, once `count` have arrived (the stream lags its cause). */
async function stoppedEvents(
  events: LabEvent[],
  count: number,
): Promise<Extract<LabEvent, { type: 'instance-stopped' }>[]> {
  const stopped = (): Extract<LabEvent, { type: 'instance-stopped' }>[] =>
    events.filter(
      (event): event is Extract<LabEvent, { type: 'instance-stopped' }> =>
        event.type === 'instance-stopped',
    );
  const deadline = Date.now() + 3000;
  while (stopped().length < count && Date.now() < deadline) await sleep(20);
  return stopped();
}

function ids(state: LabState): string[] {
  return state.instances.map((instance) => instance.id);
}

describe('GET /lab/state → rollout, and the v2 fields', () => {
  let lab: LabProcess;
  let appDir: string;

  beforeAll(async () => {
    appDir = copyApp();
    lab = await startLabProcess({ LAB_APP_DIR: appDir, INSTANCES: '2' });
  });
  afterAll(async () => {
    await lab?.stop();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('shows the defaults: not framed, per-file watching, a 10 s grace, no self-test', async () => {
    const state = await labState(lab.url);
    expect(state).toMatchObject({
      rollout: null,
      framed: false,
      watcher: { mode: 'per-file', error: null },
      stopGraceMs: 10_000,
      selfTest: null,
    });
    expect(lab.output()).toContain(
      "lab: watching the app's files: one fs.watch per file and folder",
    );
  });

  it('a replace: set from the request until the rollout is over', async () => {
    const before = await waitForState(lab.url, settled);
    const replacing = control(lab.url, 'POST', 'lab/replace');
    const seen = await watchStates(lab.url, replacing);
    const answer = await replacing;
    await seen.done;
    expect(answer.status).toBe(200);
    expect(answer.body['rollout']).toBeNull();
    const during = seen.states.filter((state) => state.rollout !== null);
    expect(during.length).toBeGreaterThan(0);
    expect(during[0]!.rollout).toEqual({
      reason: 'replace requested',
      startedAt: expect.any(Number),
    });
    const after = seen.states.at(-1)!;
    expect(after.rollout).toBeNull();
    expect(settled(after)).toBe(true);
    expect(ids(after).some((id) => ids(before).includes(id))).toBe(false);
  });

  it('an edit: set as soon as the watcher sees it, before the debounce, until the new instances serve', async () => {
    const before = await waitForState(lab.url, settled);
    const server = path.join(appDir, 'server.js');
    const written = Date.now();
    fs.appendFileSync(server, '\n// edited by the test\n');
    const due = await waitForState(lab.url, (state) => state.rollout !== null, 5000);
    // The watcher waits 300 ms for the edits to settle; the rollout is due before that.
    expect(Date.now() - written).toBeLessThan(1000);
    expect(due.rollout).toEqual({ reason: 'the app files changed', startedAt: expect.any(Number) });
    expect(due.rollout!.startedAt).toBeGreaterThanOrEqual(written - 5);
    const after = await waitForState(lab.url, (state) => state.rollout === null, 30_000);
    expect(settled(after)).toBe(true);
    expect(ids(after).some((id) => ids(before).includes(id))).toBe(false);
  });

  it('a config change: set from the request, named after the change, until it is over', async () => {
    const changing = control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis' });
    const seen = await watchStates(lab.url, changing);
    expect((await changing).status).toBe(200);
    await seen.done;
    const during = seen.states.find((state) => state.rollout !== null);
    expect(during?.rollout?.reason).toBe('session store: memory → redis');
    expect(seen.states.at(-1)!.rollout).toBeNull();
    // Stickiness is the balancer's alone: nothing to roll out, nothing due.
    const sticky = control(lab.url, 'PUT', 'lab/config', { sticky: true });
    const stickySeen = await watchStates(lab.url, sticky);
    await sticky;
    await stickySeen.done;
    expect(stickySeen.states.every((state) => state.rollout === null)).toBe(true);
    await control(lab.url, 'PUT', 'lab/config', { sticky: false, sessionStore: 'memory' });
  });

  it('a failed rollout clears it too, and leaves the error in lastError', async () => {
    await waitForState(lab.url, settled);
    const server = path.join(appDir, 'server.js');
    const original = fs.readFileSync(server, 'utf8');
    fs.writeFileSync(server, `throw new Error('broken by the rollout test');\n${original}`);
    try {
      await waitForState(lab.url, (state) => state.rollout !== null, 5000);
      const failed = await waitForState(
        lab.url,
        (state) => state.rollout === null && state.lastError !== null,
        30_000,
      );
      expect(failed.lastError).toMatch(/broken by the rollout test/);
    } finally {
      fs.writeFileSync(server, original);
    }
    await waitForState(
      lab.url,
      (state) => state.lastError === null && state.rollout === null && settled(state),
      30_000,
    );
  });

  it('without framed mode, a control whose Origin is not the Host is refused even if same-origin', async () => {
    const refused = await send(lab.url, 'POST', 'lab/replace', {
      origin: 'https://preview.example',
      'sec-fetch-site': 'same-origin',
    });
    expect(refused.status).toBe(403);
    expect(refused.body['error']).toMatch(/origin "https:\/\/preview.example"/);
  });
});

describe('no orphans: the children go when the lab is killed', () => {
  it('SIGKILL the lab: the store and every instance are gone within 2 s, and their ports are free', async () => {
    const lab = await startLabProcess({ INSTANCES: '3' });
    try {
      const state = await waitForState(lab.url, settled);
      const labPid = lab.child.pid!;
      const instances = state.instances.map((instance) => instance.pid);
      const children = childPids(labPid);
      // The store is the lab's child that is not an instance.
      const store = children.filter((pid) => !instances.includes(pid));
      expect(store).toHaveLength(1);
      expect(children.sort()).toEqual([...instances, ...store].sort());
      const ports = [...state.instances.map((instance) => instance.port), state.store.port!];
      // Everything below the lab, grandchildren too (a store or an app that starts its own).
      const below = descendants(labPid);
      expect(below).toEqual(expect.arrayContaining([...instances, ...store]));
      lab.child.kill('SIGKILL');
      await new Promise((resolve) => lab.child.once('exit', resolve));
      const killedAt = Date.now();
      while (below.some(isRunning) && Date.now() - killedAt < 2000) await sleep(50);
      expect(below.filter(isRunning)).toEqual([]);
      for (const port of ports) {
        const answers = await new Promise<boolean>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
        if (!answers) continue;
        // Other test files run labs at the same time, on ports the system hands out: one of them
        // may have just been given this port. That is no leak. The lab's own processes would be
        // orphans now (those still running failed the check above), adopted by the first process or a
        // subreaper, no longer below Vitest's runner.
        const runner = process.ppid;
        for (const owner of listenersOn(port)) {
          expect(
            ancestors(owner),
            `port ${port} is held by process ${owner}, which no running test started`,
          ).toContain(runner);
        }
      }
    } finally {
      await lab.stop();
    }
  });
});

describe('stopping apps that do not stop: SIGKILL after the grace', () => {
  let lab: LabProcess;
  let appDir: string;
  const GRACE_MS = 1500;

  beforeAll(async () => {
    appDir = tinyApp({ onSigterm: 'none' });
    lab = await startLabProcess({
      LAB_APP_DIR: appDir,
      INSTANCES: '2',
      LAB_WATCH: '0',
      LAB_STOP_GRACE_MS: String(GRACE_MS),
    });
  });
  afterAll(async () => {
    await lab?.stop();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('reports the grace from LAB_STOP_GRACE_MS', async () => {
    expect((await labState(lab.url)).stopGraceMs).toBe(GRACE_MS);
  });

  it('an app with no SIGTERM handler (a plain http server) is stopped by SIGTERM, not forced', async () => {
    await waitForState(lab.url, settled);
    const stream = collectEvents(lab.url);
    await stream.opened;
    // The next instances will ignore SIGTERM; the ones that stop now have no handler at all.
    fs.writeFileSync(path.join(appDir, 'server.js'), tinyServer('hang'));
    const answer = await control(lab.url, 'POST', 'lab/replace');
    expect(answer.status).toBe(200);
    const stopped = await stoppedEvents(stream.events, 2);
    stream.close();
    expect(stopped).toHaveLength(2);
    for (const event of stopped) {
      expect(event).toMatchObject({ reason: 'replaced', signal: 'SIGTERM', forced: false });
    }
  });

  it('an app whose SIGTERM handler hangs: the rollout still finishes, forced, within grace and a little', async () => {
    const before = await waitForState(lab.url, settled);
    const stream = collectEvents(lab.url);
    await stream.opened;
    fs.writeFileSync(path.join(appDir, 'server.js'), tinyServer('none'));
    const started = Date.now();
    const answer = await control(lab.url, 'POST', 'lab/replace');
    const took = Date.now() - started;
    expect(answer.status).toBe(200);
    // Two instances, one after the other: each waits its grace, plus the start of its successor.
    expect(took).toBeGreaterThanOrEqual(2 * GRACE_MS);
    expect(took).toBeLessThan(2 * GRACE_MS + 8000);
    const stopped = await stoppedEvents(stream.events, 2);
    stream.close();
    expect(stopped.map((event) => event.id).sort()).toEqual(ids(before).sort());
    for (const event of stopped) {
      expect(event).toMatchObject({ reason: 'replaced', signal: 'SIGKILL', forced: true });
    }
    const state = await labState(lab.url);
    expect(settled(state)).toBe(true);
    expect(state.rollout).toBeNull();
    // The lab's own output says the stop was forced, and the app's SIGTERM line came through.
    for (const id of ids(before)) {
      expect(lab.output()).toMatch(
        new RegExp(
          `platform: ${id} stopped \\(replaced, SIGKILL; forced: it did not exit within its grace after SIGTERM\\)`,
        ),
      );
      expect(lab.output()).toContain(`[${id}] SIGTERM: ignored on purpose`);
    }
  });
});

describe('instances on port 0', () => {
  it('each instance reports the port it got, and the listening line stays out of the log', async () => {
    const appDir = tinyApp();
    const lab = await startLabProcess({ LAB_APP_DIR: appDir, INSTANCES: '3', LAB_WATCH: '0' });
    try {
      const state = await waitForState(lab.url, settled);
      const ports = state.instances.map((instance) => instance.port);
      expect(new Set(ports).size).toBe(3);
      for (const instance of state.instances) {
        const answer = await fetch(`http://127.0.0.1:${instance.port}/healthz`);
        expect(await answer.json()).toMatchObject({ instance: instance.id });
        expect(lab.output()).toContain(
          `platform: ${instance.id} started (pid ${instance.pid}, port ${instance.port})`,
        );
      }
      expect(lab.output()).not.toContain('@@lab-listening');
    } finally {
      await lab.stop();
      fs.rmSync(appDir, { recursive: true, force: true });
    }
  });
});

describe('watching the app files without a recursive fs.watch', () => {
  for (const mode of ['per-file', 'polling', 'recursive'] as const) {
    it(`LAB_WATCH_MODE=${mode}: an edit and a new file each roll out, and the mode shows`, async () => {
      const appDir = tinyApp();
      const lab = await startLabProcess({
        LAB_APP_DIR: appDir,
        INSTANCES: '1',
        LAB_WATCH_MODE: mode,
      });
      try {
        const state = await waitForState(lab.url, settled);
        expect(state.watcher).toEqual({ mode, error: null });
        expect(lab.output()).toMatch(/lab: watching the app's files: /);
        let previous = ids(state);
        const rolledOut = async (): Promise<void> => {
          await waitForState(lab.url, (s) => s.rollout !== null, 5000);
          const after = await waitForState(
            lab.url,
            (s) => s.rollout === null && settled(s) && !ids(s).some((id) => previous.includes(id)),
            30_000,
          );
          previous = ids(after);
        };
        // A new file is watched too: editing it rolls out again.
        await editLikeALearner(appDir, rolledOut, 200);
      } finally {
        await lab.stop();
        fs.rmSync(appDir, { recursive: true, force: true });
      }
    });
  }

  it('refuses an unknown LAB_WATCH_MODE with a clear message', async () => {
    await expect(startLabProcess({ LAB_WATCH_MODE: 'inotify' })).rejects.toThrow(
      /LAB_WATCH_MODE must be "per-file", "recursive", "polling", not "inotify"/,
    );
  });
});

describe('framed mode, the session headers, heartbeats and the self-test (LAB_FRAMED=1, LAB_SELF_TEST=1)', () => {
  let lab: LabProcess;

  beforeAll(async () => {
    lab = await startLabProcess({
      LAB_FRAMED: '1',
      LAB_SELF_TEST: '1',
      SESSION_STORE: 'redis',
      INSTANCES: '3',
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('says so in the state', async () => {
    expect((await labState(lab.url)).framed).toBe(true);
  });

  it('the session cookie is SameSite=None; Secure; Partitioned, and comes back', async () => {
    const visitor = new Visitor(lab.url);
    const first = await visitor.visit();
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^lab\.sid=/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=None/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Partitioned/);
    expect(first.headers.get('x-lab-cookie')).toBe('new');
    const second = await visitor.visit();
    expect(second.body['visits']).toBe(2);
    expect(second.headers.get('x-lab-cookie')).toBe('sent');
  });

  it('controls from the dashboard page work whatever the Host; cross-site and same-site are refused', async () => {
    const page = { origin: 'https://preview.example' };
    const ok = await send(
      lab.url,
      'POST',
      'lab/scale',
      { ...page, 'sec-fetch-site': 'same-origin' },
      { count: 3 },
    );
    expect(ok.status).toBe(200);
    for (const site of ['cross-site', 'same-site']) {
      const refused = await send(lab.url, 'POST', 'lab/replace', {
        ...page,
        'sec-fetch-site': site,
      });
      expect(refused.status).toBe(403);
      expect(refused.body['error']).toContain(`Sec-Fetch-Site: ${site}`);
    }
    // Without the browser's own word, an Origin that is not the Host is still refused.
    const unsigned = await send(lab.url, 'POST', 'lab/replace', page);
    expect(unsigned.status).toBe(403);
  });

  it('X-Lab-Session carries the session without a cookie jar: 1, 2, 3 across instances', async () => {
    const first = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': '' });
    expect(first.status).toBe(200);
    expect(first.body['visits']).toBe(1);
    expect(first.headers.get('x-lab-cookie')).toBe('new');
    const carried = first.headers.get('x-lab-session');
    expect(carried).toMatch(/^s%3A/);
    const served = new Set([String(first.body['instance'])]);
    for (const expected of [2, 3, 4]) {
      const next = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': carried! });
      expect(next.body['visits']).toBe(expected);
      // No cookie came with the request: the header says so, for the dashboard to see.
      expect(next.headers.get('x-lab-cookie')).not.toBe('sent');
      served.add(String(next.body['instance']));
    }
    expect(served.size).toBeGreaterThan(1);
    const seen = await send(lab.url, 'GET', 'api/session', { 'x-lab-session': carried! });
    expect(seen.body['visits']).toBe(4);
  });

  it('X-Lab-Cookie is none for a request without a session, and the headers leave curl users alone', async () => {
    const plain = await send(lab.url, 'GET', 'api/session');
    expect(plain.headers.get('x-lab-cookie')).toBe('none');
    expect(plain.headers.get('x-lab-session')).toBeNull();
    // A visit without X-Lab-Session gets its cookie, and no X-Lab-Session back.
    const visit = await send(lab.url, 'POST', 'api/visit');
    expect(visit.headers.get('set-cookie')).toMatch(/^lab\.sid=/);
    expect(visit.headers.get('x-lab-session')).toBeNull();
  });

  it('a cookie sent with the request wins over X-Lab-Session', async () => {
    const visitor = new Visitor(lab.url);
    await visitor.visit();
    const other = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': '' });
    const answer = await send(lab.url, 'POST', 'api/visit', {
      cookie: visitor.cookie!,
      'x-lab-session': other.headers.get('x-lab-session')!,
    });
    expect(answer.body['visits']).toBe(2);
    expect(answer.headers.get('x-lab-cookie')).toBe('sent');
  });

  it('refuses an X-Lab-Session that is not a cookie value', async () => {
    const refused = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': 'abc; lab.sid=x' });
    expect(refused.status).toBe(400);
    expect(refused.body['error']).toMatch(/x-lab-session/);
  });

  it('sticky mode keys on the carried session', async () => {
    await control(lab.url, 'PUT', 'lab/config', { sticky: true });
    try {
      const first = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': '' });
      const carried = first.headers.get('x-lab-session')!;
      const instances = new Set<string>([String(first.body['instance'])]);
      for (let i = 0; i < 5; i++) {
        const next = await send(lab.url, 'POST', 'api/visit', { 'x-lab-session': carried });
        instances.add(String(next.body['instance']));
        expect(next.headers.get('x-lab-instance')).toBe(first.headers.get('x-lab-instance'));
      }
      expect(instances.size).toBe(1);
    } finally {
      await control(lab.url, 'PUT', 'lab/config', { sticky: false });
    }
  });

  it('the event stream sends a heartbeat every 5 s', async () => {
    const stream = collectEvents(lab.url);
    await stream.opened;
    const deadline = Date.now() + 7000;
    while (!stream.events.some((event) => event.type === 'heartbeat') && Date.now() < deadline) {
      await sleep(100);
    }
    stream.close();
    const heartbeat = stream.events.find((event) => event.type === 'heartbeat');
    expect(heartbeat).toEqual({ type: 'heartbeat', at: expect.any(Number) });
  });

  it('the self-test reports the store link, SIGTERM and the watcher in the state and the output, once each', async () => {
    const state = await waitForState(
      lab.url,
      (s) =>
        s.selfTest !== null &&
        s.selfTest.storeLink.status !== 'pending' &&
        s.selfTest.sigterm.status !== 'pending' &&
        s.selfTest.watcher.status !== 'pending',
    );
    expect(state.selfTest).toMatchObject({
      storeLink: { status: 'ok', detail: expect.stringMatching(/PONG/) },
      sigterm: { status: 'ok' },
      watcher: { status: 'ok', detail: expect.stringMatching(/per-file/) },
      cookie: { status: 'pending' },
    });
    // Nothing fell back here, so the grace and the watcher are the usual ones.
    expect(state.stopGraceMs).toBe(10_000);
    expect(state.watcher.mode).toBe('per-file');
    const findings = lab
      .output()
      .split('\n')
      .map((line) => parseSelfTestLine(line))
      .filter((finding) => finding !== null);
    for (const name of ['storeLink', 'sigterm', 'watcher'] as const) {
      const lines = findings.filter((finding) => finding.name === name);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toEqual({ name, status: 'ok', detail: state.selfTest![name].detail });
    }
  });

  it('the cookie round trip: set with the session cookie attributes, recorded when it comes back', async () => {
    const stream = collectEvents(lab.url);
    await stream.opened;
    const first = await fetch(new URL('lab/cookie-test?round=1', lab.url));
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^lab\.cookie-test=[\w-]+; /);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=None', 'Partitioned']) {
      expect(setCookie).toContain(attribute);
    }
    const without = await send(lab.url, 'GET', 'lab/cookie-test?round=2');
    expect(without.body).toEqual({ returned: false });
    expect((await labState(lab.url)).selfTest?.cookie.status).toBe('fallback');
    const back = await send(lab.url, 'GET', 'lab/cookie-test?round=2', {
      cookie: setCookie.split(';')[0]!,
    });
    expect(back.body).toEqual({ returned: true });
    expect(back.headers.get('set-cookie')).toMatch(/^lab\.cookie-test=; Max-Age=0/);
    const state = await labState(lab.url);
    expect(state.selfTest?.cookie).toEqual({
      status: 'ok',
      detail: expect.stringMatching(/came back/),
      // The same finding in both languages, for a dashboard in either.
      details: {
        fr: expect.stringMatching(/le cookie de test est revenu/),
        en: expect.stringMatching(/came back/),
      },
    });
    await sleep(100);
    stream.close();
    const reports = stream.events.filter((event) => event.type === 'self-test');
    expect(reports.at(-1)).toMatchObject({ report: { cookie: { status: 'ok' } } });
    const cookieLines = lab
      .output()
      .split('\n')
      .map((line) => parseSelfTestLine(line))
      .filter((finding) => finding?.name === 'cookie');
    expect(cookieLines.map((finding) => finding!.status)).toEqual(['fallback', 'ok']);
    const bad = await send(lab.url, 'GET', 'lab/cookie-test?round=3');
    expect(bad.status).toBe(400);
  });
});

describe('a packaged lab, as WebContainer runs it (LAB_FRAMED=1, LAB_SELF_TEST=1)', () => {
  it('bundles the preload, passes its self-test, frames its cookie and leaves no orphan when killed', async () => {
    const entry = await unpackLab('sessions');
    const folder = path.dirname(entry);
    expect(fs.existsSync(path.join(folder, 'instance-preload.js'))).toBe(true);
    const lab = await startLabProcess({ LAB_FRAMED: '1', LAB_SELF_TEST: '1' }, entry);
    try {
      const state = await waitForState(
        lab.url,
        (s) =>
          settled(s) &&
          s.selfTest !== null &&
          (['storeLink', 'sigterm', 'watcher'] as const).every(
            (name) => s.selfTest![name].status !== 'pending',
          ),
      );
      expect(state.selfTest).toMatchObject({
        storeLink: { status: 'ok' },
        sigterm: { status: 'ok' },
        watcher: { status: 'ok' },
      });
      const visit = await new Visitor(lab.url).visit();
      expect(visit.headers.get('set-cookie')).toMatch(
        /SameSite=None.*Partitioned|Partitioned.*SameSite=None/,
      );
      const children = childPids(lab.child.pid!);
      expect(children.length).toBeGreaterThanOrEqual(4);
      lab.child.kill('SIGKILL');
      await new Promise((resolve) => lab.child.once('exit', resolve));
      const killedAt = Date.now();
      while (children.some(isRunning) && Date.now() - killedAt < 2000) await sleep(50);
      expect(children.filter(isRunning)).toEqual([]);
    } finally {
      await lab.stop();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
