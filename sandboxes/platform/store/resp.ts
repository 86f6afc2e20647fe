/**
 * RESP2, the wire protocol of Redis: a streaming request parser and the reply encoders.
 *
 * Every argument and every reply travels as a "binary string": a JavaScript string whose
 * characters are the bytes 0–255 (Node's `latin1` encoding). That keeps values binary-safe end
 * to end without a Buffer per argument, and lets a whole batch of replies be written with one
 * `socket.write(text, 'latin1')`.
 */

/**
 * Longest line the parser waits for without seeing its end: an inline command, or the count
 * line of an array or a bulk string. Redis uses the same 64 KiB (`PROTO_INLINE_MAX_SIZE`).
 */
export const MAX_INLINE_SIZE = 64 * 1024;

/**
 * Largest bulk string accepted. Redis allows 512 MB; a lab's session store needs far less, and
 * a lower bound keeps one client from making the process hold hundreds of megabytes.
 */
export const MAX_BULK_LENGTH = 16 * 1024 * 1024;

/** Most arguments in one command. Redis allows 2^31; a million is plenty for any real client. */
export const MAX_ARGUMENTS = 1024 * 1024;

/**
 * Most bytes one command may take altogether. Redis closes a client whose query buffer passes
 * 1 GB (`client-query-buffer-limit`); this is the same protection, sized for a small lab.
 */
export const MAX_COMMAND_BYTES = 64 * 1024 * 1024;

const CR = 13;
const LF = 10;

/** What the parser hands back for each complete command: its arguments, the name first. */
export type CommandHandler = (args: string[]) => void;

/**
 * What the parser reports when the stream is not RESP. `message` is the text redis-server
 * sends before closing, e.g. `Protocol error: invalid bulk length`; `null` means close without
 * replying, as redis-server does when a client passes its query buffer limit.
 */
export type ProtocolErrorHandler = (message: string | null) => void;

/**
 * A RESP2 request parser that accepts the stream in pieces split anywhere, even inside a
 * count or between CR and LF. It keeps the state of a half-read command between pieces, so a
 * large command sent in many small chunks costs linear time, not quadratic.
 */
export class RespParser {
  private readonly onCommand: CommandHandler;
  private readonly onError: ProtocolErrorHandler;
  /** Bytes received but not yet consumed, starting at `pos`. */
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Chunks that arrived while a bulk body was incomplete; joined only once it is whole. */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** How many bytes past `pos` must be buffered before parsing can make progress. */
  private needed = 0;
  /** Arguments of the array being read, or `null` between commands. */
  private args: string[] | null = null;
  private remaining = 0;
  /** Length of the bulk string whose body comes next, or -1 when a `$` line comes next. */
  private bulkLength = -1;
  /** Bytes the current command has taken so far, to enforce `MAX_COMMAND_BYTES`. */
  private commandBytes = 0;
  private failed = false;
  private paused = false;

  constructor(onCommand: CommandHandler, onError: ProtocolErrorHandler) {
    this.onCommand = onCommand;
    this.onError = onError;
  }

  /** Feeds the next piece of the stream; complete commands are delivered synchronously. */
  feed(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.waiting.push(chunk);
    this.waitingBytes += chunk.length;
    if (!this.paused) this.consumeWaiting();
  }

  /**
   * Stops delivering commands, from inside the command handler too; what arrives meanwhile is
   * kept. The server pauses while a client has too many replies it has not read yet.
   */
  pause(): void {
    this.paused = true;
  }

  /** Delivers the commands held back since `pause()`, and those that arrive from now on. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.failed) return;
    if (this.waitingBytes > 0) this.consumeWaiting();
    else this.parse();
  }

  private consumeWaiting(): void {
    if (this.buf.length - this.pos + this.waitingBytes < this.needed) {
      // A bulk body is still incomplete: keep the pieces aside instead of copying everything
      // received so far each time, which would be quadratic for large values.
      return;
    }
    if (this.pos >= this.buf.length && this.waiting.length === 1) {
      this.buf = this.waiting[0]!;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.waiting]);
    }
    this.waiting = [];
    this.waitingBytes = 0;
    this.pos = 0;
    this.needed = 0;
    this.parse();
  }

  private fail(message: string | null): void {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.waiting = [];
    this.args = null;
    this.onError(message);
  }

  private parse(): void {
    const buf = this.buf;
    const end = buf.length;
    let pos = this.pos;
    while (pos < end && !this.paused) {
      if (this.args === null) {
        if (buf[pos] === 0x2a /* '*' */) {
          const cr = buf.indexOf(CR, pos);
          if (cr === -1 || cr + 1 >= end) {
            if (end - pos > MAX_INLINE_SIZE)
              return this.fail('Protocol error: too big mbulk count string');
            break;
          }
          const count = parseCount(buf, pos + 1, cr);
          if (count === null || count > MAX_ARGUMENTS) {
            return this.fail('Protocol error: invalid multibulk length');
          }
          const lineEnd = cr + 2;
          this.commandBytes = lineEnd - pos;
          pos = lineEnd;
          // redis-server skips an array of zero or fewer elements without answering.
          if (count <= 0) continue;
          this.args = [];
          this.remaining = count;
          this.bulkLength = -1;
        } else {
          const lf = buf.indexOf(LF, pos);
          if (lf === -1) {
            if (end - pos > MAX_INLINE_SIZE)
              return this.fail('Protocol error: too big inline request');
            break;
          }
          const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
          const args = splitInline(buf.toString('latin1', pos, lineEnd));
          pos = lf + 1;
          if (args === null) return this.fail('Protocol error: unbalanced quotes in request');
          if (args.length > 0) {
            this.pos = pos;
            this.onCommand(args);
            if (this.failed || this.paused) return;
          }
        }
      } else if (this.bulkLength < 0) {
        if (buf[pos] !== 0x24 /* '$' */) {
          return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
        }
        const cr = buf.indexOf(CR, pos);
        if (cr === -1 || cr + 1 >= end) {
          if (end - pos > MAX_INLINE_SIZE)
            return this.fail('Protocol error: too big bulk count string');
          break;
        }
        const length = parseCount(buf, pos + 1, cr);
        if (length === null || length < 0 || length > MAX_BULK_LENGTH) {
          return this.fail('Protocol error: invalid bulk length');
        }
        this.commandBytes += cr + 2 - pos + length + 2;
        if (this.commandBytes > MAX_COMMAND_BYTES) return this.fail(null);
        this.bulkLength = length;
        pos = cr + 2;
      } else {
        const length = this.bulkLength;
        if (end - pos < length + 2) {
          this.needed = length + 2;
          break;
        }
        // Like redis-server, the two bytes after the body are skipped, not checked.
        this.args.push(buf.toString('latin1', pos, pos + length));
        pos += length + 2;
        this.bulkLength = -1;
        if (--this.remaining === 0) {
          const args = this.args;
          this.args = null;
          this.pos = pos;
          this.onCommand(args);
          if (this.failed || this.paused) return;
        }
      }
    }
    this.pos = pos;
    if (pos >= end) {
      this.buf = Buffer.alloc(0);
      this.pos = 0;
    }
  }
}

/**
 * Reads the signed decimal between `start` and `end`, as redis-server's `string2ll` does
 * (no sign but '-', no spaces, no leading zeros); `null` when it is not one.
 */
function parseCount(buf: Buffer, start: number, end: number): number | null {
  let i = start;
  let negative = false;
  if (i < end && buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  if (i >= end || end - i > 15) return null;
  if (buf[i] === 0x30 && end - i > 1) return null;
  let value = 0;
  for (; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

const INLINE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits an inline command line into arguments the way redis-server does (`sdssplitargs`):
 * blanks separate, double quotes allow escapes such as `\n` and `\x41`, single quotes allow
 * only `\'`, and a closing quote must be followed by a blank. `null` means unbalanced quotes.
 */
export function splitInline(line: string): string[] | null {
  const args: string[] = [];
  const n = line.length;
  let i = 0;
  const isBlank = (c: string | undefined): boolean =>
    c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
  for (;;) {
    while (i < n && isBlank(line[i])) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return null;
        if (
          c === '\\' &&
          line[i + 1] === 'x' &&
          isHexDigit(line.charCodeAt(i + 2)) &&
          isHexDigit(line.charCodeAt(i + 3))
        ) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          current += INLINE_ESCAPES[e] ?? e;
        } else if (c === '"') {
          // The closing quote ends the argument, which must be followed by a blank.
          if (i + 1 < n && !isBlank(line[i + 1])) return null;
          i++;
          break;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isBlank(line[i + 1])) return null;
          i++;
          break;
        } else {
          current += c;
        }
      } else {
        if (c === undefined || isBlank(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}

// Reply encoders. Each returns the reply's bytes as a binary string (see the top of this file).

/** Encodes a status reply such as `+OK`. */
export function simple(text: string): string {
  return `+${text}\r\n`;
}

/** Encodes an error reply; `message` starts with its code, e.g. `ERR syntax error`. */
export function error(message: string): string {
  // A CR or LF would end the reply early, so redis-server replaces them with spaces.
  return `-${message.replace(/[\r\n]/g, ' ')}\r\n`;
}

/** Encodes an integer reply. */
export function integer(value: number | bigint): string {
  return `:${value}\r\n`;
}

/** Encodes a bulk string reply, or the null bulk string for `null`. */
export function bulk(value: string | null): string {
  return value === null ? '$-1\r\n' : `$${value.length}\r\n${value}\r\n`;
}

/** Encodes an array of bulk strings (`null` elements become null bulk strings). */
export function bulkArray(values: readonly (string | null)[]): string {
  let out = `*${values.length}\r\n`;
  for (const value of values)
    out += value === null ? '$-1\r\n' : `$${value.length}\r\n${value}\r\n`;
  return out;
}

/** Encodes an array whose elements are already encoded replies. */
export function array(encoded: readonly string[]): string {
  return `*${encoded.length}\r\n${encoded.join('')}`;
}

/** The canned replies sent most often, built once. */
export const OK = '+OK\r\n';
export const NULL_BULK = '$-1\r\n';
export const NULL_ARRAY = '*-1\r\n';
export const EMPTY_ARRAY = '*0\r\n';
export const ZERO = ':0\r\n';
export const ONE = ':1\r\n';
