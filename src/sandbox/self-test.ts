/**
 * The lab's self-test, as a runtime reads it: with `LAB_SELF_TEST=1` the lab prints one line per
 * finding (`self-test: sigterm fallback: …`, format in sandboxes/platform/lines.ts), and the
 * runtime gathers them into one report the page shows. Both runtimes read it from their output
 * log the same way.
 */
import { parseSelfTestLine } from '../../sandboxes/platform/lines.ts';
import type { SelfTestReport } from '../../sandboxes/platform/types.ts';
import type { OutputLog } from './output-log.ts';

export type { SelfTestReport } from '../../sandboxes/platform/types.ts';

/** A report where nothing is known yet. */
export function pendingReport(): SelfTestReport {
  const pending = { status: 'pending' as const, detail: '' };
  return {
    storeLink: { ...pending },
    sigterm: { ...pending },
    watcher: { ...pending },
    cookie: { ...pending },
  };
}

/** Gathers the self-test lines of one output log into a report, and tells its listeners. */
export class SelfTestCollector {
  #report: SelfTestReport | null = null;
  readonly #listeners = new Set<(report: SelfTestReport) => void>();

  /** Reads the lines `log` receives from now on; returns the unsubscriber. */
  read(log: OutputLog): () => void {
    return log.onLine((line) => this.#take(line));
  }

  /** The report so far, or null when the lab printed no finding yet. */
  get report(): SelfTestReport | null {
    return this.#report;
  }

  /** Calls `listener` with the report so far (if any) and after every new finding; returns the unsubscriber. */
  subscribe(listener: (report: SelfTestReport) => void): () => void {
    if (this.#report) listener(this.#report);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets the report (a new run) and the listeners. */
  close(): void {
    this.#report = null;
    this.#listeners.clear();
  }

  #take(line: string): void {
    const finding = parseSelfTestLine(line);
    if (!finding) return;
    const report = { ...(this.#report ?? pendingReport()) };
    report[finding.name] = { status: finding.status, detail: finding.detail };
    this.#report = report;
    for (const listener of this.#listeners) listener(report);
  }
}

/** Whether a finding means the lab cannot do its job in this runtime (not a fallback that still works). */
export function labCannotWork(report: SelfTestReport): boolean {
  return Object.values(report).some((check) => check.status === 'failed');
}
