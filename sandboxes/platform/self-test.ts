/**
 * The self-test a browser runtime asks for (`LAB_SELF_TEST=1`): beside the lab's start, it tries
 * what WebContainer may do differently from Linux (the store link, a SIGTERM, a file watcher, a
 * cookie in a frame) and says what it found, once per finding, in the output, the state and the
 * event stream. What it finds changes how the lab behaves: a SIGTERM that never arrives makes
 * the grace before SIGKILL short, a silent watcher is replaced by polling.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { messageOf } from './errors.ts';
import { formatSelfTestLine } from './lines.ts';
import type { SelfTestCheck, SelfTestName, SelfTestReport } from './types.ts';
import { FolderWatcher, POLL_EVERY_MS, type WatchMode } from './watcher.ts';

/** The grace before SIGKILL when SIGTERM does not reach a process: waiting longer is useless. */
export const SHORT_GRACE_MS = 1000;
/** How long a check may take before it counts as failed. */
const STORE_TIMEOUT_MS = 5000;
const CHILD_START_TIMEOUT_MS = 10_000;
const SIGTERM_TIMEOUT_MS = 2000;
const WATCH_TIMEOUT_MS = 2000;

/** What the self-test acts on and reports to. */
export interface SelfTestTarget {
  /** The store link's port, and a promise settled once the store it leads to has started. */
  storeLinkPort: number;
  storeStarted: Promise<unknown>;
  /** How the app's files are watched; the scratch file is watched the same way. */
  watchMode: WatchMode;
  /** SIGTERM did not reach the throwaway child: instances get a short grace from now on. */
  onSigtermLost(graceMs: number): void;
  /** The watcher stayed silent: the app's files are polled from now on. */
  onWatcherSilent(reason: string): void;
  /** Prints one line of the lab's output. */
  print(line: string): void;
  /** The report changed (a finding arrived). */
  onReport(report: SelfTestReport): void;
}

/** Runs the checks and keeps their report; the cookie's finding comes from the dashboard. */
export class SelfTest {
  #target: SelfTestTarget;
  #report: SelfTestReport;
  #printed = new Map<SelfTestName, string>();

  constructor(target: SelfTestTarget) {
    this.#target = target;
    const pending = (detail: string): SelfTestCheck => ({ status: 'pending', detail });
    this.#report = {
      storeLink: pending('a PING through the store link'),
      sigterm: pending('a SIGTERM to a throwaway process'),
      watcher: pending('a write to a watched scratch file'),
      cookie: pending('waiting for the dashboard to send the test cookie back'),
    };
  }

  /** The findings so far. */
  get report(): SelfTestReport {
    return structuredClone(this.#report);
  }

  /** Runs the store, SIGTERM and watcher checks side by side; never rejects. */
  async run(): Promise<void> {
    await Promise.all([
      this.#check('storeLink', () => this.#storeLink()),
      this.#check('sigterm', () => this.#sigterm()),
      this.#check('watcher', () => this.#watcher()),
    ]);
  }

  /** The dashboard's cookie round trip: whether the test cookie came back. */
  recordCookie(returned: boolean): void {
    this.#record(
      'cookie',
      returned
        ? { status: 'ok', detail: 'the test cookie came back: the session cookie works here' }
        : {
            status: 'fallback',
            detail:
              'the test cookie did not come back (third-party cookies blocked?): the dashboard carries the session in the X-Lab-Session header',
          },
    );
  }

  async #check(name: SelfTestName, run: () => Promise<SelfTestCheck>): Promise<void> {
    let finding: SelfTestCheck;
    try {
      finding = await run();
    } catch (error) {
      finding = { status: 'failed', detail: messageOf(error) };
    }
    this.#record(name, finding);
  }

  // Each finding is printed once; a later, different finding (the cookie, tried again) is too.
  #record(name: SelfTestName, finding: SelfTestCheck): void {
    this.#report[name] = finding;
    this.#target.onReport(this.report);
    if (finding.status === 'pending') return;
    const line = formatSelfTestLine({ name, status: finding.status, detail: finding.detail });
    if (this.#printed.get(name) === line) return;
    this.#printed.set(name, line);
    this.#target.print(line);
  }

  // A PING sent through the link must come back from the store: any RESP answer proves the path.
  async #storeLink(): Promise<SelfTestCheck> {
    await this.#target.storeStarted;
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(this.#target.storeLinkPort, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the store did not answer a PING within ${STORE_TIMEOUT_MS} ms`));
      }, STORE_TIMEOUT_MS);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
      socket.on('data', (chunk: string) => {
        received += chunk;
        const end = received.indexOf('\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.destroy();
        resolve(received.slice(0, end));
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`the store link refused a connection: ${messageOf(error)}`));
      });
    });
    if (answer !== '+PONG' && !answer.startsWith('-')) {
      return { status: 'failed', detail: `the store answered "${answer}" to a PING` };
    }
    return {
      status: 'ok',
      detail: `the store answered ${answer.slice(1)} through the link in ${Date.now() - started} ms`,
    };
  }

  // A throwaway Node process with a SIGTERM handler that prints: the handler must run.
  async #sigterm(): Promise<SelfTestCheck> {
    // Its timer keeps it alive, and ends it should the lab die before it is stopped.
    const script =
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); });" +
      'const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 400);' +
      "console.log('ready');";
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = readline.createInterface({ input: child.stdout! });
    const seen = (wanted: string, timeoutMs: number): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => done(false), timeoutMs);
        const onLine = (line: string): void => {
          if (line === wanted) done(true);
        };
        const onExit = (): void => done(false);
        function done(value: boolean): void {
          clearTimeout(timer);
          lines.off('line', onLine);
          child.off('exit', onExit);
          resolve(value);
        }
        lines.on('line', onLine);
        child.once('exit', onExit);
      });
    try {
      if (!(await seen('ready', CHILD_START_TIMEOUT_MS))) {
        return { status: 'failed', detail: 'a throwaway node process did not start' };
      }
      const sent = Date.now();
      const delivered = seen('got SIGTERM', SIGTERM_TIMEOUT_MS);
      child.kill('SIGTERM');
      if (await delivered) {
        return {
          status: 'ok',
          detail: `a SIGTERM handler ran ${Date.now() - sent} ms after the signal`,
        };
      }
      this.#target.onSigtermLost(SHORT_GRACE_MS);
      return {
        status: 'fallback',
        detail: `a SIGTERM did not reach its handler within ${SIGTERM_TIMEOUT_MS} ms: instances now get ${SHORT_GRACE_MS} ms before SIGKILL`,
      };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      lines.close();
    }
  }

  // A scratch file, outside the app's folder, watched the way the app's files are.
  async #watcher(): Promise<SelfTestCheck> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-self-test-'));
    const file = path.join(dir, 'scratch.txt');
    fs.writeFileSync(file, 'before\n');
    let fired: () => void = () => {};
    const firedOnce = new Promise<void>((resolve) => (fired = resolve));
    const watcher = new FolderWatcher(dir, this.#target.watchMode, { onChange: () => fired() });
    try {
      watcher.start();
      // Give the watch a moment to be armed, as an editor's save comes well after the start.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const written = Date.now();
      fs.writeFileSync(file, 'after, longer\n');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), WATCH_TIMEOUT_MS + POLL_EVERY_MS);
      });
      const outcome = await Promise.race([firedOnce.then(() => 'fired' as const), timedOut]);
      clearTimeout(timer);
      const state = watcher.state;
      if (outcome === 'fired') {
        const how = `${state.mode} watching saw a write in ${Date.now() - written} ms`;
        return state.error
          ? { status: 'fallback', detail: `${how} (${state.error})` }
          : { status: 'ok', detail: how };
      }
      if (state.mode !== 'polling') {
        const reason = `fs.watch did not report a write within ${WATCH_TIMEOUT_MS} ms`;
        this.#target.onWatcherSilent(reason);
        return {
          status: 'fallback',
          detail: `${reason}: the app's files are polled every ${POLL_EVERY_MS} ms instead`,
        };
      }
      return {
        status: 'failed',
        detail: `polling did not see a write within ${WATCH_TIMEOUT_MS} ms: after an edit, use Replace`,
      };
    } finally {
      watcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
