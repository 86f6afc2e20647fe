/**
 * The one interface both runtimes implement. It knows nothing of the page: the sandbox UI reads
 * a runtime's state and calls these methods, so each runtime can be tested in Node with fakes.
 */

import type { SelfTestReport } from '../../sandboxes/platform/types.ts';

/** The languages the course is written in. */
export type Lang = 'fr' | 'en';

/** Which runtime runs a lab. */
export type RuntimeKind = 'webcontainer' | 'local';

/** One result of a lab's checks, worded in both languages by the check itself. */
export interface CheckResult {
  id: string;
  ok: boolean;
  message: Record<Lang, string>;
}

/** What the sandbox shows while a lab starts, as a key of the UI strings plus values. */
export interface Progress {
  /** e.g. `booting`, `mounting`, `starting-store`, `starting-instance`, `ready` */
  step: string;
  /** e.g. `{ n: 2, total: 3 }` for "starting instance 2 of 3" */
  values?: Record<string, string | number>;
}

/** A lab's description, from its `lab.json`. */
export interface LabInfo {
  id: string;
  title: Record<Lang, string>;
  /** The files the learner may read and edit, relative to the lab's app folder. */
  editable: string[];
  /** Whether the lab has a solution and checks (an exercise) or is free exploration. */
  exercise: boolean;
}

/** A lab that runs somewhere and can be driven from the page. */
export interface LabRuntime {
  readonly kind: RuntimeKind;
  /** Starts the lab; resolves with the URL of its dashboard once every instance is ready. */
  start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }>;
  /** The current content of every editable file. */
  readFiles(): Promise<Record<string, string>>;
  /** Writes one editable file; the lab's platform rolls the change out. */
  writeFile(name: string, content: string): Promise<void>;
  /** Calls `listener` with every chunk of the lab's output (its terminal); returns the unsubscriber. */
  onOutput(listener: (chunk: string) => void): () => void;
  /** Runs the lab's checks against the running lab. */
  check(): Promise<CheckResult[]>;
  /** Puts the starting files back; resolves with them. */
  reset(): Promise<Record<string, string>>;
  /** Writes the solution's files; resolves with the editable files as they now are. */
  solve(): Promise<Record<string, string>>;
  /**
   * Calls `listener` with what the lab's self-test found so far (`self-test:` lines of its output),
   * and after every new finding; returns the unsubscriber. A lab that tests nothing calls nothing.
   */
  onSelfTest?(listener: (report: SelfTestReport) => void): () => void;
  /** Stops the lab and lets go of everything it holds. */
  stop(): Promise<void>;
}

/** Why no runtime could run the lab, so the page can say it in the reader's language. */
export type Unavailable =
  | 'no-isolation'
  | 'unsupported-browser'
  | 'ios'
  | 'boot-timeout'
  | 'boot-failed'
  | 'local-unreachable';

/** An error that says which of the reasons above stopped a runtime. */
export class RuntimeUnavailable extends Error {
  readonly reason: Unavailable;
  constructor(reason: Unavailable, detail?: string) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.reason = reason;
  }
}

/**
 * Stops a runtime when the page goes away (`pagehide`), so the lab does not outlive the page;
 * returns the unsubscriber. The UI passes `window`.
 */
export function stopOnPageHide(
  runtime: Pick<LabRuntime, 'stop'>,
  target: {
    addEventListener(type: 'pagehide', listener: () => void): void;
    removeEventListener(type: 'pagehide', listener: () => void): void;
  },
): () => void {
  // The WebContainer runtime's stop() kills the lab and tears the container down before its first
  // await, so this runs in full even though the page does not wait for the promise.
  const listener = (): void => void runtime.stop();
  target.addEventListener('pagehide', listener);
  return () => target.removeEventListener('pagehide', listener);
}
