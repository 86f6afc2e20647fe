/**
 * Waits for a lab's rollout to be over, by reading `GET lab/state`: its `rollout` is set from
 * the moment a rollout is due (an edit seen by the watcher, a config change, a replace) until it
 * has finished or failed, and `lastError` says why it failed. Whoever changes the app's files and
 * then wants the new instances (Solve, Reset, a check, a test) waits here instead of guessing.
 *
 * Shared by the local host, the checks runner and, bundled as `wait-rollout.js`, the
 * WebContainer runtime, so that both runtimes wait the same way.
 */

/** Options of waitForRollout. */
export interface RolloutWaitOptions {
  /**
   * How long a rollout may take to appear after the change: a watcher sees an edit some time
   * after it. If none appears by then, there is nothing to wait for. @default 1500
   */
  settleMs?: number;
  /** How long to wait in all before giving up. @default 90000 */
  timeoutMs?: number;
  /** How often the state is read. @default 100 */
  intervalMs?: number;
  /** Replaces the global fetch (a sandbox may proxy it). */
  fetch?: typeof fetch;
}

/** How a wait ended: `ok` when no rollout failed; `error` says why one did, or why the wait stopped. */
export interface RolloutOutcome {
  ok: boolean;
  error: string | null;
}

// What this module reads of `GET lab/state`.
interface RolloutState {
  rollout?: { reason: string; startedAt: number } | null;
  lastError?: string | null;
}

// A platform that stops answering this many times in a row is gone, not busy.
const MAX_FAILURES = 5;

/**
 * Polls `lab/state` under `labUrl` until a rollout has come and gone, and resolves with its
 * outcome; resolves at once after `settleMs` when no rollout appears. Never rejects.
 */
export async function waitForRollout(
  labUrl: string,
  options: RolloutWaitOptions = {},
): Promise<RolloutOutcome> {
  const settleMs = options.settleMs ?? 1500;
  const timeoutMs = options.timeoutMs ?? 90_000;
  const intervalMs = options.intervalMs ?? 100;
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const stateUrl = new URL('lab/state', labUrl);
  const started = Date.now();
  let seen = false;
  let failures = 0;
  for (;;) {
    let state: RolloutState | null = null;
    try {
      const answer = await send(stateUrl, { signal: AbortSignal.timeout(10_000) });
      if (!answer.ok) throw new Error(`it answered ${answer.status}`);
      state = (await answer.json()) as RolloutState;
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        return {
          ok: false,
          error: `The lab at ${labUrl} stopped answering ${stateUrl.pathname} (${(error as Error).message}); is it still running?`,
        };
      }
    }
    if (state) {
      const lastError = state.lastError ?? null;
      if (state.rollout) seen = true;
      else if (seen || Date.now() - started >= settleMs) {
        // Over (or there was none to wait for): `lastError` stays set only while the app's
        // current files do not start.
        return { ok: lastError === null, error: lastError };
      }
    }
    if (Date.now() - started >= timeoutMs) {
      return {
        ok: false,
        error: `The rollout was still under way after ${Math.round(timeoutMs / 1000)} s; the lab's output says what it is doing.`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
