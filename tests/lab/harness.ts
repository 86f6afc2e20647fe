import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyUrl } from '../../sandboxes/platform/lines.ts';
import type { LabEvent, LabState } from '../../sandboxes/platform/types.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const labEntry = path.join(root, 'sandboxes/platform/lab.ts');
export const sessionsApp = path.join(root, 'sandboxes/labs/sessions/app');

export { freePort } from '../../sandboxes/platform/net-utils.ts';
export { ancestors, childPids, descendants, isRunning, listenersOn } from '../../scripts/procfs.ts';
import { freePort } from '../../sandboxes/platform/net-utils.ts';

/** A real redis-server on a free port, without persistence on disk. */
export async function startRedis(): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Ready to accept connections')) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
}

/** A lab running as its own process, the way `npm run lab` runs it. */
export interface LabProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node sandboxes/platform/lab.ts` on a free port and waits for its ready line. */
export async function startLabProcess(
  env: Record<string, string> = {},
  entry = labEntry,
  startTimeoutMs = 30_000,
): Promise<LabProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd: path.dirname(entry),
    // English unless a test asks otherwise: the suites match the lab's English sentences, and
    // the system's locale (C.UTF-8 here, French elsewhere) must not decide for them.
    env: { ...process.env, LAB_PORT: '0', REDIS_URL: '', LAB_LANG: 'en', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const deadline = Date.now() + startTimeoutMs;
  let url: string | undefined;
  while (!url) {
    url = readyUrl(output) ?? undefined;
    if (url) break;
    if (child.exitCode !== null) throw new Error(`the lab exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`the lab did not start in ${startTimeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url, child, output: () => output, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

/** A visitor with its own cookie jar, as one browser would be. */
export class Visitor {
  cookie: string | null = null;
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  /** Sends a request with this visitor's cookie and keeps the cookie the answer sets. */
  async request(
    method: string,
    pathname: string,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers['cookie'] = this.cookie;
    const response = await fetch(new URL(pathname, this.base), { method, headers });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? null;
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, headers: response.headers };
  }

  visit(): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    return this.request('POST', 'api/visit');
  }
}

/** Calls the control API with a JSON body, as the dashboard does. */
export async function control(
  base: string,
  method: string,
  pathname: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(pathname, base), init);
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(
      `${method} ${pathname} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  return { status: response.status, body: parsed };
}

/** The lab's state. */
export async function labState(base: string): Promise<LabState> {
  const response = await fetch(new URL('lab/state', base));
  return (await response.json()) as LabState;
}

/** Waits until the lab's state satisfies `test`, or fails with the last state seen. */
export async function waitForState(
  base: string,
  test: (state: LabState) => boolean,
  timeoutMs = 20_000,
): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  let state = await labState(base);
  while (!test(state)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the lab; last state: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await labState(base);
  }
  return state;
}

/** All instances running and ready, at the desired count. */
export function settled(state: LabState): boolean {
  return (
    state.instances.length === state.desired &&
    state.instances.every((instance) => instance.status === 'ready')
  );
}

/** Reads the lab's Server-Sent Events into an array, until `close()`. */
export function collectEvents(base: string): {
  events: LabEvent[];
  close(): void;
  opened: Promise<void>;
} {
  const events: LabEvent[] = [];
  const abort = new AbortController();
  const opened = (async () => {
    const response = await fetch(new URL('lab/events', base), { signal: abort.signal });
    if (!response.body) throw new Error('no event stream');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data) events.push(JSON.parse(data) as LabEvent);
          }
        }
      } catch {
        // Closed by the test.
      }
    })();
  })();
  return { events, close: () => abort.abort(), opened };
}

/**
 * Packages a lab as WebContainer would mount it, into a fresh folder outside the project (so
 * nothing can resolve from the project's own node_modules); returns its `lab.js`.
 */
export async function unpackLab(id: string): Promise<string> {
  const { packageLab, writeTree } = await import('../../sandboxes/pack.ts');
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `packaged-${id}-`));
  writeTree(await packageLab(id), folder);
  return path.join(folder, 'lab.js');
}

/**
 * Where a suite's lab keeps sessions in Redis: its own embedded store, a real redis-server
 * started for it, or its embedded store with the lab packaged as WebContainer mounts it.
 */
export type StoreKind = 'embedded' | 'redis-server' | 'packaged';

/**
 * Starts the sessions lab against `storeKind`, with `env` besides, and resolves once it has
 * settled (every instance ready), as a suite's first test expects it. Its `stop` also stops the
 * redis-server and removes the packaged folder it needed, so that one call in `afterAll` leaves
 * nothing behind. If the lab fails to start or to settle, what was started is stopped first.
 */
export async function startLabWith(
  storeKind: StoreKind,
  env: Record<string, string> = {},
): Promise<LabProcess> {
  const redis = storeKind === 'redis-server' ? await startRedis() : null;
  const entry = storeKind === 'packaged' ? await unpackLab('sessions') : undefined;
  const cleanUp = async (): Promise<void> => {
    await redis?.stop();
    if (entry) fs.rmSync(path.dirname(entry), { recursive: true, force: true });
  };
  try {
    const lab = await startLabProcess(
      { ...env, ...(redis ? { REDIS_URL: redis.url } : {}) },
      entry,
    );
    try {
      await waitForState(lab.url, settled);
    } catch (error) {
      await lab.stop();
      throw error;
    }
    return {
      ...lab,
      stop: async () => {
        await lab.stop();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** A copy of an app folder that a test may break and mend. */
export function copyApp(source = sessionsApp): string {
  const target = fs.mkdtempSync(path.join(root, '.lab-work', 'test-'));
  fs.cpSync(source, target, { recursive: true });
  return target;
}

fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });

/** A minimal app folder in a temporary directory: plain `node:http`, answering every path with 200. */
export function tinyApp(options: { onSigterm?: 'none' | 'hang' } = {}): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-tiny-app-'));
  fs.writeFileSync(path.join(folder, 'server.js'), tinyServer(options.onSigterm ?? 'none'));
  return folder;
}

/** The server.js of tinyApp: no SIGTERM handler (`none`), or one that never exits (`hang`). */
export function tinyServer(onSigterm: 'none' | 'hang'): string {
  const handler =
    onSigterm === 'hang'
      ? "process.on('SIGTERM', () => console.log('SIGTERM: ignored on purpose'));\n"
      : '';
  return `// A test app: answers /healthz, /readyz and everything else with 200.
const http = require('node:http');
const id = process.env.INSTANCE_ID;
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ status: 'ok', instance: id, sigterm: '${onSigterm}' }));
});
server.listen(Number(process.env.PORT), process.env.HOST);
${handler}`;
}
