/**
 * Shapes shared by the platform, its control API, its event stream and the dashboard.
 * They follow "The lab contract" in the design: lessons, tests and outside tools rely on them.
 */

/** Which session store the instances use. */
export type SessionStoreKind = 'memory' | 'redis';

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
  store: {
    kind: 'embedded' | 'external';
    up: boolean;
    /** The embedded store's own port, `null` when the store is an external Redis. */
    port: number | null;
  };
  /** How many instances the platform keeps running. */
  desired: number;
  /** The last rollout that failed (an app file that does not start), until a rollout succeeds. */
  lastError: string | null;
}

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
    }
  | { type: 'store-down'; at: number }
  | { type: 'store-up'; at: number }
  | { type: 'rollout-started'; at: number; reason: string }
  | { type: 'rollout-finished'; at: number }
  | { type: 'rollout-failed'; at: number; error: string }
  | { type: 'log'; at: number; instance: string; stream: 'stdout' | 'stderr'; line: string };
