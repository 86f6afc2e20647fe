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
import { labLanguage, LocalizedError, type Lang, type Localized } from './language.ts';
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
  /** `LAB_LANG`: the language of the printed lines and of `detail`. @default labLanguage() */
  lang?: Lang;
}

// A finding in both languages: `detail` is the lab's language, `details` both (types.ts).
function finding(status: SelfTestCheck['status'], details: Localized, lang: Lang): SelfTestCheck {
  return { status, detail: details[lang], details };
}

/** Runs the checks and keeps their report; the cookie's finding comes from the dashboard. */
export class SelfTest {
  #target: SelfTestTarget;
  #report: SelfTestReport;
  #printed = new Map<SelfTestName, string>();

  constructor(target: SelfTestTarget) {
    this.#target = target;
    const pending = (details: Localized): SelfTestCheck => this.#finding('pending', details);
    this.#report = {
      storeLink: pending({
        fr: 'un PING à travers le lien vers le magasin de sessions',
        en: 'a PING through the store link',
      }),
      sigterm: pending({
        fr: 'un SIGTERM à un processus jetable',
        en: 'a SIGTERM to a throwaway process',
      }),
      watcher: pending({
        fr: "l'écriture d'un fichier brouillon surveillé",
        en: 'a write to a watched scratch file',
      }),
      cookie: pending({
        fr: 'en attente du tableau de bord, qui doit renvoyer le cookie de test',
        en: 'waiting for the dashboard to send the test cookie back',
      }),
    };
  }

  #finding(status: SelfTestCheck['status'], details: Localized): SelfTestCheck {
    return finding(status, details, this.#target.lang ?? labLanguage());
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
        ? this.#finding('ok', {
            fr: 'le cookie de test est revenu : le cookie de session fonctionne ici',
            en: 'the test cookie came back: the session cookie works here',
          })
        : this.#finding('fallback', {
            fr: "le cookie de test n'est pas revenu (cookies tiers bloqués ?) : le tableau de bord porte la session dans l'en-tête X-Lab-Session",
            en: 'the test cookie did not come back (third-party cookies blocked?): the dashboard carries the session in the X-Lab-Session header',
          }),
    );
  }

  async #check(name: SelfTestName, run: () => Promise<SelfTestCheck>): Promise<void> {
    let finding: SelfTestCheck;
    try {
      finding = await run();
    } catch (error) {
      // Our own failures are written in both languages; a Node error's message in one only.
      const text = messageOf(error);
      const details = error instanceof LocalizedError ? error.texts : { fr: text, en: text };
      finding = this.#finding('failed', details);
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
        reject(
          new LocalizedError(
            {
              fr: `le magasin de sessions n'a pas répondu à un PING en ${STORE_TIMEOUT_MS} ms`,
              en: `the store did not answer a PING within ${STORE_TIMEOUT_MS} ms`,
            },
            this.#target.lang ?? labLanguage(),
          ),
        );
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
        reject(
          new LocalizedError(
            {
              fr: `le lien vers le magasin de sessions a refusé une connexion : ${messageOf(error)}`,
              en: `the store link refused a connection: ${messageOf(error)}`,
            },
            this.#target.lang ?? labLanguage(),
          ),
        );
      });
    });
    if (answer !== '+PONG' && !answer.startsWith('-')) {
      return this.#finding('failed', {
        fr: `le magasin de sessions a répondu « ${answer} » à un PING`,
        en: `the store answered "${answer}" to a PING`,
      });
    }
    const ms = Date.now() - started;
    return this.#finding('ok', {
      fr: `le magasin de sessions a répondu ${answer.slice(1)} à travers le lien en ${ms} ms`,
      en: `the store answered ${answer.slice(1)} through the link in ${ms} ms`,
    });
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
        return this.#finding('failed', {
          fr: "un processus node jetable n'a pas démarré",
          en: 'a throwaway node process did not start',
        });
      }
      const sent = Date.now();
      const delivered = seen('got SIGTERM', SIGTERM_TIMEOUT_MS);
      child.kill('SIGTERM');
      if (await delivered) {
        const ms = Date.now() - sent;
        return this.#finding('ok', {
          fr: `un gestionnaire de SIGTERM s'est exécuté ${ms} ms après le signal`,
          en: `a SIGTERM handler ran ${ms} ms after the signal`,
        });
      }
      this.#target.onSigtermLost(SHORT_GRACE_MS);
      return this.#finding('fallback', {
        fr: `un SIGTERM n'a pas atteint son gestionnaire en ${SIGTERM_TIMEOUT_MS} ms : les instances ont désormais ${SHORT_GRACE_MS} ms avant SIGKILL`,
        en: `a SIGTERM did not reach its handler within ${SIGTERM_TIMEOUT_MS} ms: instances now get ${SHORT_GRACE_MS} ms before SIGKILL`,
      });
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
        const ms = Date.now() - written;
        const why = state.error ? ` (${state.error})` : '';
        return this.#finding(state.error ? 'fallback' : 'ok', {
          fr: `la surveillance ${state.mode} a vu une écriture en ${ms} ms${why}`,
          en: `${state.mode} watching saw a write in ${ms} ms${why}`,
        });
      }
      if (state.mode !== 'polling') {
        const reason = `fs.watch did not report a write within ${WATCH_TIMEOUT_MS} ms`;
        this.#target.onWatcherSilent(reason);
        return this.#finding('fallback', {
          fr: `fs.watch n'a signalé aucune écriture en ${WATCH_TIMEOUT_MS} ms : les fichiers de l'app sont désormais interrogés toutes les ${POLL_EVERY_MS} ms`,
          en: `${reason}: the app's files are polled every ${POLL_EVERY_MS} ms instead`,
        });
      }
      return this.#finding('failed', {
        fr: `l'interrogation régulière n'a vu aucune écriture en ${WATCH_TIMEOUT_MS} ms : après une modification, utilisez « Remplacer toutes les instances »`,
        en: `polling did not see a write within ${WATCH_TIMEOUT_MS} ms: after an edit, use Replace`,
      });
    } finally {
      watcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
