// The instance preload ends an instance whose lab is gone, even when the lab died before the
// instance had finished loading: the case that left two instances adopted by PID 1 for fifteen
// minutes on this machine, since their first parent, read at start, was already the adopter.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { root } from './harness.ts';

const preload = pathToFileURL(`${root}sandboxes/platform/instance-preload.ts`).href;
// A server that would run for ever if nothing stopped it.
const forever = "require('node:http').createServer().listen(0); setInterval(() => {}, 1000);";

function start(env: Record<string, string>) {
  return spawn(process.execPath, ['--import', preload, '-e', forever], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('an instance whose lab is gone', () => {
  it('exits at once when the lab that named itself is not its parent any more', async () => {
    // This test's own process is the real parent; a pid that is not it stands for a lab that
    // has died and left the child with another parent.
    const child = start({ LAB_PARENT_PID: String(process.pid + 1_000_000) });
    const started = Date.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(timer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps running while its named parent is its parent', async () => {
    const child = start({ LAB_PARENT_PID: String(process.pid) });
    const exited = once(child, 'exit');
    const early = await Promise.race([
      exited.then(() => 'exited'),
      new Promise((resolve) => setTimeout(() => resolve('running'), 1500)),
    ]);
    child.kill('SIGKILL');
    await exited;
    expect(early).toBe('running');
  });
});
