/**
 * Sees edits of a folder's files, in the way the runtime allows. A recursive `fs.watch` is one
 * call but throws in some runtimes; one `fs.watch` per file (and per folder, for new files) is
 * the default; where `fs.watch` fails too, the files' times and sizes are compared on a timer.
 * Whatever it falls back to is said in `state`, so the dashboard and the output can tell.
 */
import fs from 'node:fs';
import path from 'node:path';
import { messageOf } from './errors.ts';
import type { WatcherState } from './types.ts';

/** The ways a folder can be watched, from the cheapest to the most portable. */
export type WatchMode = 'recursive' | 'per-file' | 'polling';

/** How often the polling watcher compares the files. */
export const POLL_EVERY_MS = 500;

/** What a watcher tells its owner. */
export interface WatcherEvents {
  /** A file changed, appeared or went away (called once per event; debounce it). */
  onChange(): void;
  /** The watcher fell back to another mode; `state.error` says why. */
  onFallback?(state: WatcherState): void;
}

/** What else a watcher is told. */
export interface WatcherOptions {
  /**
   * Entries of the folder itself (not of its subfolders) whose changes are not the folder's, e.g.
   * `tasks`: the app's one-off tasks are run on demand, and editing one restarts nothing. @default []
   */
  ignore?: readonly string[];
}

/** Watches every file under one folder (node_modules, dotfiles and `ignore` aside). */
export class FolderWatcher {
  readonly dir: string;
  #events: WatcherEvents;
  #ignore: ReadonlySet<string>;
  #state: WatcherState;
  #recursive: fs.FSWatcher | null = null;
  #watchers = new Map<string, fs.FSWatcher>();
  #pollTimer: NodeJS.Timeout | null = null;
  #snapshot = '';
  #syncTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(dir: string, mode: WatchMode, events: WatcherEvents, options: WatcherOptions = {}) {
    this.dir = dir;
    this.#events = events;
    this.#ignore = new Set(options.ignore ?? []);
    this.#state = { mode, error: null };
  }

  /** The mode in use and why it fell back, if it did. */
  get state(): WatcherState {
    return { ...this.#state };
  }

  /** Starts watching in the mode asked for, falling back as far as needed. */
  start(): void {
    const mode = this.#state.mode;
    if (mode === 'recursive') this.#startRecursive();
    else if (mode === 'per-file') this.#startPerFile();
    else this.#startPolling();
  }

  /** Switches to polling (e.g. the self-test saw `fs.watch` stay silent), saying why. */
  usePolling(reason: string): void {
    if (this.#closed || this.#state.mode === 'polling') return;
    this.#fallBack('polling', reason);
  }

  /** Stops every watch and timer. */
  close(): void {
    this.#closed = true;
    this.#stopWatches();
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    if (this.#syncTimer) clearTimeout(this.#syncTimer);
    this.#pollTimer = null;
  }

  #stopWatches(): void {
    this.#recursive?.close();
    this.#recursive = null;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #fallBack(mode: 'per-file' | 'polling', reason: string): void {
    this.#stopWatches();
    this.#state = { mode, error: reason };
    this.#events.onFallback?.(this.state);
    if (mode === 'per-file') this.#startPerFile();
    else this.#startPolling();
  }

  #startRecursive(): void {
    try {
      const watcher = fs.watch(this.dir, { recursive: true }, (_eventType, filename) => {
        // The name is relative to the folder: its first part says whether it is ignored.
        const top = filename?.toString().split(/[\\/]/)[0];
        if (top !== undefined && this.#ignore.has(top)) return;
        this.#events.onChange();
      });
      watcher.on('error', (error) =>
        this.#fallBack('per-file', `a recursive fs.watch failed: ${messageOf(error)}`),
      );
      this.#recursive = watcher;
    } catch (error) {
      this.#fallBack('per-file', `a recursive fs.watch cannot run here: ${messageOf(error)}`);
    }
  }

  #startPerFile(): void {
    try {
      this.#syncPerFile();
    } catch (error) {
      this.#fallBack('polling', `fs.watch cannot run here: ${messageOf(error)}`);
    }
  }

  // Watches each folder (a new file shows there) and each file (its content changes show there,
  // where a folder's watch does not report them). Throws when fs.watch cannot run.
  #syncPerFile(): void {
    if (this.#closed || this.#state.mode !== 'per-file') return;
    const present = new Set(listTree(this.dir, this.#ignore));
    for (const [target, watcher] of this.#watchers) {
      if (!present.has(target)) {
        watcher.close();
        this.#watchers.delete(target);
      }
    }
    for (const target of present) {
      if (this.#watchers.has(target)) continue;
      const watcher = fs.watch(target, (eventType, filename) => {
        // The folder's own watch names the entry that changed; an ignored one changes nothing.
        if (target === this.dir && filename && this.#ignore.has(filename.toString())) return;
        // A file saved by renaming a new one over it is a new file: its old watch sees no more.
        if (eventType === 'rename') {
          this.#watchers.get(target)?.close();
          this.#watchers.delete(target);
          this.#scheduleSync();
        }
        this.#events.onChange();
      });
      watcher.on('error', (error) => {
        // A watched file that is deleted may report an error; only a failure elsewhere counts.
        if (fs.existsSync(target)) {
          this.#fallBack('polling', `fs.watch failed on ${target}: ${messageOf(error)}`);
        }
      });
      this.#watchers.set(target, watcher);
    }
  }

  #scheduleSync(): void {
    if (this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = null;
      try {
        this.#syncPerFile();
      } catch (error) {
        this.#fallBack('polling', `fs.watch cannot run here: ${messageOf(error)}`);
      }
    }, 50);
  }

  #startPolling(): void {
    this.#snapshot = snapshot(this.dir, this.#ignore);
    this.#pollTimer = setInterval(() => {
      const now = snapshot(this.dir, this.#ignore);
      if (now === this.#snapshot) return;
      this.#snapshot = now;
      this.#events.onChange();
    }, POLL_EVERY_MS);
    this.#pollTimer.unref();
  }
}

// The folder itself, its subfolders and their files, as absolute paths; `ignore` names entries
// of the folder itself to leave out.
function listTree(dir: string, ignore: ReadonlySet<string> = new Set()): string[] {
  const found = [dir];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    if (ignore.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listTree(full));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

// What polling compares: every file's name, size, modification time and inode.
function snapshot(dir: string, ignore: ReadonlySet<string>): string {
  const lines: string[] = [];
  let entries: string[];
  try {
    entries = listTree(dir, ignore);
  } catch {
    return 'unreadable';
  }
  for (const file of entries) {
    try {
      const stat = fs.statSync(file);
      lines.push(`${file}\t${stat.size}\t${stat.mtimeMs}\t${stat.ino}`);
    } catch {
      // Gone between the listing and the stat: the next round sees it.
    }
  }
  return lines.join('\n');
}
