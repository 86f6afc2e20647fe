// Node as PID 1, for real: lesson 7 says that the first process of a container ignores SIGTERM
// unless it handles it, and that the lab's app handles it. No container engine runs here, but a
// PID namespace is what puts a container's command at PID 1, and `unshare` makes one (as root).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';

// A PID namespace needs root (CI runs as root) and util-linux's unshare; elsewhere the lesson's
// outputs are illustrative, and so is this test: it says why it did not run.
const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], {
  stdio: 'ignore',
});
const canUnshare = probe.status === 0;
const appDir = path.resolve('sandboxes/labs/sessions/app');

interface Pid1Run {
  /** The `unshare` process, whose child is the namespace's PID 1. */
  outer: ChildProcess;
  /** PID 1's number outside the namespace, where the test sends its signals from. */
  hostPid: number;
  output: () => string;
  exited: Promise<number | null>;
}

const runs: Pid1Run[] = [];

afterEach(async () => {
  // Whatever a test left, SIGKILL ends it: PID 1 cannot ignore that one.
  for (const run of runs.splice(0)) {
    if (isAlive(run.hostPid)) process.kill(run.hostPid, 'SIGKILL');
    run.outer.kill('SIGKILL');
    await run.exited;
  }
});

/** Starts `node <args>` as PID 1 of a new PID namespace and waits until it has printed `ready`. */
async function startAsPid1(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Pid1Run> {
  const outer = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, ...args], {
    env: { PATH: process.env['PATH'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  outer.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  outer.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    outer.once('exit', (code) => resolve(code)),
  );
  const deadline = Date.now() + 10_000;
  while (!/ready|listening/.test(text)) {
    if (Date.now() > deadline || outer.exitCode !== null) {
      outer.kill('SIGKILL');
      throw new Error(`PID 1 never got ready; it printed: ${text}`);
    }
    await sleep(20);
  }
  // `unshare --fork` has exactly one child: the namespace's PID 1.
  const children = fs
    .readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  expect(children).toHaveLength(1);
  const run = { outer, hostPid: children[0]!, output: () => text, exited };
  runs.push(run);
  return run;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exitsWithin(run: Pid1Run, ms: number): Promise<boolean> {
  const timer = sleep(ms).then(() => false);
  return Promise.race([run.exited.then(() => true), timer]);
}

describe.skipIf(!canUnshare)('node as PID 1 of a PID namespace (unshare, as root)', () => {
  it('ignores SIGTERM when it has no handler, and only SIGKILL ends it', async () => {
    const run = await startAsPid1([
      '-e',
      "console.log('ready, my pid:', process.pid); setInterval(() => {}, 1000)",
    ]);
    expect(run.output()).toContain('my pid: 1');
    process.kill(run.hostPid, 'SIGTERM');
    // Nothing to await for a signal that is dropped: give it a generous second to act.
    expect(await exitsWithin(run, 1000)).toBe(false);
    expect(isAlive(run.hostPid)).toBe(true);
    process.kill(run.hostPid, 'SIGKILL');
    expect(await exitsWithin(run, 5000)).toBe(true);
  });

  it('stops at once on SIGTERM with a handler', async () => {
    const run = await startAsPid1([
      '-e',
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });" +
        "console.log('ready, my pid:', process.pid); setInterval(() => {}, 1000)",
    ]);
    expect(run.output()).toContain('my pid: 1');
    process.kill(run.hostPid, 'SIGTERM');
    expect(await exitsWithin(run, 5000)).toBe(true);
    expect(run.output()).toContain('got SIGTERM');
  });

  it('is the case of the lab app, which handles SIGTERM and shuts down gracefully as PID 1', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pid1-'));
    try {
      const run = await startAsPid1([path.join(appDir, 'server.js')], {
        PORT: '0',
        SESSION_SECRET: 'pid-one-secret',
        INSTANCE_ID: 'web-pid1',
        HOME: home,
      });
      expect(run.output()).toMatch(/instance web-pid1 listening/);
      process.kill(run.hostPid, 'SIGTERM');
      expect(await exitsWithin(run, 5000)).toBe(true);
      // The shutdown line names the signal in either language.
      expect(run.output()).toMatch(/SIGTERM/);
      expect(run.outer.exitCode).toBe(0);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
