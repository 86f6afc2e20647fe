/**
 * Shapes shared by the platform, its control API, its event stream and the dashboard.
 * They follow "The lab contract" in the design: lessons, tests and outside tools rely on them.
 */

/** Which session store the instances use. */
export type SessionStoreKind = 'memory' | 'redis';

/**
 * `LAB_LANG`: the language of every sentence the lab writes for people (the app's shutdown line,
 * its warnings and errors, the platform's errors and self-test details), `fr` or `en`. The
 * sandbox sets it from the page's language; `npm run lab` defaults to the system locale's
 * (`LC_ALL`, `LC_MESSAGES`, `LANG`), else `fr`; the platform passes it to every instance. A
 * control API error answers in the request's `Accept-Language` when it names `fr` or `en` (the
 * dashboard sends its page's), else in `LAB_LANG`; its shape stays `{"error": "<sentence>"}`.
 * Lines that programs read (ready, progress, self-test, listening: lines.ts) keep one format in
 * every language; only their sentences for people change. See language.ts.
 */
export type LabLanguage = 'fr' | 'en';

/**
 * What the app answers to `POST /api/visit` and `GET /api/session`. `GET /api/session` adds
 * `expiresInSeconds`: the seconds left before the session expires, read from the store (Redis:
 * `TTL sess:<id>`; memory: the MemoryStore's expiry), `null` when the store holds no such session.
 * `DELETE /api/session` ends the session and answers `visits: 0, expiresInSeconds: null`.
 */
export interface SessionAnswer {
  instance: string;
  visits: number;
  store: SessionStoreKind;
  expiresInSeconds?: number | null;
}

/** What `PUT /lab/config` may change; a new store or session lifetime rolls out to new instances. */
export interface ConfigChange {
  sessionStore?: SessionStoreKind;
  sticky?: boolean;
  /** How long a new session lives, in seconds (`SESSION_MAX_AGE_SECONDS` of the instances). */
  sessionMaxAgeSeconds?: number;
}

/**
 * Where an instance is in its life.
 * - `starting`: the process is up but has not answered its readiness check yet.
 * - `ready`: it answers `/readyz` with 200; the balancer sends it traffic.
 * - `unready`: it is alive (`/healthz` answers) but `/readyz` fails, usually because the store is down.
 * - `stopping`: it got SIGTERM and is finishing what is in flight.
 */
export type InstanceStatus = 'starting' | 'ready' | 'unready' | 'stopping';

/** One instance as `GET /lab/state` shows it. */
export interface InstanceView {
  id: string;
  /** The port the app got (instances listen on port 0 and report it); 0 until it listens. */
  port: number;
  pid: number;
  status: InstanceStatus;
  /** Requests this instance has answered through the balancer. */
  served: number;
}

/** The answer of `GET /lab/state`. */
export interface LabState {
  instances: InstanceView[];
  sessionStore: SessionStoreKind;
  sticky: boolean;
  /**
   * How long a new session lives, in seconds: the instances' `SESSION_MAX_AGE_SECONDS`, set by
   * `PUT /lab/config` `{"sessionMaxAgeSeconds"}` (5 to 86400; a day unless set).
   */
  sessionMaxAgeSeconds: number;
  store: {
    kind: 'embedded' | 'external';
    up: boolean;
    /** The embedded store's own port, `null` when the store is an external Redis. */
    port: number | null;
  };
  /** How many instances the platform keeps running. */
  desired: number;
  /** The last rollout that failed (an app file that does not start), until a rollout succeeds; in `LAB_LANG`. */
  lastError: string | null;
  /**
   * A rollout that is due or under way: from the moment it is due (an edit seen, a config
   * change, a replace) until it has finished or failed. Whoever waits for a rollout (checks,
   * Solve, Reset, tests) waits until this is `null` again. `reason` is a code in English that
   * tools and guided steps read (`replace requested`, `the app files changed`, `session store:
   * memory → redis`), whatever `LAB_LANG` says; the dashboard shows it in its page's language.
   */
  rollout: { reason: string; startedAt: number } | null;
  /** `LAB_FRAMED=1`: the dashboard is shown in a frame of another site (WebContainer's preview). */
  framed: boolean;
  /** How the orchestrator sees edits of the app's files. */
  watcher: WatcherState;
  /** How long an instance has between SIGTERM and SIGKILL, in milliseconds. */
  stopGraceMs: number;
  /** What the lab found out about its runtime when it started (`LAB_SELF_TEST=1`), or null. */
  selfTest: SelfTestReport | null;
}

/**
 * How edits are seen: `per-file` (the default: one `fs.watch` per file and per folder, for new
 * files), `recursive` (one recursive `fs.watch` of the folder, only when `LAB_WATCH_MODE` asks;
 * it throws in some runtimes, and falls back to `per-file`), `polling` (the files' sizes and
 * times compared every 500 ms, where `fs.watch` fails or stays silent), `off` (`LAB_WATCH=0`).
 * `LAB_WATCH_MODE=per-file|recursive|polling` chooses where to start.
 */
export interface WatcherState {
  mode: 'recursive' | 'per-file' | 'polling' | 'off';
  /** Why the watcher fell back, or stopped, in a sentence; null when all is well. */
  error: string | null;
}

/** One finding of the self-test: `ok`, `fallback` (works another way, said in `detail`), `failed`, or not known yet. */
export interface SelfTestCheck {
  status: 'pending' | 'ok' | 'fallback' | 'failed';
  /** The finding in a sentence, in the lab's language (`LAB_LANG`), as the self-test line prints it. */
  detail: string;
  /**
   * The same sentence in both languages, so that a dashboard shows its page's. Absent from
   * recordings made before it existed, where `detail` is all there is.
   */
  details?: { fr: string; en: string };
}

/** What the self-test of a browser runtime found, one check each. */
export interface SelfTestReport {
  /** A PING through the store link, answered by the store. */
  storeLink: SelfTestCheck;
  /** A SIGTERM sent to a throwaway child reached its handler. */
  sigterm: SelfTestCheck;
  /** The file watcher fired on a write. */
  watcher: SelfTestCheck;
  /** The cookie set for the dashboard came back to the lab (reported by the dashboard). */
  cookie: SelfTestCheck;
}

/** The names of the self-test's checks, in the order they are printed. */
export type SelfTestName = keyof SelfTestReport;

/** Why an instance stopped. */
export type StopReason =
  | 'killed'
  | 'crashed'
  | 'unhealthy'
  | 'replaced'
  | 'scaled-down'
  | 'failed-to-start'
  | 'lab-stopped';

/**
 * Everything the platform tells through `GET /lab/events` (Server-Sent Events).
 * Each event is sent as `event: <type>` with the JSON of the whole object as `data`.
 */
export type LabEvent =
  | { type: 'state'; at: number; state: LabState }
  | {
      type: 'request';
      at: number;
      instance: string | null;
      method: string;
      path: string;
      status: number;
      /** Milliseconds from the balancer receiving the request to the response head. */
      ms: number;
      /** A short, non-reversible tag of the caller's session cookie, so a timeline can follow one visitor. */
      session: string | null;
    }
  | { type: 'instance-started'; at: number; id: string; port: number; pid: number }
  | { type: 'instance-ready'; at: number; id: string }
  | { type: 'instance-unready'; at: number; id: string }
  | {
      type: 'instance-stopped';
      at: number;
      id: string;
      reason: StopReason;
      code: number | null;
      signal: string | null;
      /** The process did not exit within the grace period after SIGTERM and was killed with SIGKILL. */
      forced: boolean;
    }
  | { type: 'store-down'; at: number }
  | { type: 'store-up'; at: number }
  | { type: 'rollout-started'; at: number; reason: string }
  | { type: 'rollout-finished'; at: number }
  | { type: 'rollout-failed'; at: number; error: string }
  | { type: 'log'; at: number; instance: string; stream: 'stdout' | 'stderr'; line: string }
  /** Sent every few seconds, so a dashboard can tell a quiet stream from a buffered one. */
  | { type: 'heartbeat'; at: number }
  | { type: 'self-test'; at: number; report: SelfTestReport }
  | TaskEvent;

/**
 * A one-off admin process (`POST /lab/tasks/{name}`, see tasks.ts) as the event stream tells it:
 * `started` (its pid, and how long it may run), each line it prints (`output`), then `finished`.
 * `run` numbers the runs of the lab's life, so that two runs of one task can be told apart.
 */
export type TaskEvent =
  | {
      type: 'task';
      phase: 'started';
      at: number;
      task: string;
      run: number;
      pid: number;
      timeoutMs: number;
    }
  | {
      type: 'task';
      phase: 'output';
      at: number;
      task: string;
      run: number;
      stream: 'stdout' | 'stderr';
      line: string;
    }
  | {
      type: 'task';
      phase: 'finished';
      at: number;
      task: string;
      run: number;
      exitCode: number | null;
      signal: string | null;
      timedOut: boolean;
      ms: number;
    };

/**
 * The answer of `GET /lab/tasks`: the names of the app's `tasks/*.js`, without `.js`, sorted (a
 * subfolder of `tasks/` is no task). A task's process gets the instances' environment without
 * `PORT`, `HOST` and `INSTANCE_ID`, and with `TASK_NAME`; it may run `LAB_TASK_TIMEOUT_MS`
 * (30000 by default). The sessions lab's tasks print a count line that starts with the number
 * and the word "session" (`2 sessions found in Redis…`, `0 session trouvée.`), which the guided
 * steps' `task-sessions` fact reads.
 */
export interface TaskList {
  tasks: string[];
}

/**
 * The answer of `POST /lab/tasks/{name}`, once the task's process has ended. `exitCode` is null
 * when a signal ended it (`signal`), e.g. the lab's SIGKILL after `LAB_TASK_TIMEOUT_MS`
 * (`timedOut`); `output` is what it printed, stdout and stderr, line by line.
 */
export interface TaskResult {
  task: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** How long it ran, in milliseconds. */
  ms: number;
  output: string;
}

/**
 * One participant of a classroom (`npm run classroom`) as `GET /lab/room` shows them. A
 * participant is a browser that opened `/join` (the `lab.participant` cookie), whatever
 * becomes of its session.
 */
export interface RoomParticipant {
  /** `P1`, `P2`…, in the order they first visited. */
  name: string;
  /** Visits the app counted for them (answers 200 to `POST /api/visit`). */
  visits: number;
  /** The count the app answered last, `null` before the first visit. */
  count: number | null;
  /** The instance that answered last. */
  instance: string | null;
  /** How many times an instance stop took their session with it (memory sessions). */
  lost: number;
}

/** One instance stop in a classroom, and what it cost the room. */
export interface RoomStop {
  at: number;
  instance: string;
  reason: StopReason;
  /** Participants whose session that instance held in its memory: lost with it. */
  lost: number;
  /** Participants it had served whose session is in Redis: kept. */
  kept: number;
}

/** The answer of `GET /lab/room` (classroom mode only): the room at a glance, for the projector. */
export interface RoomState {
  sessionStore: SessionStoreKind;
  store: { kind: 'embedded' | 'external'; up: boolean };
  /** The ids of the instances running now. */
  instances: string[];
  participants: RoomParticipant[];
  /** The last instance stops, oldest first. */
  stops: RoomStop[];
}

/** The answer of `GET /lab/room/me`: the caller's own record, for `/join` to explain what happened. */
export interface ParticipantView extends RoomParticipant {
  /** The last stops of instances that had served this participant, oldest first. */
  stops: { at: number; instance: string; reason: StopReason; lost: boolean }[];
}

/**
 * Headers of the session's second way to travel, for browsers that refuse the cookie in a frame
 * of another site. The balancer adds `X-Lab-Cookie` to every app answer; a request that carries
 * `X-Lab-Session` (even empty) gets a new session's cookie value back in `X-Lab-Session`, and a
 * request that carries a value has it turned into the session cookie the app reads.
 */
export const SESSION_HEADERS = {
  /** Request and response: the session cookie's value, carried by the dashboard itself. */
  session: 'x-lab-session',
  /** Response: `sent` (the request had the session cookie), `new` (it had none and the app started a session), `none`. */
  cookie: 'x-lab-cookie',
} as const;

/**
 * The variables of a local lab's pre-built bundles (bundles.ts): `LAB_BUNDLES` says which the lab
 * uses (`dependencies,preload` by default, one of them, or `0`), `LAB_BUNDLE_CACHE` where they are
 * kept (node_modules/.cache/lab-bundles by default), and through `LAB_BUNDLE_MANIFEST` the lab
 * names their manifest to its instances' preload.
 */
export const BUNDLE_VARIABLES = {
  kinds: 'LAB_BUNDLES',
  cache: 'LAB_BUNDLE_CACHE',
  manifest: 'LAB_BUNDLE_MANIFEST',
} as const;
