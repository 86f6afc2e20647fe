/**
 * Makes a child process of the lab (the store, every instance) end when the lab itself is gone,
 * however the lab died: a SIGKILL or a crash gives it no chance to stop its children, and an
 * orphan would keep its port and its memory. It asks nothing of the operating system but
 * `process.ppid`, which changes when a process's parent dies (it is adopted by another).
 */

/** How often the parent is looked for: well under the contract's 2 s. */
const EVERY_MS = 400;

/** Exits this process, on an unref'd timer, once the process that started it has gone. */
export function exitWhenOrphaned(everyMs = EVERY_MS): void {
  const parent = process.ppid;
  // A runtime that does not know parents (no ppid) gives nothing to watch; never guess.
  if (typeof parent !== 'number' || parent <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, everyMs);
  // The timer alone must never keep a process alive that has finished its work.
  timer.unref();
}
