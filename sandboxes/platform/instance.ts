import type { ChildProcess } from 'node:child_process';
import type { InstanceStatus, InstanceView, StopReason } from './types.ts';

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_LINES = 30;

/** One running process of the app, as the platform sees it from outside. */
export class Instance {
  readonly id: string;
  /** The port the app listens on, as its preload reported it; 0 until then. */
  port = 0;
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  /** Resolves when the process has exited, whatever the reason. */
  readonly exited: Promise<Exit>;
  /** Requests answered through the balancer. */
  served = 0;
  /** Set when the platform itself stops the process, so its exit is not taken for a crash. */
  stopReason: StopReason | null = null;
  /** Set when the process outlived its grace period after SIGTERM and got SIGKILL. */
  forced = false;
  /** Resolves with the port once the app listens (see `listen`). */
  readonly listening: Promise<number>;
  #listened: (port: number) => void = () => {};
  #exit: Exit | null = null;
  #tail: string[] = [];
  #status: InstanceStatus = 'starting';
  // Who waits for the next change of status or for the exit (see `changeOrAfter`).
  readonly #waiting = new Set<() => void>();

  constructor(id: string, child: ChildProcess) {
    this.id = id;
    this.child = child;
    this.listening = new Promise((resolve) => {
      this.#listened = resolve;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
        this.#wake();
      });
    });
  }

  get status(): InstanceStatus {
    return this.#status;
  }
  set status(status: InstanceStatus) {
    this.#status = status;
    this.#wake();
  }

  /**
   * Resolves at the next change of status, at the exit, or after `ms`, whichever comes first:
   * whoever waits for the instance to be ready learns it at once, not at its next look.
   */
  changeOrAfter(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiting.add(done);
    });
  }

  #wake(): void {
    for (const done of [...this.#waiting]) done();
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.#exit === null;
  }

  /** Records the port the app got; only the first report counts. */
  listen(port: number): void {
    if (this.port !== 0) return;
    this.port = port;
    this.#listened(port);
  }

  /** Keeps the last lines the process printed, to explain why it failed. */
  remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
  }

  /** The last lines the process printed. */
  tail(): string {
    return this.#tail.join('\n');
  }

  /**
   * Stops the process the polite way (SIGTERM), and with SIGKILL if it has not exited within
   * `graceMs`: a process without a SIGTERM handler, one whose handler hangs, or a runtime that
   * never delivers the signal must not hold a rollout up.
   */
  async terminate(reason: StopReason, graceMs: number): Promise<Exit> {
    this.stopReason = reason;
    this.status = 'stopping';
    if (!this.alive) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.alive) return;
      this.forced = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Kills the process abruptly, as a crash or an out-of-memory kill would. */
  kill(reason: StopReason): void {
    this.stopReason = reason;
    this.child.kill('SIGKILL');
  }

  /** The instance as the control API shows it. */
  view(): InstanceView {
    return {
      id: this.id,
      port: this.port,
      pid: this.pid,
      status: this.status,
      served: this.served,
    };
  }
}
