// One-off admin processes (`GET /lab/tasks`, `POST /lab/tasks/{name}`) against a real lab with a
// real redis-server: the sessions lab's two tasks with memory sessions (nothing a separate process
// can reach) and with Redis (every session, counted right; a migration that runs twice safely),
// the same config as the instances through the same store link, names that are not tasks, the
// time limit, the event stream, no rollout for an edited task, and no task left running when the
// lab stops or is killed. Then classroom mode: a task is a control write, which needs the key;
// and the lab packaged as WebContainer mounts it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent, TaskEvent, TaskResult } from '../../sandboxes/platform/types.ts';
import {
  collectEvents,
  control,
  copyApp,
  isRunning,
  labState,
  root,
  settled,
  startLabProcess,
  startLabWith,
  startRedis,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';

const SECRET = 'tasks-test-secret-0123456789';

// Test tasks beside the lab's own: one that shows its environment, one that never ends.
function appWithTestTasks(): string {
  const appDir = copyApp();
  fs.writeFileSync(
    path.join(appDir, 'tasks', 'show-env.js'),
    `// A test task: prints what it got from the platform, one JSON line.
const names = ['SESSION_STORE', 'REDIS_URL', 'SESSION_SECRET', 'TASK_NAME', 'PORT', 'INSTANCE_ID', 'HOST', 'TRUST_PROXY', 'NODE_ENV', 'LAB_PARENT_PID', 'CLASSROOM_KEY'];
console.log(JSON.stringify({ cwd: process.cwd(), env: Object.fromEntries(names.map((n) => [n, process.env[n] ?? null])) }));
`,
  );
  fs.writeFileSync(
    path.join(appDir, 'tasks', 'hang.js'),
    `// A test task that never ends: it keeps a timer alive, as a forgotten connection would.
console.log('hang: started');
setInterval(() => {}, 1000);
`,
  );
  return appDir;
}

async function runTask(
  base: string,
  name: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return control(base, 'POST', `lab/tasks/${name}`, undefined, headers);
}

function taskEvents(events: LabEvent[], name: string): TaskEvent[] {
  return events.filter((e): e is TaskEvent => e.type === 'task' && e.task === name);
}

async function until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function redisCli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
}

describe('admin tasks, against a real redis-server', () => {
  let lab: LabProcess;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let appDir: string;
  let stream: ReturnType<typeof collectEvents>;
  let alice: Visitor;
  const startedRuns = (): number =>
    stream.events.filter((e) => e.type === 'task' && e.phase === 'started').length;

  beforeAll(async () => {
    redis = await startRedis();
    appDir = appWithTestTasks();
    lab = await startLabProcess({
      REDIS_URL: redis.url,
      LAB_APP_DIR: appDir,
      LAB_LANG: 'en',
      SESSION_SECRET: SECRET,
    });
    await waitForState(lab.url, settled);
    stream = collectEvents(lab.url);
    await stream.opened;
  });
  afterAll(async () => {
    stream?.close();
    await lab?.stop();
    await redis?.stop();
    if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('GET /lab/tasks lists the files of tasks/, without .js and without its subfolders', async () => {
    const answer = await control(lab.url, 'GET', 'lab/tasks');
    expect(answer).toEqual({
      status: 200,
      body: { tasks: ['add-first-seen', 'count-sessions', 'hang', 'show-env'] },
    });
  });

  it('gives a task the instances’ config through the same store link, and no instance’s port or id', async () => {
    const answer = await runTask(lab.url, 'show-env');
    expect(answer.status).toBe(200);
    const result = answer.body as unknown as TaskResult;
    expect(result).toMatchObject({ task: 'show-env', exitCode: 0, signal: null, timedOut: false });
    const shown = JSON.parse(result.output) as { cwd: string; env: Record<string, string | null> };
    expect(fs.realpathSync(shown.cwd)).toBe(fs.realpathSync(appDir));
    const redisUrl = new URL(shown.env['REDIS_URL'] ?? '');
    // Through the lab's store link (a port of its own), never straight to the redis-server.
    expect(redisUrl.hostname).toBe('127.0.0.1');
    expect(Number(redisUrl.port)).not.toBe(redis.port);
    expect(shown.env).toEqual({
      SESSION_STORE: 'memory',
      REDIS_URL: expect.any(String),
      SESSION_SECRET: SECRET,
      TASK_NAME: 'show-env',
      PORT: null,
      INSTANCE_ID: null,
      HOST: null,
      TRUST_PROXY: '1',
      NODE_ENV: 'production',
      LAB_PARENT_PID: String(lab.child.pid),
      CLASSROOM_KEY: null,
    });
  });

  it('count-sessions with memory sessions finds none, and says why', async () => {
    // Visits first: the sessions exist, but only inside the instances.
    const visitor = new Visitor(lab.url);
    for (let i = 0; i < 3; i++) expect((await visitor.visit()).status).toBe(200);
    const answer = await runTask(lab.url, 'count-sessions');
    expect(answer.status).toBe(200);
    const result = answer.body as unknown as TaskResult;
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('0 sessions found.');
    expect(result.output).toContain("Sessions are in the instances' memory");
    const migrated = (await runTask(lab.url, 'add-first-seen')).body as unknown as TaskResult;
    expect(migrated.exitCode).toBe(0);
    expect(migrated.output).toContain('nothing to migrate');
    expect(migrated.output).toContain('0 sessions of 0 changed.');
  });

  it('tells the event stream: started, each line, finished, for one run', async () => {
    const answer = await runTask(lab.url, 'count-sessions');
    const result = answer.body as unknown as TaskResult;
    await until(
      () => taskEvents(stream.events, 'count-sessions').some((e) => e.phase === 'finished'),
      'the finished event',
    );
    const runs = new Set(taskEvents(stream.events, 'count-sessions').map((e) => e.run));
    const run = Math.max(...runs);
    const mine = taskEvents(stream.events, 'count-sessions').filter((e) => e.run === run);
    expect(mine[0]).toMatchObject({ phase: 'started', pid: expect.any(Number), timeoutMs: 30_000 });
    expect(mine.at(-1)).toMatchObject({ phase: 'finished', exitCode: 0, timedOut: false });
    const lines = mine.flatMap((e) => (e.phase === 'output' ? [e.line] : []));
    expect(lines.join('\n')).toBe(result.output);
    // The process is gone once it has answered: nothing left running.
    const started = mine[0];
    expect(started?.phase === 'started' && isRunning(started.pid)).toBe(false);
  });

  it('count-sessions with Redis sessions finds every one, with its visits', async () => {
    const switched = await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis' });
    expect(switched.status).toBe(200);
    await waitForState(lab.url, (s) => settled(s) && s.sessionStore === 'redis');
    alice = new Visitor(lab.url);
    const bob = new Visitor(lab.url);
    for (let i = 0; i < 3; i++) expect((await alice.visit()).body['visits']).toBe(i + 1);
    for (let i = 0; i < 2; i++) expect((await bob.visit()).body['visits']).toBe(i + 1);
    const result = (await runTask(lab.url, 'count-sessions')).body as unknown as TaskResult;
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('2 sessions found in Redis, 5 visits in all.');
    const perSession = result.output.split('\n').filter((line) => line.startsWith('  sess:'));
    expect(perSession.map((line) => line.replace(/^.*…\s+/, '')).sort()).toEqual([
      '2 visits',
      '3 visits',
    ]);
    // Session ids are secrets: only their first characters are printed.
    const keys = redisCli(redis.port, '--scan', '--pattern', 'sess:*').split('\n');
    for (const key of keys) expect(result.output).not.toContain(key);
  });

  it('add-first-seen migrates every session once, keeps its lifetime, and the app keeps the field', async () => {
    const keys = redisCli(redis.port, '--scan', '--pattern', 'sess:*').split('\n').sort();
    expect(keys).toHaveLength(2);
    const ttlBefore = keys.map((key) => Number(redisCli(redis.port, 'PTTL', key)));
    const first = (await runTask(lab.url, 'add-first-seen')).body as unknown as TaskResult;
    expect(first.exitCode).toBe(0);
    expect(first.output).toContain('2 sessions of 2 changed.');
    for (const [i, key] of keys.entries()) {
      const session = JSON.parse(redisCli(redis.port, 'GET', key)) as Record<string, unknown>;
      expect(typeof session['firstSeen']).toBe('string');
      expect(typeof session['visits']).toBe('number');
      const ttl = Number(redisCli(redis.port, 'PTTL', key));
      // KEEPTTL: the lifetime goes on counting down, it does not start again.
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(ttlBefore[i]!);
    }
    const again = (await runTask(lab.url, 'add-first-seen')).body as unknown as TaskResult;
    expect(again.output).toContain('0 sessions of 2 changed.');
    expect(again.output.match(/already migrated/g)).toHaveLength(2);
    // A visit after the migration goes on counting, and the instance keeps the new field.
    expect((await alice.visit()).body['visits']).toBe(4);
    const stored = keys
      .map((key) => JSON.parse(redisCli(redis.port, 'GET', key)) as Record<string, unknown>)
      .find((session) => session['visits'] === 4);
    expect(stored?.['firstSeen']).toEqual(expect.any(String));
  });

  it('answers 404 with a sentence for an unknown task and for names that are not plain file names', async () => {
    const before = startedRuns();
    const unknown = await runTask(lab.url, 'drop-everything');
    expect(unknown.status).toBe(404);
    expect(unknown.body['error']).toBe(
      'There is no task "drop-everything" (no tasks/drop-everything.js). The tasks are: add-first-seen, count-sessions, hang, show-env.',
    );
    const french = await runTask(lab.url, 'drop-everything', { 'accept-language': 'fr' });
    expect(french.body['error']).toContain("Il n'y a pas de tâche « drop-everything »");
    for (const name of [
      '..%2Fserver',
      '%2E%2E%2Fconfig',
      '..%2F..%2Fpackage',
      'shared%2Fredis',
      'count-sessions.js',
      '%2Fetc%2Fpasswd',
      '.hidden',
    ]) {
      const refused = await runTask(lab.url, name);
      expect(refused.status, name).toBe(404);
      expect(refused.body['error'], name).toMatch(/is not a task's name|There is no task/);
    }
    // A task's route takes POST only.
    expect((await control(lab.url, 'GET', 'lab/tasks/count-sessions')).status).toBe(405);
    // Nothing ran for any of them.
    await sleep(200);
    expect(startedRuns()).toBe(before);
  });

  it('rolls nothing out when a task file is edited: no instance runs it', async () => {
    const before = await labState(lab.url);
    fs.appendFileSync(path.join(appDir, 'tasks', 'count-sessions.js'), '// edited\n');
    fs.writeFileSync(path.join(appDir, 'tasks', 'new-task.js'), "console.log('new');\n");
    await sleep(1500);
    const after = await labState(lab.url);
    expect(after.rollout).toBeNull();
    expect(after.instances.map((i) => i.id)).toEqual(before.instances.map((i) => i.id));
    expect(stream.events.some((e) => e.type === 'rollout-started')).toBe(true); // the config switch
    expect(
      stream.events.filter((e) => e.type === 'rollout-started' && e.reason.includes('files')),
    ).toHaveLength(0);
    // A new task is there at once, read from the folder when asked.
    expect((await control(lab.url, 'GET', 'lab/tasks')).body['tasks']).toContain('new-task');
    const ran = (await runTask(lab.url, 'new-task')).body as unknown as TaskResult;
    expect(ran.output).toBe('new');
  });

  it('leaves no task running when the lab is killed with SIGKILL', async () => {
    const running = runTask(lab.url, 'hang').catch(() => null);
    await until(
      () => taskEvents(stream.events, 'hang').some((e) => e.phase === 'started'),
      'hang to start',
    );
    const started = taskEvents(stream.events, 'hang').find((e) => e.phase === 'started');
    const pid = started?.phase === 'started' ? started.pid : 0;
    expect(isRunning(pid)).toBe(true);
    lab.child.kill('SIGKILL');
    await running;
    // The contract's 2 s for every child of the lab.
    await until(() => !isRunning(pid), 'the task to end with the lab', 2500);
  });
});

describe('admin tasks in classroom mode', () => {
  const KEY = 'tasks-classroom-key-0123';
  let lab: LabProcess;
  let appDir: string;
  let stream: ReturnType<typeof collectEvents>;

  beforeAll(async () => {
    appDir = appWithTestTasks();
    lab = await startLabProcess(
      {
        CLASSROOM_KEY: KEY,
        LAB_HOST: '127.0.0.1',
        LAB_APP_DIR: appDir,
        LAB_LANG: 'en',
        // Short, so that the test of the limit is quick; memory sessions load no Redis client.
        LAB_TASK_TIMEOUT_MS: '3000',
      },
      path.join(root, 'scripts/classroom.ts'),
      60_000,
    );
    await waitForState(lab.url, settled);
    stream = collectEvents(lab.url);
    await stream.opened;
  });
  afterAll(async () => {
    stream?.close();
    await lab?.stop();
    if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('lists the tasks to anyone, but runs one only with the instructor’s key', async () => {
    expect((await control(lab.url, 'GET', 'lab/tasks')).status).toBe(200);
    for (const headers of [{}, { authorization: 'Bearer not-the-key' }]) {
      const refused = await runTask(lab.url, 'count-sessions', headers);
      expect(refused.status).toBe(401);
      expect(refused.body['error']).toContain('Only the instructor drives this lab');
    }
    // Refused before the name is even looked at.
    expect((await runTask(lab.url, '..%2Fserver')).status).toBe(401);
    const ran = await runTask(lab.url, 'count-sessions', { authorization: `Bearer ${KEY}` });
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ task: 'count-sessions', exitCode: 0 });
  });

  it('keeps the instructor’s key from the app’s processes: a task (and so an instance) never sees it', async () => {
    const shown = await runTask(lab.url, 'show-env', { authorization: `Bearer ${KEY}` });
    expect(shown.status).toBe(200);
    const output = (shown.body as unknown as TaskResult).output;
    const { env } = JSON.parse(output.split('\n').find((line) => line.startsWith('{'))!) as {
      env: Record<string, string | null>;
    };
    expect(env['CLASSROOM_KEY']).toBeNull();
    expect(env['SESSION_SECRET']).toBeTruthy();
    expect(output).not.toContain(KEY);
  });

  it('kills a task that runs past the limit and says so', async () => {
    const answer = await runTask(lab.url, 'hang', { authorization: `Bearer ${KEY}` });
    expect(answer.status).toBe(200);
    const result = answer.body as unknown as TaskResult;
    expect(result).toMatchObject({
      task: 'hang',
      exitCode: null,
      signal: 'SIGKILL',
      timedOut: true,
    });
    expect(result.ms).toBeGreaterThanOrEqual(3000);
    expect(result.output).toContain('hang: started');
    expect(result.output).toContain('lab: the task ran longer than 3 s and was stopped');
    const started = taskEvents(stream.events, 'hang').find((e) => e.phase === 'started');
    expect(started?.phase === 'started' && isRunning(started.pid)).toBe(false);
    await until(
      () => taskEvents(stream.events, 'hang').some((e) => e.phase === 'finished'),
      'the finished event of hang',
    );
    expect(taskEvents(stream.events, 'hang').at(-1)).toMatchObject({
      phase: 'finished',
      timedOut: true,
      signal: 'SIGKILL',
    });
  });

  it('stops a running task when the lab stops', async () => {
    const before = taskEvents(stream.events, 'hang').length;
    const running = runTask(lab.url, 'hang', { authorization: `Bearer ${KEY}` }).catch(() => null);
    await until(
      () =>
        taskEvents(stream.events, 'hang')
          .slice(before)
          .some((e) => e.phase === 'started'),
      'hang to start',
    );
    const started = taskEvents(stream.events, 'hang')
      .slice(before)
      .find((e) => e.phase === 'started');
    const pid = started?.phase === 'started' ? started.pid : 0;
    expect(isRunning(pid)).toBe(true);
    stream.close();
    await lab.stop();
    await running;
    expect(isRunning(pid)).toBe(false);
  });
});

describe('admin tasks in the lab packaged as WebContainer mounts it', () => {
  let lab: LabProcess;

  beforeAll(async () => {
    lab = await startLabWith('packaged', { LAB_LANG: 'en' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('carries tasks/ into the package and runs them with its bundled dependencies', async () => {
    expect((await control(lab.url, 'GET', 'lab/tasks')).body).toEqual({
      tasks: ['add-first-seen', 'count-sessions'],
    });
    const memory = (await runTask(lab.url, 'count-sessions')).body as unknown as TaskResult;
    expect(memory).toMatchObject({ exitCode: 0, timedOut: false });
    expect(memory.output).toContain('0 sessions found.');
    await control(lab.url, 'PUT', 'lab/config', { sessionStore: 'redis' });
    await waitForState(lab.url, (s) => settled(s) && s.sessionStore === 'redis');
    const visitor = new Visitor(lab.url);
    for (let i = 0; i < 2; i++) await visitor.visit();
    // The embedded store this time, reached through the same link as the instances.
    const redis = (await runTask(lab.url, 'count-sessions')).body as unknown as TaskResult;
    expect(redis.exitCode, redis.output).toBe(0);
    expect(redis.output).toContain('1 session found in Redis, 2 visits in all.');
  });
});
