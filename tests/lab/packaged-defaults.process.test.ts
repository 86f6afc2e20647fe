// Every packaged lab, written to a bare folder outside the project and started with `node lab.js`
// and nothing in its environment but its port and address, as WebContainer starts it: it runs
// with its own lab.json's session store and instance count, and the `wait-rollout.js` it carries
// waits for a rollout with the same waiter as the local host.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listLabs, readManifest } from '../../sandboxes/labs/lab-model.ts';
import { readyUrl } from '../../sandboxes/platform/lines.ts';
import { labState, settled, unpackLab } from './harness.ts';

interface BareLab {
  url: string;
  folder: string;
  child: ChildProcess;
  output(): string;
}

const started: BareLab[] = [];

// `node lab.js` with only LAB_PORT and LAB_HOST: no PATH, no HOME, nothing of this process.
async function startBare(labJs: string): Promise<BareLab> {
  const child = spawn(process.execPath, [labJs], {
    cwd: path.dirname(labJs),
    env: { LAB_PORT: '0', LAB_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const lab: BareLab = { url: '', folder: path.dirname(labJs), child, output: () => output };
  started.push(lab);
  const deadline = Date.now() + 45_000;
  while (!lab.url) {
    lab.url = readyUrl(output) ?? '';
    if (lab.url) break;
    if (child.exitCode !== null) throw new Error(`the packaged lab exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the packaged lab did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return lab;
}

async function stop(lab: BareLab): Promise<void> {
  const { child } = lab;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(lab.folder, { recursive: true, force: true });
}

afterAll(async () => {
  await Promise.all(started.map(stop));
});

// `node wait-rollout.js <url>` inside the packaged folder, as the WebContainer runtime runs it.
async function waitRolloutCli(
  lab: BareLab,
): Promise<{ code: number | null; line: { ok: boolean; error: string | null } }> {
  const child = spawn(process.execPath, ['wait-rollout.js', lab.url], {
    cwd: lab.folder,
    env: {},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { code, line: JSON.parse(lines[0] ?? '') as { ok: boolean; error: string | null } };
}

describe.each(listLabs())('packaged lab %s', (id) => {
  let lab: BareLab;

  it('runs with its lab.json’s session store and instance count, and the embedded store', async () => {
    const manifest = readManifest(id);
    lab = await startBare(await unpackLab(id));
    const packaged = JSON.parse(fs.readFileSync(path.join(lab.folder, 'lab.json'), 'utf8'));
    expect(packaged).toEqual(manifest);
    const state = await labState(lab.url);
    expect(state.sessionStore).toBe(manifest.sessionStore);
    expect(state.desired).toBe(manifest.instances);
    expect(state.instances).toHaveLength(manifest.instances);
    expect(state.store.kind).toBe('embedded');
  });

  it('wait-rollout.js waits for the rollout of an edit, then says it went well', async () => {
    const before = new Set((await labState(lab.url)).instances.map((instance) => instance.id));
    const server = path.join(lab.folder, 'app', 'server.js');
    fs.appendFileSync(server, '\n// An edit, as a learner would make one.\n');
    const { code, line } = await waitRolloutCli(lab);
    expect(line).toEqual({ ok: true, error: null });
    expect(code).toBe(0);
    // Over means over: every instance is new and ready, none of the old ones is left.
    const after = await labState(lab.url);
    expect(settled(after), JSON.stringify(after)).toBe(true);
    expect(after.instances.filter((instance) => before.has(instance.id))).toEqual([]);
  });

  it('wait-rollout.js reports a rollout that failed, with the reason, and exits 1', async () => {
    fs.writeFileSync(path.join(lab.folder, 'app', 'server.js'), 'this is not JavaScript(\n');
    const { code, line } = await waitRolloutCli(lab);
    expect(line.ok).toBe(false);
    expect(line.error).toMatch(/SyntaxError|did not start/);
    expect(code).toBe(1);
    await stop(lab);
  });
});
