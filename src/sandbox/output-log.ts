/**
 * One lab's output, as every runtime and the local lab host keep it: the last chunks up to a size
 * limit (so a terminal that opens late sees what it missed), the listeners of raw chunks, and the
 * listeners of whole, plain lines (progress, self-test findings). It touches no DOM and no Node
 * API, so the browser runtimes and sandboxes/local/host.ts share it.
 */

/** How much output is kept for a listener that subscribes late. */
export const OUTPUT_KEPT = 200_000;

// A terminal's colour and cursor sequences, which start with ESC by definition.
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The lines of some terminal output without colours, cursor moves or carriage returns. */
export function plainLines(text: string): string[] {
  return text.replace(TERMINAL_ESCAPES, '').replace(/\r/g, '').split('\n');
}

/** The last `count` non-empty plain lines of some output, joined by newlines, for error messages. */
export function lastLines(text: string, count = 15): string {
  return plainLines(text)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join('\n');
}

/** Splits a stream of output chunks into whole lines, keeping the unfinished tail for later. */
export class LineSplitter {
  #rest = '';

  /** Returns the complete lines found in `chunk`, without their line ends. */
  push(chunk: string): string[] {
    const lines = (this.#rest + chunk).split(/\r?\n/);
    this.#rest = lines.pop() ?? '';
    return lines;
  }

  /** Forgets an unfinished line, for a new run. */
  clear(): void {
    this.#rest = '';
  }
}

/** A lab's output: kept up to a limit, replayed to late listeners, and read line by line. */
export class OutputLog {
  readonly #limit: number;
  #chunks: string[] = [];
  #size = 0;
  readonly #chunkListeners = new Set<(chunk: string) => void>();
  readonly #lineListeners = new Set<(line: string) => void>();
  readonly #lines = new LineSplitter();

  /** @param limit how many characters are kept; the oldest chunks go first. @default OUTPUT_KEPT */
  constructor(limit = OUTPUT_KEPT) {
    this.#limit = limit;
  }

  /** Adds a chunk: it is kept, sent to every chunk listener, and its whole lines to line listeners. */
  append(chunk: string): void {
    if (chunk === '') return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#limit && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()!.length;
    }
    // A chunk larger than the limit alone is cut to its end, so the limit holds.
    if (this.#size > this.#limit) {
      this.#chunks[0] = this.#chunks[0]!.slice(-this.#limit);
      this.#size = this.#chunks[0].length;
    }
    for (const listener of this.#chunkListeners) {
      try {
        listener(chunk);
      } catch {
        // One broken listener (a terminal gone) must not starve the others.
      }
    }
    for (const line of this.#lines.push(chunk)) {
      const plain = plainLines(line).join('');
      for (const listener of this.#lineListeners) {
        try {
          listener(plain);
        } catch {
          // Same as above: a reader's bug must not stop the lab's output.
        }
      }
    }
  }

  /** Everything kept, as one text. */
  text(): string {
    return this.#chunks.join('');
  }

  /** The last non-empty plain lines kept, for an error message. */
  lastLines(count = 15): string {
    return lastLines(this.text(), count);
  }

  /** Forgets what was kept (a new run), keeping the listeners. */
  clear(): void {
    this.#chunks = [];
    this.#size = 0;
    this.#lines.clear();
  }

  /**
   * Calls `listener` with what was kept (as one chunk, unless `replay` is false), then with every
   * new chunk; returns the unsubscriber.
   */
  onChunk(listener: (chunk: string) => void, options: { replay?: boolean } = {}): () => void {
    const kept = options.replay === false ? '' : this.text();
    if (kept) listener(kept);
    this.#chunkListeners.add(listener);
    return () => this.#chunkListeners.delete(listener);
  }

  /** Calls `listener` with every whole line from now on, without colours or CR; returns the unsubscriber. */
  onLine(listener: (line: string) => void): () => void {
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  /** Drops every listener (the lab is gone). */
  close(): void {
    this.#chunkListeners.clear();
    this.#lineListeners.clear();
  }
}
