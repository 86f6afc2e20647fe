import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { PARENT_PID_VARIABLE } from './parent-watch.ts';

/** The embedded store running as its own process, as a backing service would. */
export interface StoreProcess {
  port: number;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if the store has not exited within its grace; resolves once it has. */
  stop(): Promise<void>;
  /** An outage: the store refuses connections and drops open ones, its data kept. */
  cut(): Promise<void>;
  /** Ends the outage: the store listens again on the same port. */
  reopen(): Promise<void>;
}

/** How long the store has to close after SIGTERM before it gets SIGKILL. */
export const STORE_STOP_GRACE_MS = 2000;

// A packaged lab runs the store from a bundle of its own, named by LAB_STORE_ENTRY.
const storeMain = (): string =>
  process.env['LAB_STORE_ENTRY'] || fileURLToPath(new URL('./store/main.ts', import.meta.url));

/** Starts the embedded Redis-compatible store and resolves once it listens. */
export function startStoreProcess(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<StoreProcess> {
  const args = [storeMain(), '--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  const child = spawn(process.execPath, args, {
    // The IPC channel carries the link's cut and reopen (see store/main.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // The store ends with the lab, even when the lab dies before the store has finished starting.
    env: { ...process.env, [PARENT_PID_VARIABLE]: String(process.pid) },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the embedded store did not start within ${options.timeoutMs ?? 30_000} ms. ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the embedded store exited (${signal ?? code}) before it was ready. ${stderr.trim()}`,
        ),
      );
    });
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let message: { ready?: boolean; port?: number };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.ready && typeof message.port === 'number') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const port = message.port;
        // The channel must not keep the lab alive once everything else is done.
        child.channel?.unref();
        resolve({
          port,
          child,
          cut: () => linkChange(child, 'cut'),
          reopen: () => linkChange(child, 'open'),
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              // A store that hangs while closing must not hold the lab's stop up.
              const force = setTimeout(() => child.kill('SIGKILL'), STORE_STOP_GRACE_MS);
              child.once('exit', () => {
                clearTimeout(force);
                done();
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

// Asks the store to cut or reopen the way to it, and resolves once it has.
function linkChange(child: ChildProcess, link: 'cut' | 'open'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!child.connected) {
      reject(new Error(`the embedded store has exited: it cannot ${link} its link`));
      return;
    }
    const answered = (message: { link?: unknown; done?: unknown; error?: unknown }): void => {
      if (message.link !== link) return;
      child.off('message', answered);
      child.off('exit', exited);
      if (message.done) resolve();
      else
        reject(
          new Error(`the embedded store could not ${link} its link: ${String(message.error)}`),
        );
    };
    const exited = (): void => {
      child.off('message', answered);
      reject(new Error(`the embedded store exited before it could ${link} its link`));
    };
    child.on('message', answered);
    child.once('exit', exited);
    child.send({ link }, (error) => {
      if (!error) return;
      child.off('message', answered);
      child.off('exit', exited);
      reject(
        new Error(`the embedded store could not be asked to ${link} its link: ${error.message}`),
      );
    });
  });
}
