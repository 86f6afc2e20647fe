// The local runtime's lab host: its file API writes to disk, so it takes only a lab's editable
// files, from the site's own pages, as JSON, and never touches the project's own files. It runs
// each lab laid out, with the lab.json's defaults and a clean environment.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labEnvironment, startLabHost, type LabHost } from '../../sandboxes/local/host.ts';
import type { LabState } from '../../sandboxes/platform/types.ts';

const root = path.resolve(import.meta.dirname, '../..');
const original = fs.readFileSync(path.join(root, 'sandboxes/labs/sessions/app/server.js'), 'utf8');

describe('lab host file API', () => {
  let host: LabHost;
  let workDir: string;

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });
    workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'host-test-'));
    host = await startLabHost({ workDir });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const put = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(`_labs/sessions/files/${name}`, host.url), {
      method: 'PUT',
      // The host answers in the language asked for, as the sandbox asks for its page's; these
      // tests read the English sentences.
      headers: { 'content-type': 'application/json', 'accept-language': 'en', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('lists the labs and reads the editable files', async () => {
    const labs = (await (await fetch(new URL('_labs/', host.url))).json()) as {
      labs: { id: string }[];
    };
    expect(labs.labs.map((lab) => lab.id)).toContain('sessions');
    const files = (await (await fetch(new URL('_labs/sessions/files', host.url))).json()) as {
      files: Record<string, string>;
    };
    expect(files.files['server.js']).toBe(original);
  });

  it('writes an editable file into the working copy, never into the project', async () => {
    const answer = await put('server.js', { content: '// edited\n' });
    expect(answer.status).toBe(200);
    expect(fs.readFileSync(path.join(workDir, 'sessions/app/server.js'), 'utf8')).toBe(
      '// edited\n',
    );
    expect(fs.readFileSync(path.join(root, 'sandboxes/labs/sessions/app/server.js'), 'utf8')).toBe(
      original,
    );
  });

  it.each([
    ['a parent path', encodeURIComponent('../lab.json')],
    ['an absolute path', encodeURIComponent('/etc/passwd')],
    ['a file that is not editable', 'package.json'],
    ['a nested path', encodeURIComponent('sub/server.js')],
  ])('refuses %s with 403 and a clear error', async (_label, name) => {
    const answer = await put(name, { content: 'x' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /not one of this lab's editable files/,
    );
  });

  it("answers a refusal in the page's language that the sandbox sends", async () => {
    const answer = await put('package.json', { content: 'x' }, { 'accept-language': 'fr' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /^« package\.json » n'est pas l'un des fichiers modifiables de ce laboratoire/,
    );
  });

  it('refuses a link in place of an editable file', async () => {
    const target = path.join(workDir, 'sessions/app/health.js');
    fs.rmSync(target);
    fs.symlinkSync(path.join(root, 'package.json'), target);
    const answer = await put('health.js', { content: 'x' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(/link/);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name).toBe(
      'twelve-factor-processes',
    );
  });

  it('refuses other sites, non-JSON bodies and broken JSON', async () => {
    expect(
      (await put('server.js', { content: 'x' }, { 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect(
      (await put('server.js', { content: 'x' }, { origin: 'http://attacker.example' })).status,
    ).toBe(403);
    expect((await put('server.js', 'content=x', { 'content-type': 'text/plain' })).status).toBe(
      415,
    );
    expect((await put('server.js', '{"content": ')).status).toBe(400);
    expect((await put('server.js', { content: 42 })).status).toBe(400);
  });

  it('answers an unknown lab or action with 404, and the app of a stopped lab with 503', async () => {
    expect((await fetch(new URL('_labs/nope/files', host.url))).status).toBe(404);
    const action = await fetch(new URL('_labs/sessions/reboot', host.url), { method: 'POST' });
    expect(action.status).toBe(404);
    expect((await fetch(new URL('_labs/sessions/app/', host.url))).status).toBe(503);
  });
});

describe('lab host running an exercise', () => {
  let host: LabHost;
  let workDir: string;
  const saved: Record<string, string | undefined> = {};
  // The host's own environment, set to what would break the lab if it leaked into it: a
  // session store and an instance count that are not the lab's, a Redis that is not there, no
  // watcher (so Solve would never roll out), an app folder that does not exist.
  const hostEnv: Record<string, string> = {
    INSTANCES: '5',
    SESSION_STORE: 'memory',
    REDIS_URL: 'redis://127.0.0.1:1',
    LAB_WATCH: '0',
    LAB_APP_DIR: '/nonexistent',
  };

  const post = async (action: string): Promise<Record<string, unknown>> => {
    const answer = await fetch(new URL(`_labs/health/${action}`, host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await answer.json()) as Record<string, unknown>;
    expect(answer.status, JSON.stringify(body)).toBe(200);
    return body;
  };
  const state = async (): Promise<LabState> =>
    (await (await fetch(new URL('_labs/health/app/lab/state', host.url))).json()) as LabState;
  const source = (name: string): string =>
    fs.readFileSync(path.join(root, 'sandboxes/labs', name), 'utf8');

  beforeAll(async () => {
    for (const [name, value] of Object.entries(hostEnv)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'host-test-'));
    host = await startLabHost({ workDir });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('says which labs are exercises, and shows complete files before the first start', async () => {
    const { labs } = (await (await fetch(new URL('_labs/', host.url))).json()) as {
      labs: { id: string; exercise: boolean }[];
    };
    expect(Object.fromEntries(labs.map((lab) => [lab.id, lab.exercise]))).toEqual({
      avatar: true,
      cart: true,
      counter: true,
      health: true,
      sessions: false,
    });
    const { files } = (await (await fetch(new URL('_labs/health/files', host.url))).json()) as {
      files: Record<string, string>;
    };
    // server.js comes from the base lab, health.js is the exercise's own.
    expect(files).toEqual({
      'health.js': source('health/app/health.js'),
      'server.js': source('sessions/app/server.js'),
    });
  });

  it('runs the laid-out copy with its lab.json defaults, none of the host environment', async () => {
    await post('start');
    for (const name of ['lab.json', 'app/server.js', 'app/config.js', 'checks/lab-client.js']) {
      expect(fs.existsSync(path.join(workDir, 'health', name)), name).toBe(true);
    }
    const lab = await state();
    expect(lab).toMatchObject({ sessionStore: 'redis', desired: 3, lastError: null });
    expect(lab.store.kind).toBe('embedded');
    expect(lab.instances).toHaveLength(3);
  });

  it('checks from the laid-out copy: the starting files fail', async () => {
    const { results } = (await post('check')) as { results: { id: string; ok: boolean }[] };
    expect(results.filter((entry) => !entry.ok).map((entry) => entry.id)).toEqual([
      'liveness-independent',
      'readiness-checks-store',
    ]);
  });

  it('Solve answers once the solution has rolled out, so a Check right after passes', async () => {
    const before = new Set((await state()).instances.map((instance) => instance.id));
    const { files } = (await post('solve')) as { files: Record<string, string> };
    expect(files['health.js']).toBe(source('health/solution/health.js'));
    const after = await state();
    expect(after.rollout ?? null).toBeNull();
    expect(after.instances).toHaveLength(3);
    for (const instance of after.instances) {
      expect(before.has(instance.id), instance.id).toBe(false);
      expect(instance.status).toBe('ready');
    }
    const { results } = (await post('check')) as { results: { ok: boolean }[] };
    expect(results.every((entry) => entry.ok)).toBe(true);
  });

  it('Reset puts the starting files back and answers once they run', async () => {
    const before = new Set((await state()).instances.map((instance) => instance.id));
    const { files } = (await post('reset')) as { files: Record<string, string> };
    expect(files['health.js']).toBe(source('health/app/health.js'));
    expect(fs.readFileSync(path.join(workDir, 'health/app/health.js'), 'utf8')).toBe(
      source('health/app/health.js'),
    );
    const after = await state();
    expect(after.instances.every((instance) => !before.has(instance.id))).toBe(true);
    expect(after.instances.every((instance) => instance.status === 'ready')).toBe(true);
  });
});

describe('the environment of a lab process', () => {
  it('passes what a program needs and the app folder, never INSTANCES, SESSION_STORE, REDIS_URL or LAB_*', () => {
    const env = labEnvironment('/srv/course/app', {
      PATH: '/usr/bin',
      HOME: '/home/learner',
      INSTANCES: '5',
      SESSION_STORE: 'memory',
      REDIS_URL: 'redis://elsewhere:6379',
      LAB_WATCH: '0',
      LAB_FRAMED: '1',
      NODE_OPTIONS: '--inspect',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/learner',
      LAB_PORT: '0',
      LAB_HOST: '127.0.0.1',
      LAB_APP_DIR: '/srv/course/app',
    });
  });
});
