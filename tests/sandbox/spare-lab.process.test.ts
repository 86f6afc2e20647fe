// The lab host's spare: one `scripts/lab.mjs --when-asked` process started ahead of Start, which
// Start then tells its lab. It must be the process that runs the lab, get the lab's own variables
// (not the host's), be replaced after a start, and never outlive the host: not when the host
// closes, not when the host is killed outright.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabHost, type LabHost } from '../../sandboxes/local/host.ts';
import type { LabState } from '../../sandboxes/platform/types.ts';
import { childPids, isRunning, root } from '../lab/harness.ts';

/** The command line of a process, its arguments joined by spaces; '' once it is gone. */
function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The spares below `pid`: its children that wait to be told a lab. */
function sparesOf(pid: number): number[] {
  return childPids(pid).filter((child) => commandLine(child).includes('--when-asked'));
}

/** Resolves once `condition` holds, looking every 50 ms; fails after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the lab host keeps a spare lab process', () => {
  let host: LabHost;
  let workDir: string;
  const saved = process.env['INSTANCES'];

  beforeAll(async () => {
    // A host variable that would change the lab if the spare took it instead of the lab's own.
    process.env['INSTANCES'] = '5';
    fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });
    workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'spare-test-'));
    host = await startLabHost({ workDir });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
    if (saved === undefined) delete process.env['INSTANCES'];
    else process.env['INSTANCES'] = saved;
  });

  const post = async (action: string): Promise<void> => {
    const answer = await fetch(new URL(`_labs/sessions/${action}`, host.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(answer.status, await answer.text()).toBe(200);
  };

  it('runs the lab in the spare, with the lab’s own settings, then prepares the next one', async () => {
    await until(() => sparesOf(process.pid).length === 1, 10_000, 'a spare after the host starts');
    const [spare] = sparesOf(process.pid);

    await post('start');
    // The spare is the lab now: it started the store and the instances as its own children.
    expect(isRunning(spare!)).toBe(true);
    await until(() => childPids(spare!).length >= 2, 10_000, 'the lab’s processes below the spare');
    const state = (await (
      await fetch(new URL('_labs/sessions/app/lab/state', host.url))
    ).json()) as LabState;
    // The lab.json's three instances, not the host's INSTANCES=5.
    expect(state.desired).toBe(3);
    expect(state.instances.every((instance) => instance.status === 'ready')).toBe(true);

    // A second later, a new spare waits for the next Start, and it is not the lab.
    await until(
      () => sparesOf(process.pid).some((pid) => pid !== spare),
      10_000,
      'the next spare after a start',
    );
    // (The lab keeps the command line it was started with, --when-asked included.)
    expect(sparesOf(process.pid).filter((pid) => pid !== spare)).toHaveLength(1);
    await post('stop');
    await until(() => !isRunning(spare!), 10_000, 'the stopped lab to exit');
    expect(sparesOf(process.pid)).toHaveLength(1);
  });

  it('leaves no spare behind when it closes', async () => {
    const spares = sparesOf(process.pid);
    expect(spares).toHaveLength(1);
    await host.close();
    for (const pid of spares) expect(isRunning(pid)).toBe(false);
    expect(sparesOf(process.pid)).toEqual([]);
  });
});

describe('a spare whose host is killed', () => {
  it('exits on its own, since its stdin closes with the host', async () => {
    const workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'spare-test-'));
    const script = [
      `const { startLabHost } = await import(${JSON.stringify(path.join(root, 'sandboxes/local/host.ts'))});`,
      `const host = await startLabHost({ workDir: ${JSON.stringify(workDir)} });`,
      `console.log(host.url);`,
    ].join('\n');
    const hostProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        hostProcess.stdout.once('data', () => resolve());
        hostProcess.once('exit', (code) => reject(new Error(`the host exited (${code})`)));
      });
      await until(() => sparesOf(hostProcess.pid!).length === 1, 10_000, 'the host’s spare');
      const [spare] = sparesOf(hostProcess.pid!);

      hostProcess.kill('SIGKILL');
      await until(() => !isRunning(spare!), 10_000, 'the spare to exit after its host');
    } finally {
      hostProcess.kill('SIGKILL');
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });
});
