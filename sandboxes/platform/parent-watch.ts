/**
 * Makes a child process of the lab (the store, every instance) end when the lab itself is gone,
 * however the lab died: a SIGKILL or a crash gives it no chance to stop its children, and an
 * orphan would keep its port and its memory. It asks nothing of the operating system but
 * `process.ppid`, which changes when a process's parent dies (it is adopted by another).
 */

/** How often the parent is looked for: well under the contract's 2 s. */
const EVERY_MS = 400;

/** The variable through which the lab names itself to its children: `LAB_PARENT_PID`. */
export const PARENT_PID_VARIABLE = 'LAB_PARENT_PID';

/**
 * Exits this process, on an unref'd timer, once the process that started it has gone. The
 * parent to watch is the one the lab named in `LAB_PARENT_PID`: reading our own ppid at start
 * is not enough, since a lab killed while this process was still loading has already left it
 * adopted, and that adopted parent would then look like the right one forever.
 */
export function exitWhenOrphaned(everyMs = EVERY_MS): void {
  const named = Number(process.env[PARENT_PID_VARIABLE]);
  const parent = Number.isInteger(named) && named > 0 ? named : process.ppid;
  // A runtime that does not know parents (no ppid) gives nothing to watch; never guess.
  if (typeof process.ppid !== 'number' || process.ppid <= 0 || parent <= 0) return;
  if (process.ppid !== parent) process.exit(0);
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, everyMs);
  // The timer alone must never keep a process alive that has finished its work.
  timer.unref();
}
