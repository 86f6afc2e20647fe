import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labsDir,
  layOutLab,
  readManifest,
  sharedChecksClient,
  solutionFiles,
} from '../../sandboxes/labs/lab-model.ts';
import {
  loadCheck,
  makeWorkingCopy,
  readExercise,
  type CheckResult,
} from '../../sandboxes/labs/run-check.ts';
import {
  Visitor,
  freePort,
  labState,
  root,
  startLabProcess,
  startRedis,
  type LabProcess,
} from '../lab/harness.ts';

const runner = path.join(labsDir, 'run-check.ts');

/** What each exercise's check must report on the starting files: these ids fail, the rest pass. */
const exercises = [
  { lab: 'cart', failing: ['cart-shared', 'cart-survives-replacement'] },
  { lab: 'avatar', failing: ['avatar-shared', 'avatar-survives-replacement'] },
  { lab: 'health', failing: ['liveness-independent', 'readiness-checks-store'] },
  { lab: 'counter', failing: ['count-burst'] },
] as const;

// On a busy two-core machine the lab's own start can time out (the embedded store has 10 s, an
// instance 15 s). That is the machine, not the exercise: such a start is tried once more, as
// run-check.ts does, and nothing else is ever retried.
const SLOW_START = /did not start within|did not become ready within/;

/** Starts a lab process, trying once more if it timed out while starting. */
async function startLab(env: Record<string, string>): Promise<LabProcess> {
  try {
    return await startLabProcess(env);
  } catch (error) {
    if (!SLOW_START.test((error as Error).message)) throw error;
    return startLabProcess(env);
  }
}

/** Runs `node sandboxes/labs/run-check.ts <args> --json` as a learner would, and reads its results. */
async function runCheckCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; results: CheckResult[]; stderr: string }> {
  const run = await runCheckOnce(args, env);
  if (run.code === 2) throw new Error(`run-check could not run:\n${run.stderr}`);
  return run;
}

async function runCheckOnce(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; results: CheckResult[]; stderr: string }> {
  const child = spawn(process.execPath, [runner, ...args, '--json'], {
    cwd: root,
    env: { ...process.env, REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code === 2) return { code, results: [], stderr };
  let results: CheckResult[];
  try {
    results = JSON.parse(stdout) as CheckResult[];
  } catch {
    throw new Error(`run-check printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
  return { code, results, stderr };
}

/** Every result is complete and written in both languages; its id is one the check announces. */
async function expectWellFormed(lab: string, results: CheckResult[]): Promise<void> {
  const { checks } = await loadCheck(lab);
  expect(results.map((entry) => entry.id)).toEqual(checks.map((entry) => entry.id));
  for (const entry of results) {
    expect(typeof entry.ok).toBe('boolean');
    expect(entry.message.fr.length).toBeGreaterThan(20);
    expect(entry.message.en.length).toBeGreaterThan(20);
    expect(entry.message.fr).not.toBe(entry.message.en);
  }
}

function summary(results: CheckResult[]): Record<string, boolean> {
  return Object.fromEntries(results.map((entry) => [entry.id, entry.ok]));
}

describe('lab.json and layout of each exercise', () => {
  it.each(exercises)(
    '$lab: an exercise with sessions in Redis; its solution changes editable files only',
    ({ lab }) => {
      const manifest = readExercise(lab);
      expect(manifest.sessionStore).toBe('redis');
      expect(manifest.instances).toBe(3);
      const starting = layOutLab(lab);
      const solution = solutionFiles(lab);
      expect(solution.size).toBeGreaterThan(0);
      for (const [name, contents] of solution) {
        // Solve writes these over the starting files: each must be editable, laid out, and differ.
        expect(manifest.editable).toContain(name);
        expect(starting.get(`app/${name}`)).toBeDefined();
        expect(contents).not.toBe(starting.get(`app/${name}`));
      }
      // The solved lab has every file the starting lab has, and nothing else.
      expect([...layOutLab(lab, { solved: true }).keys()]).toEqual([...starting.keys()]);
    },
  );

  it.each(exercises)(
    '$lab: the copy run-check.ts lays out is complete, with the one shared checks client',
    ({ lab }) => {
      const copy = makeWorkingCopy(lab, false);
      try {
        // Every file of the base lab's app is there, whether the exercise changes it or not.
        for (const name of fs.readdirSync(path.join(labsDir, 'sessions/app'))) {
          expect(fs.existsSync(path.join(copy, 'app', name)), name).toBe(true);
        }
        expect(fs.readFileSync(path.join(copy, 'checks/lab-client.js'), 'utf8')).toBe(
          fs.readFileSync(sharedChecksClient, 'utf8'),
        );
        expect(JSON.parse(fs.readFileSync(path.join(copy, 'lab.json'), 'utf8'))).toEqual(
          readManifest(lab),
        );
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
  );
});

describe('a check against a lab it cannot check', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // A stand-in for the platform that only answers /lab/state, with sessions in memory.
    server = http.createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          instances: [{ id: 'web-1', port: 1, pid: 1, status: 'ready', served: 0 }],
          sessionStore: 'memory',
          sticky: false,
          store: { kind: 'embedded', up: true, port: 2 },
          desired: 1,
          lastError: null,
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => server.close());

  it.each(exercises)(
    '$lab: sessions in memory are refused with advice, nothing is changed',
    async ({ lab }) => {
      const { check } = await loadCheck(lab);
      const results = await check(url);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ id: 'lab-ready', ok: false });
      expect(results[0]?.message.fr).toContain('Redis');
      expect(results[0]?.message.en).toContain('Redis');
    },
  );

  it('an app that does not start is reported at once, with the platform’s reason', async () => {
    const broken = http.createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          instances: [],
          sessionStore: 'redis',
          sticky: false,
          store: { kind: 'embedded', up: true, port: 2 },
          desired: 3,
          lastError:
            'web-4 did not start: it exited with code 1.\nSyntaxError: Unexpected identifier',
        }),
      );
    });
    broken.listen(0, '127.0.0.1');
    await once(broken, 'listening');
    try {
      const { check } = await loadCheck('health');
      const started = Date.now();
      const results = await check(
        `http://127.0.0.1:${(broken.address() as { port: number }).port}/`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ id: 'lab-ready', ok: false });
      expect(results[0]?.message.en).toContain('SyntaxError');
      expect(results[0]?.message.fr).toContain('ne démarre pas');
    } finally {
      broken.close();
    }
  });

  it('a lab that does not answer gives one failed result, not an exception', async () => {
    const { check } = await loadCheck('cart');
    const results = await check(`http://127.0.0.1:${await freePort()}/`);
    expect(results).toEqual([expect.objectContaining({ id: 'lab-ready', ok: false })]);
    expect(results[0]?.message.en).toContain('npm run lab');
  });
});

describe.each(exercises)('exercise $lab', ({ lab, failing }) => {
  describe('starting files', () => {
    let running: LabProcess;
    let copy: string;
    beforeAll(async () => {
      copy = makeWorkingCopy(lab, false);
      // No SESSION_STORE nor INSTANCES: the lab.json beside the laid-out app says them.
      running = await startLab({
        LAB_APP_DIR: path.join(copy, 'app'),
        SESSION_STORE: '',
        INSTANCES: '',
      });
    });
    afterAll(async () => {
      await running?.stop();
      fs.rmSync(copy, { recursive: true, force: true });
    });

    it('keep the lab contract, so the dashboard works: visits counted across instances, /healthz 200', async () => {
      const visitor = new Visitor(running.url);
      const seen = new Set<unknown>();
      for (let count = 1; count <= 3; count++) {
        const { status, body } = await visitor.visit();
        // The answer's body says who refused (the balancer, an instance) and why: CI saw a 503 here
        // once and nothing else.
        expect(status, `visit ${count}: ${JSON.stringify(body)}`).toBe(200);
        expect(body).toMatchObject({ visits: count, store: 'redis' });
        seen.add(body['instance']);
      }
      expect(seen.size).toBe(3);
      const health = await fetch(new URL('healthz', running.url));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      expect((await fetch(new URL('readyz', running.url))).status).toBe(200);
      const state = await labState(running.url);
      expect(state.lastError).toBeNull();
      // The lab.json's defaults, read beside the laid-out app folder.
      expect(state).toMatchObject({ sessionStore: 'redis', desired: 3 });
    });

    it(`fail the check with ${failing.join(', ')}, each message saying what is still stateful`, async () => {
      const { code, results } = await runCheckCli([lab, '--url', running.url]);
      await expectWellFormed(lab, results);
      const expected = Object.fromEntries(
        results.map((entry) => [entry.id, !(failing as readonly string[]).includes(entry.id)]),
      );
      expect(summary(results)).toEqual(expected);
      expect(code).toBe(1);
      // The store is up again, whatever the check did to it.
      expect((await labState(running.url)).store.up).toBe(true);
    });
  });

  it('the solution passes the check, in a lab run-check.ts starts and removes', async () => {
    const copies = (): string[] =>
      fs
        .readdirSync(path.join(root, '.lab-work'))
        .filter((name) => name.startsWith(`check-${lab}-`));
    const before = copies();
    const { code, results, stderr } = await runCheckCli([lab, '--solution']);
    await expectWellFormed(lab, results);
    expect(
      results.filter((entry) => !entry.ok),
      stderr,
    ).toEqual([]);
    expect(code).toBe(0);
    expect(copies()).toEqual(before);
  });
});

describe('API details the exercises teach with', () => {
  let running: LabProcess;
  const dirs: string[] = [];
  afterAll(async () => {
    await running?.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('avatar (solution, real redis-server): 404 before, 415 for text, 413 over 200 KB, bytes intact', async () => {
    const redis = await startRedis();
    try {
      const copy = makeWorkingCopy('avatar', true);
      dirs.push(copy);
      running = await startLab({
        LAB_APP_DIR: path.join(copy, 'app'),
        SESSION_STORE: 'redis',
        REDIS_URL: redis.url,
      });
      const base = running.url;
      let cookie = '';
      const send = async (
        method: string,
        body?: Uint8Array<ArrayBuffer>,
        type?: string,
      ): Promise<Response> => {
        const headers: Record<string, string> = {};
        if (cookie) headers['cookie'] = cookie;
        if (type) headers['content-type'] = type;
        const response = await fetch(new URL('api/avatar', base), {
          method,
          headers,
          body: body ?? null,
        });
        cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
        return response;
      };
      expect((await send('GET')).status).toBe(404);
      const text = await send('PUT', new TextEncoder().encode('hello'), 'text/plain');
      expect(text.status).toBe(415);
      const tooLarge = await send('PUT', new Uint8Array(300 * 1024), 'image/png');
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as { error: string }).error).toMatch(/200 KB/);
      const picture = Uint8Array.from({ length: 4096 }, (_, index) => (index * 7) % 256);
      expect((await send('PUT', picture, 'image/png')).status).toBe(201);
      for (let read = 0; read < 3; read++) {
        const answer = await send('GET');
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/^image\/png/);
        expect(new Uint8Array(await answer.arrayBuffer())).toEqual(picture);
      }
      // And through run-check.ts, the whole check passes against this lab and its real Redis.
      const { code, results } = await runCheckCli(['avatar', '--url', base]);
      expect(summary(results)).toEqual({
        'avatar-shared': true,
        'avatar-survives-replacement': true,
      });
      expect(code).toBe(0);
    } finally {
      await running?.stop();
      await redis.stop();
    }
  });

  it.each([
    { files: 'starting files', solved: false },
    { files: 'solution', solved: true },
  ])(
    'counter ($files, real redis-server): a burst of 50 presses with one cookie, across instances',
    async ({ solved }) => {
      const redis = await startRedis();
      const client = createClient({ url: redis.url });
      try {
        const copy = makeWorkingCopy('counter', solved);
        dirs.push(copy);
        running = await startLab({
          LAB_APP_DIR: path.join(copy, 'app'),
          SESSION_STORE: 'redis',
          REDIS_URL: redis.url,
        });
        let cookie = '';
        const send = async (method: string): Promise<{ instance: string; count: number }> => {
          const response = await fetch(new URL('api/count', running.url), {
            method,
            headers: cookie ? { cookie } : {},
          });
          expect(response.status).toBe(200);
          cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
          return (await response.json()) as { instance: string; count: number };
        };
        // Nothing counted before the first press; the first press starts the session.
        expect((await send('GET')).count).toBe(0);
        expect((await send('POST')).count).toBe(1);
        const burst = await Promise.all(Array.from({ length: 50 }, () => send('POST')));
        expect(new Set(burst.map((answer) => answer.instance)).size).toBeGreaterThan(1);
        const after = (await send('GET')).count;
        await client.connect();
        const sid = decodeURIComponent(cookie.split('=')[1] ?? '')
          .replace(/^s:/, '')
          .split('.')[0];
        const session = JSON.parse((await client.get(`sess:${sid}`)) ?? '{}') as Record<
          string,
          unknown
        >;
        if (!solved) {
          // Whole-session writes: requests that read the same count write the same count + 1.
          expect(after).toBeLessThan(51);
          expect(new Set(burst.map((answer) => answer.count)).size).toBeLessThan(50);
          expect(session['count']).toBe(after);
          return;
        }
        // INCR: every press counted once, each answer a different count, 2 to 51.
        expect(after).toBe(51);
        expect(burst.map((answer) => answer.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 50 }, (_, index) => index + 2),
        );
        // The count has a key of its own, named after the session and living as long; the
        // session only remembers that key's name, and holds no count to overwrite.
        expect(session).not.toHaveProperty('count');
        expect(session['countKey']).toBe(`count:${sid}`);
        expect(await client.get(`count:${sid}`)).toBe('51');
        const ttl = await client.ttl(`count:${sid}`);
        expect(ttl).toBeGreaterThan(86_000);
        expect(ttl).toBeLessThanOrEqual(86_400);
      } finally {
        if (client.isOpen) await client.close();
        await running?.stop();
        await redis.stop();
      }
    },
  );

  // Two wrong answers a learner might write: each must fail the one result that names its fault.
  it.each([
    {
      wrong: 'a count in each instance’s memory',
      fails: 'count-shared',
      counter: `import { Router } from 'express';
const counts = new Map();
export function counterRoutes(config) {
  const router = Router();
  router.post('/api/count', (req, res) => {
    req.session.counting = true;
    const count = (counts.get(req.sessionID) ?? 0) + 1;
    counts.set(req.sessionID, count);
    res.json({ instance: config.instance, count });
  });
  router.get('/api/count', (req, res) => {
    res.json({ instance: config.instance, count: counts.get(req.sessionID) ?? 0 });
  });
  return router;
}
`,
    },
    {
      wrong: 'one INCR key for every visitor',
      fails: 'count-per-visitor',
      counter: solutionFiles('counter')
        .get('counter.js')!
        .replace('`count:${req.sessionID}`', "'count:everyone'"),
    },
  ])('counter ($wrong): the check fails $fails and says why', async ({ counter, fails }) => {
    expect(counter).not.toContain('req.sessionID}`');
    const copy = makeWorkingCopy('counter', false);
    dirs.push(copy);
    fs.writeFileSync(path.join(copy, 'app', 'counter.js'), counter);
    try {
      running = await startLab({ LAB_APP_DIR: path.join(copy, 'app') });
      const { code, results } = await runCheckCli(['counter', '--url', running.url]);
      await expectWellFormed('counter', results);
      expect(results.filter((entry) => !entry.ok).map((entry) => entry.id)).toContain(fails);
      const failed = results.find((entry) => entry.id === fails);
      expect(failed?.message.en).toMatch(fails === 'count-shared' ? /own/ : /req\.sessionID/);
      expect(code).toBe(1);
    } finally {
      await running?.stop();
    }
  });

  it('cart (starting files): bad input is a 400 that says what to send', async () => {
    const copy = makeWorkingCopy('cart', false);
    dirs.push(copy);
    running = await startLab({
      LAB_APP_DIR: path.join(copy, 'app'),
      SESSION_STORE: 'redis',
      INSTANCES: '1',
    });
    const post = (body: string): Promise<Response> =>
      fetch(new URL('api/cart/items', running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    for (const body of ['{"item": ""}', '{"item": 3}', '{}', '{not json']) {
      const answer = await post(body);
      expect(answer.status, body).toBe(400);
      expect(await answer.json()).toHaveProperty('error');
    }
    const added = await post('{"item": "notebook"}');
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ items: ['notebook'] });
  });
});
