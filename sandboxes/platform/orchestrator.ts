import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { messageOf } from './errors.ts';
import type { EventBus } from './events.ts';
import { Instance } from './instance.ts';
import {
  joinLocalized,
  labLanguage,
  LocalizedError,
  type Lang,
  type Localized,
} from './language.ts';
import { parseListeningLine, progressLine } from './lines.ts';
import { freePort, probe } from './net-utils.ts';
import type {
  ConfigChange,
  InstanceView,
  LabState,
  SessionStoreKind,
  StopReason,
  WatcherState,
} from './types.ts';
import { FolderWatcher, POLL_EVERY_MS, type WatchMode } from './watcher.ts';
import { PARENT_PID_VARIABLE } from './parent-watch.ts';
import { TASKS_FOLDER, TaskRunner } from './tasks.ts';

/** What the platform needs to run the app's instances. */
export interface OrchestratorOptions {
  appDir: string;
  sessionSecret: string;
  sessionStore: SessionStoreKind;
  sticky: boolean;
  /** How long a new session lives, in seconds (`SESSION_MAX_AGE_SECONDS`). @default 86400 */
  sessionMaxAgeSeconds?: number;
  desired: number;
  /** The Redis URL the instances use (the store link's address). */
  redisUrl: string;
  bus: EventBus;
  /** Whether the store link is up: while it is down, an instance that is alive but not ready may still join. */
  storeUp: () => boolean;
  /** Starts a rolling replacement when the app's files change. @default true */
  watch?: boolean;
  /** How the app's files are watched (`LAB_WATCH_MODE`). @default 'per-file' */
  watchMode?: WatchMode;
  /** How long an instance has between SIGTERM and SIGKILL (`LAB_STOP_GRACE_MS`). @default 10000 */
  stopGraceMs?: number;
  /** `LAB_FRAMED=1`: the app is shown in a frame of another site, over HTTPS outside. */
  framed?: boolean;
  /** Prints one line of the lab's own output (the watcher's mode and fallbacks). */
  log?: (message: string) => void;
  /** `LAB_LANG`: the language of the lab's messages, passed on to every instance. @default labLanguage() */
  lang?: Lang;
  /** How long a one-off task may run before it is killed (`LAB_TASK_TIMEOUT_MS`). @default 30000 */
  taskTimeoutMs?: number;
}

/** A rollout that is due or under way, as `GET /lab/state` shows it. */
type DueRollout = NonNullable<LabState['rollout']>;

// A packaged lab names the preload's bundle in LAB_INSTANCE_PRELOAD, as it names the store's.
const instancePreload = (): string =>
  process.env['LAB_INSTANCE_PRELOAD'] ||
  fileURLToPath(new URL('./instance-preload.ts', import.meta.url));

// `--import` came with Node 18.18 and 20.6. A runtime without it still runs the lab, degraded:
// each instance gets a port chosen ahead (which may race) and may outlive a killed lab.
const canPreload = process.allowedNodeEnvironmentFlags.has('--import');

// A rollout's reason is a code that tools and the guided steps read, so it stays in English
// whatever the lab's language; the dashboard shows it in its page's language.
/** The reason a rollout gets when the watcher saw an edit. */
export const EDIT_REASON = 'the app files changed';
/** The reason of a rollout that `POST /lab/replace` asked for. */
export const REPLACE_REASON = 'replace requested';
/** The reason of a rollout to a new session store: `session store: memory → redis`. */
export function storeChangeReason(from: SessionStoreKind, to: SessionStoreKind): string {
  return `session store: ${from} → ${to}`;
}
/** The reason of a rollout to a new session lifetime: `session max age: 86400 s → 30 s`. */
export function maxAgeChangeReason(from: number, to: number): string {
  return `session max age: ${from} s → ${to} s`;
}
/** A session's lifetime when nothing sets it (a day), and the range `PUT /lab/config` accepts. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 24 * 60 * 60;
export const MIN_SESSION_MAX_AGE_SECONDS = 5;
export const MAX_SESSION_MAX_AGE_SECONDS = 24 * 60 * 60;
/** An edit is rolled out once the files have been quiet this long (an editor saves in bursts). */
const EDIT_DEBOUNCE_MS = 300;
/** When the lab stops, instances get at most this long before SIGKILL, whatever the grace. */
const CLOSE_GRACE_MAX_MS = 5000;

/**
 * A rollout that stopped because a new instance did not start; the old instances keep serving.
 * Its message exists in both languages (see language.ts); `message` is the lab's.
 */
export class RolloutError extends LocalizedError {
  /** How many old instances had been replaced when the rollout stopped. */
  replaced = 0;
}

/** How long a new instance has to answer its readiness check. */
const START_TIMEOUT_MS = 30_000;
/** Readiness is checked this often once an instance is up (and every 50 ms while it starts). */
const READINESS_EVERY_MS = 500;
/** Liveness is checked this often; this many failures in a row get the process restarted. */
const LIVENESS_EVERY_MS = 1000;
const LIVENESS_FAILURES = 3;
/** After failed replacements, the next attempt waits this long, doubling up to the maximum. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 10_000;

/**
 * The orchestrator: it stands for the container platform (Kubernetes, ECS…) and keeps the desired number of instances running, replaces
 * the ones that die, rolls out new configurations and new code one instance at a time, and
 * probes liveness and readiness. The app knows nothing about it.
 */
export class Orchestrator {
  readonly instances: Instance[] = [];
  /** The app's one-off admin tasks, run beside the instances with their release and config. */
  readonly tasks: TaskRunner;
  #options: OrchestratorOptions;
  #desired: number;
  #sessionStore: SessionStoreKind;
  #sticky: boolean;
  #sessionMaxAgeSeconds: number;
  #lastError: string | null = null;
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #watcher: FolderWatcher | null = null;
  #editTimer: NodeJS.Timeout | null = null;
  #editDue: DueRollout | null = null;
  #due: DueRollout[] = [];
  #stopGraceMs: number;
  #onChange: () => void;

  constructor(options: OrchestratorOptions, onChange: () => void) {
    this.#options = options;
    this.#desired = options.desired;
    this.#sessionStore = options.sessionStore;
    this.#sticky = options.sticky;
    this.#sessionMaxAgeSeconds = options.sessionMaxAgeSeconds ?? DEFAULT_SESSION_MAX_AGE_SECONDS;
    this.#stopGraceMs = options.stopGraceMs ?? 10_000;
    this.#onChange = onChange;
    this.tasks = new TaskRunner({
      appDir: options.appDir,
      bus: options.bus,
      // The configuration of the moment: a task started after a switch to Redis uses Redis.
      environment: () => this.#environment(this.#sessionStore),
      // The instances' preload: the task, too, ends when the lab is gone.
      nodeArgs: () => (canPreload ? ['--import', pathToFileURL(instancePreload()).href] : []),
      ...(options.taskTimeoutMs === undefined ? {} : { timeoutMs: options.taskTimeoutMs }),
    });
  }

  /** The oldest rollout that is due or under way, or null when none is. */
  get rollout(): DueRollout | null {
    const first = this.#due[0];
    return first ? { ...first } : null;
  }

  /** How the app's files are watched. */
  get watcher(): WatcherState {
    if (!(this.#options.watch ?? true)) return { mode: 'off', error: null };
    return this.#watcher?.state ?? { mode: this.#options.watchMode ?? 'per-file', error: null };
  }

  /** How long an instance has between SIGTERM and SIGKILL, in milliseconds. */
  get stopGraceMs(): number {
    return this.#stopGraceMs;
  }
  set stopGraceMs(value: number) {
    this.#stopGraceMs = value;
    this.#changed();
  }

  /** Switches the app's watcher to polling (the self-test found `fs.watch` silent). */
  pollAppFiles(reason: string): void {
    this.#watcher?.usePolling(reason);
  }

  get desired(): number {
    return this.#desired;
  }
  get sessionStore(): SessionStoreKind {
    return this.#sessionStore;
  }
  get sticky(): boolean {
    return this.#sticky;
  }
  /** How long a new session lives, in seconds: the instances' `SESSION_MAX_AGE_SECONDS`. */
  get sessionMaxAgeSeconds(): number {
    return this.#sessionMaxAgeSeconds;
  }
  get lastError(): string | null {
    return this.#lastError;
  }

  // The language of the lab's messages, and of its instances'.
  get #lang(): Lang {
    return this.#options.lang ?? labLanguage();
  }

  /**
   * Starts the desired instances together and waits until every one is ready. When the app's
   * files do not start, the platform still comes up, reports the error in `lastError` and keeps
   * retrying, as a deployment whose pods crash-loop does: mending the files brings it back.
   */
  async start(onProgress: (message: string) => void = () => {}): Promise<void> {
    if (!canPreload) {
      this.#options.log?.(
        `this Node (${process.version}) has no --import: instances get ports chosen ahead and may outlive a lab that is killed`,
      );
    }
    await this.#serial(async () => {
      const starting = Array.from({ length: this.#desired }, (_, index) => {
        onProgress(progressLine.instance(index + 1, this.#desired));
        return this.#launchReady();
      });
      const results = await Promise.allSettled(starting);
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) {
        const message = messageOf(failure.reason);
        this.#lastError = message;
        this.#options.bus.emit({ type: 'rollout-failed', at: Date.now(), error: message });
        this.#changed();
        this.#retryLater();
      }
    });
    if (this.#options.watch ?? true) this.#watchAppFiles();
  }

  /** The instances the balancer may send a request to, in the order they started. */
  routable(): Instance[] {
    const ready = this.instances.filter((instance) => instance.status === 'ready');
    if (ready.length > 0) return ready;
    // When no instance is ready (the store is down), the live ones still answer, with their own
    // 503: better the app's explanation than a blind error from the balancer.
    return this.instances.filter((instance) => instance.status === 'unready');
  }

  /** The instances as the control API shows them. */
  view(): InstanceView[] {
    return this.instances.map((instance) => instance.view());
  }

  /** Kills one instance abruptly; the platform then replaces it. False when the id is unknown. */
  kill(id: string): boolean {
    const instance = this.instances.find((candidate) => candidate.id === id);
    if (!instance || !instance.alive) return false;
    instance.kill('killed');
    return true;
  }

  /**
   * Replaces every instance, one at a time: start a new one, wait until ready, stop an old one.
   * The rollout shows in `rollout` from this call (or from `due`, the edit that made it due)
   * until it has finished or failed.
   */
  replaceAll(reason: string, due: DueRollout = this.#markDue(reason)): Promise<void> {
    return this.#serial(async () => {
      try {
        await this.#rollout(reason, this.#sessionStore);
        // A rollout replaces what runs; when fewer instances run than desired (the app's files
        // did not start before), the missing ones start now.
        await this.#reconcile();
      } finally {
        this.#markDone(due);
      }
    });
  }

  /** Sets how many instances run, starting or stopping the difference. */
  scale(count: number): Promise<void> {
    return this.#serial(async () => {
      this.#desired = count;
      this.#changed();
      await this.#reconcile();
    });
  }

  /**
   * Applies a new configuration. A new session store or session lifetime is the instances'
   * environment, so it needs new processes and rolls out; if the first new instance fails,
   * nothing changes. Stickiness lives in the balancer alone.
   */
  configure(change: ConfigChange): Promise<void> {
    const reason = this.#rolloutReason(change);
    const due = reason === null ? null : this.#markDue(reason);
    return this.#serial(async () => {
      try {
        await this.#configure(change);
      } finally {
        if (due) this.#markDone(due);
      }
    });
  }

  // Why a change needs new instances (what it changes in their environment), or null.
  #rolloutReason(change: ConfigChange): string | null {
    const reasons: string[] = [];
    if (change.sessionStore !== undefined && change.sessionStore !== this.#sessionStore) {
      reasons.push(storeChangeReason(this.#sessionStore, change.sessionStore));
    }
    const maxAge = change.sessionMaxAgeSeconds;
    if (maxAge !== undefined && maxAge !== this.#sessionMaxAgeSeconds) {
      reasons.push(maxAgeChangeReason(this.#sessionMaxAgeSeconds, maxAge));
    }
    return reasons.length > 0 ? reasons.join(', ') : null;
  }

  // The change itself, once it is this configuration's turn.
  async #configure(change: ConfigChange): Promise<void> {
    if (change.sticky !== undefined && change.sticky !== this.#sticky) {
      this.#sticky = change.sticky;
      this.#changed();
    }
    const reason = this.#rolloutReason(change);
    if (reason === null) return;
    const previous = { store: this.#sessionStore, maxAge: this.#sessionMaxAgeSeconds };
    this.#sessionStore = change.sessionStore ?? previous.store;
    this.#sessionMaxAgeSeconds = change.sessionMaxAgeSeconds ?? previous.maxAge;
    this.#changed();
    try {
      await this.#rollout(reason, this.#sessionStore);
    } catch (error) {
      // When no instance was replaced, the old configuration is still the one that runs.
      if (error instanceof RolloutError && error.replaced === 0) {
        this.#sessionStore = previous.store;
        this.#sessionMaxAgeSeconds = previous.maxAge;
        this.#changed();
      }
      throw error;
    }
  }

  /** Stops every instance politely, any task still running, and the file watcher. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#editTimer) clearTimeout(this.#editTimer);
    const grace = Math.min(this.#stopGraceMs, CLOSE_GRACE_MAX_MS);
    await Promise.all([
      ...this.instances.map((instance) => instance.terminate('lab-stopped', grace)),
      this.tasks.close(),
    ]);
  }

  // A rollout is due from the moment its cause is seen, before it waits its turn in the queue.
  #markDue(reason: string): DueRollout {
    const due = { reason, startedAt: Date.now() };
    this.#due.push(due);
    this.#changed();
    return due;
  }

  #markDone(due: DueRollout): void {
    const index = this.#due.indexOf(due);
    if (index >= 0) this.#due.splice(index, 1);
    this.#changed();
  }

  // Platform operations run one after another, as a real platform serialises rollouts.
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #changed(): void {
    this.#onChange();
  }

  async #rollout(reason: string, sessionStore: SessionStoreKind): Promise<void> {
    const bus = this.#options.bus;
    bus.emit({ type: 'rollout-started', at: Date.now(), reason });
    const old = this.instances.filter((instance) => instance.status !== 'stopping');
    let replaced = 0;
    try {
      for (const previous of old) {
        if (!previous.alive) continue;
        try {
          await this.#launchReady(sessionStore);
        } catch (error) {
          const cause = error instanceof LocalizedError ? error.texts : messageOf(error);
          const detail: Localized =
            replaced === 0
              ? {
                  fr: "rien n'a changé : les anciennes instances continuent de servir",
                  en: 'nothing changed: the old instances keep serving',
                }
              : {
                  fr: `${replaced} instances sur ${old.length} avaient été remplacées quand il s'est arrêté`,
                  en: `${replaced} of ${old.length} instances were replaced before it stopped`,
                };
          const failure = new RolloutError(joinLocalized(cause, '\n(', detail, ')'), this.#lang);
          failure.replaced = replaced;
          throw failure;
        }
        await this.#retire(previous, 'replaced');
        replaced += 1;
      }
    } catch (error) {
      const message = messageOf(error);
      this.#lastError = message;
      bus.emit({ type: 'rollout-failed', at: Date.now(), error: message });
      this.#changed();
      throw error;
    }
    this.#lastError = null;
    bus.emit({ type: 'rollout-finished', at: Date.now() });
    this.#changed();
  }

  // Brings the number of live instances to the desired count.
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const live = (): Instance[] =>
      this.instances.filter((instance) => instance.status !== 'stopping');
    const surplus = live().length - this.#desired;
    if (surplus > 0) {
      const newestFirst = live().slice(-surplus).reverse();
      await Promise.all(newestFirst.map((instance) => this.#retire(instance, 'scaled-down')));
      return;
    }
    const missing = -surplus;
    if (missing === 0) return;
    const results = await Promise.allSettled(
      Array.from({ length: missing }, () => this.#launchReady()),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      this.#lastError = messageOf(failure.reason);
      this.#changed();
      this.#retryLater();
      throw failure.reason;
    }
    this.#backoffMs = 0;
  }

  // A replacement that fails (the app's files are broken) is tried again later, less and less
  // often, as a container platform backs off a crash loop.
  #retryLater(): void {
    if (this.#closed || this.#retryTimer) return;
    this.#backoffMs =
      this.#backoffMs === 0 ? BACKOFF_FIRST_MS : Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#serial(() => this.#reconcile()).catch(() => undefined);
    }, this.#backoffMs);
  }

  async #retire(instance: Instance, reason: StopReason): Promise<void> {
    // Out of the balancer first, then SIGTERM: requests in flight finish, no new ones arrive.
    instance.status = 'stopping';
    this.#changed();
    await instance.terminate(reason, this.#stopGraceMs);
  }

  // Starts one instance and resolves when it may take traffic; cleans up and rejects otherwise.
  async #launchReady(sessionStore: SessionStoreKind = this.#sessionStore): Promise<Instance> {
    const instance = await this.#launch(sessionStore);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!instance.alive) {
        const exit = await instance.exited;
        const tail = instance.tail() ? `\n${instance.tail()}` : '';
        const id = instance.id;
        throw new RolloutError(
          exit.signal
            ? {
                fr: `${id} n'a pas démarré : ${exit.signal} l'a arrêtée.${tail}`,
                en: `${id} did not start: it was stopped by ${exit.signal}.${tail}`,
              }
            : {
                fr: `${id} n'a pas démarré : elle s'est terminée avec le code ${exit.code}.${tail}`,
                en: `${id} did not start: it exited with code ${exit.code}.${tail}`,
              },
          this.#lang,
        );
      }
      if (instance.status === 'ready') return instance;
      // While the store is down, a redis-backed instance can never be ready; being alive is
      // all the platform can ask of it.
      if (instance.status === 'unready' && !this.#options.storeUp()) return instance;
      // Woken by the readiness probe's verdict; the store link has no event, hence the limit.
      await instance.changeOrAfter(25);
    }
    await instance.terminate('failed-to-start', 2000);
    const seconds = START_TIMEOUT_MS / 1000;
    throw new RolloutError(
      {
        fr: `${instance.id} n'est pas devenue prête en ${seconds} s : regardez ce qu'elle a affiché.`,
        en: `${instance.id} did not become ready within ${seconds} s: look at what it printed.`,
      },
      this.#lang,
    );
  }

  async #launch(sessionStore: SessionStoreKind): Promise<Instance> {
    const id = `web-${this.#nextId++}`;
    const { appDir, bus } = this.#options;
    // The preload (ours, not the learner's) ends the instance when the lab is gone and reports
    // the port the app got: the app listens on port 0, so no two instances race for a port.
    const port = canPreload ? 0 : await freePort();
    const preload = canPreload ? ['--import', pathToFileURL(instancePreload()).href] : [];
    const args = [...preload, path.join(appDir, 'server.js')];
    const child = spawn(process.execPath, args, {
      cwd: appDir,
      env: {
        ...this.#environment(sessionStore),
        // What makes this process one instance among others; a one-off task gets none of it.
        PORT: String(port),
        HOST: '127.0.0.1',
        INSTANCE_ID: id,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new Instance(id, child);
    if (!canPreload) instance.listen(port);
    this.instances.push(instance);
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      readline.createInterface({ input: source }).on('line', (line) => {
        // The preload's listening line is for the platform, not for the learner's log.
        if (stream === 'stdout' && instance.port === 0) {
          const port = parseListeningLine(line);
          if (port !== null) {
            instance.listen(port);
            return;
          }
        }
        instance.remember(line);
        bus.emit({ type: 'log', at: Date.now(), instance: id, stream, line });
      });
    }
    this.#changed();
    void instance.listening.then((port) => {
      if (!instance.alive) return;
      bus.emit({ type: 'instance-started', at: Date.now(), id, port, pid: instance.pid });
      this.#changed();
      void this.#probeReadiness(instance);
    });
    void instance.exited.then((exit) => this.#onExit(instance, exit.code, exit.signal));
    return instance;
  }

  // The config every process of the app gets, instances and one-off tasks alike (factor III):
  // everything but what makes a process one instance (its port, its address, its id).
  #environment(sessionStore: SessionStoreKind): NodeJS.ProcessEnv {
    const { sessionSecret, redisUrl } = this.#options;
    const framed = this.#options.framed ?? false;
    return {
      ...withoutLabSecrets(process.env),
      NODE_ENV: 'production',
      // Node 22 and later keep compiled modules here, so a new instance starts faster; older
      // versions ignore it.
      NODE_COMPILE_CACHE: path.join(os.tmpdir(), 'twelve-factor-lab-compile-cache'),
      // For the preload only: the lab's pid, so that an instance outlives it by no more than a moment.
      [PARENT_PID_VARIABLE]: String(process.pid),
      SESSION_STORE: sessionStore,
      SESSION_MAX_AGE_SECONDS: String(this.#sessionMaxAgeSeconds),
      REDIS_URL: redisUrl,
      SESSION_SECRET: sessionSecret,
      // The app speaks the lab's language: its shutdown line, its warnings, its errors.
      LAB_LANG: this.#lang,
      // The app's own, platform-neutral settings for where it is shown. In a frame of another
      // site, over HTTPS outside, a browser only sends back a SameSite=None; Secure cookie,
      // and with third-party cookies blocked only a Partitioned one.
      SESSION_COOKIE_SAMESITE: framed ? 'none' : 'lax',
      SESSION_COOKIE_SECURE: framed ? '1' : '0',
      SESSION_COOKIE_PARTITIONED: framed ? '1' : '0',
      // The app always sits behind one proxy, the balancer, which tells it the visitor's
      // scheme in X-Forwarded-Proto.
      TRUST_PROXY: '1',
    };
  }

  #onExit(instance: Instance, code: number | null, signal: NodeJS.Signals | null): void {
    const index = this.instances.indexOf(instance);
    if (index >= 0) this.instances.splice(index, 1);
    const reason =
      instance.stopReason ?? (instance.status === 'starting' ? 'failed-to-start' : 'crashed');
    this.#options.bus.emit({
      type: 'instance-stopped',
      at: Date.now(),
      id: instance.id,
      reason,
      code,
      signal,
      forced: instance.forced,
    });
    this.#changed();
    // A process that died on its own, or was killed, is replaced; one the platform stopped is not.
    if (!this.#closed && (reason === 'killed' || reason === 'crashed' || reason === 'unhealthy')) {
      this.#serial(() => this.#reconcile()).catch(() => undefined);
    }
  }

  // Readiness decides whether the balancer sends traffic; liveness whether the process is
  // restarted. The two are separate checks on purpose: see the app's health.js.
  async #probeReadiness(instance: Instance): Promise<void> {
    let livenessFailures = 0;
    let lastLiveness = 0;
    while (instance.alive && !this.#closed) {
      const starting = instance.status === 'starting';
      const code = await probe(instance.port, '/readyz', 1000);
      if (!instance.alive || instance.status === 'stopping') return;
      if (code === 200) this.#setStatus(instance, 'ready');
      else if (code !== null) this.#setStatus(instance, 'unready');
      if (!starting && Date.now() - lastLiveness >= LIVENESS_EVERY_MS) {
        lastLiveness = Date.now();
        const live = await probe(instance.port, '/healthz', 1000);
        livenessFailures = live === 200 ? 0 : livenessFailures + 1;
        if (
          livenessFailures >= LIVENESS_FAILURES &&
          instance.alive &&
          instance.stopReason === null
        ) {
          instance.kill('unhealthy');
          return;
        }
      }
      await sleep(instance.status === 'starting' ? 50 : READINESS_EVERY_MS);
    }
  }

  #setStatus(instance: Instance, status: 'ready' | 'unready'): void {
    if (instance.status === status) return;
    instance.status = status;
    this.#options.bus.emit({
      type: status === 'ready' ? 'instance-ready' : 'instance-unready',
      at: Date.now(),
      id: instance.id,
    });
    this.#changed();
  }

  // An edit to the app's files rolls out to every instance, as a new image would. The rollout is
  // due from the first event; it starts once the files have been quiet for a moment.
  #watchAppFiles(): void {
    const log = this.#options.log ?? (() => {});
    const mode = this.#options.watchMode ?? 'per-file';
    // Editing a task rolls nothing out: a task is read afresh each time it runs, and no
    // instance runs it, so the instances have nothing new to load.
    const ignore = { ignore: [TASKS_FOLDER] };
    const watcher = new FolderWatcher(
      this.#options.appDir,
      mode,
      {
        onChange: () => {
          if (this.#closed) return;
          this.#editDue ??= this.#markDue(EDIT_REASON);
          if (this.#editTimer) clearTimeout(this.#editTimer);
          this.#editTimer = setTimeout(() => {
            this.#editTimer = null;
            const due = this.#editDue ?? this.#markDue(EDIT_REASON);
            this.#editDue = null;
            this.replaceAll(EDIT_REASON, due).catch(() => undefined);
          }, EDIT_DEBOUNCE_MS);
        },
        onFallback: (state) => {
          log(`watcher: ${state.error}; ${describeWatchMode(state.mode)} instead`);
          this.#changed();
        },
      },
      ignore,
    );
    this.#watcher = watcher;
    watcher.start();
    log(`watching the app's files: ${describeWatchMode(watcher.state.mode)}`);
  }
}

/** How the lab says, in its output, the way it watches the app's files. */
export function describeWatchMode(mode: WatcherState['mode']): string {
  switch (mode) {
    case 'recursive':
      return 'one recursive fs.watch';
    case 'per-file':
      return 'one fs.watch per file and folder';
    case 'polling':
      return `polling every ${POLL_EVERY_MS} ms`;
    case 'off':
      return 'off';
  }
}

/**
 * Variables that belong to the lab alone and that no process of the app may see: the instructor's
 * key drives the lab, and an app file a learner edits (or a task) could print it to the room.
 */
export const LAB_ONLY_VARIABLES = ['CLASSROOM_KEY'] as const;

/** The lab's own environment for the app's processes, without what belongs to the lab alone. */
function withoutLabSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of LAB_ONLY_VARIABLES) delete copy[name];
  return copy;
}
