/**
 * The command table of the embedded store: for each command its name, its arity in Redis's
 * convention (positive: exactly that many arguments counting the name; negative: at least that
 * many) and the type of key it works on, and a handler that checks what ioredis-mock does not
 * (arity, option tokens in any case, integers, WRONGTYPE) before letting ioredis-mock do the work.
 *
 * Values travel as binary strings (one character per byte, see resp.ts) and are stored that way
 * in ioredis-mock, so lengths, APPEND and glob patterns work on bytes, as in Redis.
 *
 * Where an ioredis-mock command answers differently from Redis (TTL rounding, SCAN TYPE,
 * glob patterns, big integers, emptied collections), the handler reads ioredis-mock's own
 * keyspace (`mock.data`, `mock.expires`) directly; every lookup through it applies the same
 * lazy expiry as ioredis-mock's commands.
 */
import RedisMock from 'ioredis-mock';
import {
  MAX_BULK_LENGTH,
  EMPTY_ARRAY,
  NULL_ARRAY,
  NULL_BULK,
  OK,
  ONE,
  ZERO,
  array,
  bulk,
  bulkArray,
  error,
  integer,
  simple,
} from './resp.ts';

/** The version the store reports in INFO and HELLO: the Redis release its replies follow. */
export const REDIS_VERSION = '7.0.15';

/** The part of ioredis-mock's keyspace the handlers read directly. */
interface MockData {
  get(key: string): unknown;
  has(key: string): boolean;
  keys(): string[];
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

interface MockExpires {
  get(key: string): number | undefined;
  has(key: string): boolean;
  set(key: string, at: number): void;
  delete(key: string): void;
}

/** An ioredis-mock instance seen through the few members used here. */
export interface MockClient {
  data: MockData;
  expires: MockExpires;
  [command: string]: unknown;
}

/** One client connection's state, as the commands see it. */
export interface Session {
  id: number;
  name: string | null;
  /** Commands queued since MULTI, or `null` outside a transaction. */
  queued: string[][] | null;
  /** A command queued after MULTI was refused, so EXEC must abort. */
  queueFailed: boolean;
  /** QUIT was received: reply, then close. */
  closing: boolean;
  /** The protocol this client chose with HELLO: 2 unless it asked for 3. */
  protocol?: 2 | 3;
}

/** What every handler can reach: the engine and facts about the server. */
export interface Engine {
  mock: MockClient;
  port: number;
  startedAt: number;
  clients: () => number;
  nextClientId: () => number;
}

/** A reply already encoded, or one that ioredis-mock will give later. */
export type Reply = string | Promise<string>;

type Handler = (engine: Engine, args: string[], session: Session) => Reply;

type KeyType = 'string' | 'hash' | 'list' | 'set' | 'zset';

/** One row of the command table. */
export interface CommandSpec {
  /** Lowercase name, as Redis writes it in error messages. */
  name: string;
  /** Redis's arity: positive means exactly, negative means at least, counting the name. */
  arity: number;
  /** Type the first key must hold when it exists; otherwise the reply is WRONGTYPE. */
  keyType?: KeyType;
  handler: Handler;
}

// Redis's own error texts, word for word.
const WRONGTYPE = error('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INTEGER = error('ERR value is not an integer or out of range');
const NOT_FLOAT = error('ERR value is not a valid float');
const SYNTAX = error('ERR syntax error');
const OVERFLOW = error('ERR increment or decrement would overflow');

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/** Parses a 64-bit signed integer as Redis's `string2ll` does; `null` when it is not one. */
export function parseInteger(text: string): bigint | null {
  if (text.length === 0 || text.length > 20) return null;
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(text)) return null;
  const value = BigInt(text);
  return value > MAX_INT64 || value < MIN_INT64 ? null : value;
}

/** Like `parseInteger`, as a JavaScript number, for counts and times that fit in one. */
function parseNumber(text: string): number | null {
  const value = parseInteger(text);
  return value === null ? null : Number(value);
}

/** Parses a score as Redis's `strtod`-based check does (`inf`, `-inf`, decimals, exponents). */
function parseScore(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  // A finite spelling that overflows (1e400) is refused, as strtod's ERANGE makes Redis do.
  return Number.isFinite(value) ? value : null;
}

/** Formats a score as Redis 7.0 does in replies: C's `%.17g`. */
export function formatScore(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential(16).split('e') as [string, string];
  const exponent = Number(exponentText);
  const trim = (digits: string): string =>
    digits.includes('.') ? digits.replace(/0+$/, '').replace(/\.$/, '') : digits;
  if (exponent < -4 || exponent >= 17) {
    const sign = exponent < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trim(value.toFixed(16 - exponent));
}

/** The type of the value stored at `key`, or `null` when there is none. */
export function typeOf(engine: Engine, key: string): KeyType | null {
  const value = engine.mock.data.get(key);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return 'string';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Set) return 'set';
  if (value instanceof Map) return 'zset';
  return 'hash';
}

/** Reads a string value, binary string or Buffer alike, as a binary string. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return String(value);
}

/** Calls an ioredis-mock command by name, with every argument as a binary string. */
function call(engine: Engine, name: string, args: readonly string[]): Promise<unknown> {
  const fn = engine.mock[name] as (...a: string[]) => Promise<unknown>;
  return fn.apply(engine.mock, args as string[]);
}

/** Turns an ioredis-mock failure into a Redis error reply rather than a broken connection. */
function mockError(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return error(/^[A-Z]+ /.test(message) ? message : `ERR ${message}`);
}

function then<T>(promise: Promise<T>, encode: (value: T) => string): Promise<string> {
  return promise.then(encode, mockError);
}

const encodeInteger = (value: unknown): string => integer(Number(value));
const encodeBulk = (value: unknown): string =>
  bulk(value === null || value === undefined ? null : asText(value));
const encodeOk = (): string => OK;
const encodeBulkArray = (value: unknown): string =>
  bulkArray((value as unknown[]).map((v) => (v === null || v === undefined ? null : asText(v))));

/** Redis's glob matching (`stringmatchlen`): `*`, `?`, `[...]` with ranges and `^`, `\\` escapes. */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  const p = nocase ? pattern.toLowerCase() : pattern;
  const s = nocase ? text.toLowerCase() : text;
  // Greedy matching that, on a mismatch, retries from the last star one character further.
  // Only the last star ever needs revisiting, so a hostile pattern such as `*a*a*a*b` costs
  // at most pattern × text steps instead of exponential backtracking.
  let pi = 0;
  let si = 0;
  let starPi = -1;
  let starSi = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      starPi = pi;
      starSi = si;
      continue;
    }
    const step = pi < p.length ? matchOne(p, pi, s.charCodeAt(si)) : -1;
    if (step > 0) {
      pi += step;
      si++;
    } else if (starPi !== -1) {
      pi = starPi;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Matches one character against the pattern element at `pi` (a literal, `?`, an escape or a
 * `[...]` class) and returns how many pattern characters that element spans, or -1 on a mismatch.
 */
function matchOne(p: string, pi: number, code: number): number {
  const c = p[pi]!;
  if (c === '?') return 1;
  if (c === '\\' && pi + 1 < p.length) return p.charCodeAt(pi + 1) === code ? 2 : -1;
  if (c !== '[') return p.charCodeAt(pi) === code ? 1 : -1;
  let i = pi + 1;
  const negate = p[i] === '^';
  if (negate) i++;
  let matched = false;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\' && i + 1 < p.length) {
      i++;
      if (p.charCodeAt(i) === code) matched = true;
    } else if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let lo = p.charCodeAt(i);
      let hi = p.charCodeAt(i + 2);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (code >= lo && code <= hi) matched = true;
      i += 2;
    } else if (p.charCodeAt(i) === code) {
      matched = true;
    }
    i++;
  }
  // An unclosed class ends at the end of the pattern, as in Redis.
  const span = Math.min(i, p.length - 1) - pi + 1;
  return matched !== negate ? span : -1;
}

/** Milliseconds left before `key` expires: -2 when missing, -1 when it does not expire. */
function remainingMs(engine: Engine, key: string): number {
  if (!engine.mock.data.has(key)) return -2;
  const at = engine.mock.expires.get(key);
  if (at === undefined) return -1;
  return Math.max(0, at - Date.now());
}

// SET and its family.

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;

function setCommand(engine: Engine, args: string[]): Reply {
  const key = args[1]!;
  const value = args[2]!;
  let flags = 0;
  let unit: 'EX' | 'PX' | 'EXAT' | 'PXAT' | null = null;
  let expireText = '';
  // The same acceptance rules as redis-server's parseExtendedStringArgumentsOrReply: tokens in
  // any case, conflicting options refused, a repeated expiry option keeps its last value.
  for (let i = 3; i < args.length; i++) {
    const option = args[i]!.toUpperCase();
    const hasNext = i + 1 < args.length;
    if (option === 'NX' && !(flags & SET_XX)) flags |= SET_NX;
    else if (option === 'XX' && !(flags & SET_NX)) flags |= SET_XX;
    else if (option === 'GET') flags |= SET_GET;
    else if (option === 'KEEPTTL' && unit === null) flags |= SET_KEEPTTL;
    else if (
      (option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') &&
      !(flags & SET_KEEPTTL) &&
      (unit === null || unit === option) &&
      hasNext
    ) {
      unit = option;
      expireText = args[++i]!;
    } else return SYNTAX;
  }
  let expireAt: number | null = null;
  if (unit !== null) {
    const amount = parseInteger(expireText);
    if (amount === null) return NOT_INTEGER;
    const invalid = error("ERR invalid expire time in 'set' command");
    if (amount <= 0n) return invalid;
    const ms = unit === 'EX' || unit === 'EXAT' ? amount * 1000n : amount;
    const at = unit === 'EX' || unit === 'PX' ? ms + BigInt(Date.now()) : ms;
    if (at > MAX_INT64) return invalid;
    expireAt = Number(at);
  }
  let previous: string | null = null;
  if (flags & SET_GET) {
    const type = typeOf(engine, key);
    if (type !== null && type !== 'string') return WRONGTYPE;
    previous = type === null ? null : asText(engine.mock.data.get(key));
  }
  const exists = engine.mock.data.has(key);
  if ((flags & SET_NX && exists) || (flags & SET_XX && !exists)) {
    return flags & SET_GET ? bulk(previous) : NULL_BULK;
  }
  const keptExpiry = flags & SET_KEEPTTL ? engine.mock.expires.get(key) : undefined;
  // ioredis-mock's SET with an expiry option applies it through EXPIRE; absolute times are
  // passed as PXAT so that one code path serves all four units.
  const options = expireAt === null ? [] : ['PXAT', String(expireAt)];
  const done = call(engine, 'set', [key, value, ...options]);
  if (keptExpiry !== undefined) engine.mock.expires.set(key, keptExpiry);
  if (expireAt !== null && expireAt <= Date.now()) void call(engine, 'del', [key]);
  const reply = flags & SET_GET ? bulk(previous) : OK;
  return then(done, () => reply);
}

function setWithExpiry(name: string, unitMs: bigint): Handler {
  return (engine, args) => {
    const amount = parseInteger(args[2]!);
    if (amount === null) return NOT_INTEGER;
    const ms = amount * unitMs;
    if (amount <= 0n || ms + BigInt(Date.now()) > MAX_INT64) {
      return error(`ERR invalid expire time in '${name}' command`);
    }
    return then(call(engine, 'set', [args[1]!, args[3]!, 'PX', String(ms)]), encodeOk);
  };
}

// Expiry commands.

function expireCommand(name: string, unitMs: bigint, absolute: boolean): Handler {
  return (engine, args) => {
    const key = args[1]!;
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let i = 3; i < args.length; i++) {
      const option = args[i]!.toUpperCase();
      if (option === 'NX') nx = true;
      else if (option === 'XX') xx = true;
      else if (option === 'GT') gt = true;
      else if (option === 'LT') lt = true;
      else return error(`ERR Unsupported option ${args[i]}`);
    }
    if (nx && (xx || gt || lt)) {
      return error('ERR NX and XX, GT or LT options at the same time are not compatible');
    }
    if (gt && lt) return error('ERR GT and LT options at the same time are not compatible');
    const amount = parseInteger(args[2]!);
    if (amount === null) return NOT_INTEGER;
    const invalid = error(`ERR invalid expire time in '${name}' command`);
    const ms = amount * unitMs;
    if (ms > MAX_INT64 || ms < MIN_INT64) return invalid;
    const base = absolute ? 0n : BigInt(Date.now());
    if (ms > MAX_INT64 - base) return invalid;
    const at = Number(ms + base);
    if (!engine.mock.data.has(key)) return ZERO;
    const current = engine.mock.expires.get(key);
    if (nx && current !== undefined) return ZERO;
    if (xx && current === undefined) return ZERO;
    // A key without expiry counts as expiring at infinity for GT and LT, as in Redis.
    if (gt && (current === undefined || at <= current)) return ZERO;
    if (lt && current !== undefined && at >= current) return ZERO;
    if (at <= Date.now()) return then(call(engine, 'del', [key]), () => ONE);
    return then(call(engine, 'pexpireat', [key, String(at)]), () => ONE);
  };
}

function ttlCommand(seconds: boolean): Handler {
  return (engine, args) => {
    const ms = remainingMs(engine, args[1]!);
    // Redis rounds the remaining time to the nearest second; ioredis-mock rounds up.
    return integer(ms < 0 || !seconds ? ms : Math.floor((ms + 500) / 1000));
  };
}

// Keyspace commands.

function keysMatching(engine: Engine, pattern: string): string[] {
  const keys = engine.mock.data.keys();
  if (pattern === '*') return keys;
  return keys.filter((key) => globMatch(pattern, key));
}

function scanCommand(engine: Engine, args: string[]): Reply {
  const cursorText = args[1]!;
  // redis-server reads the cursor with strtoul, which also takes a sign (a negative one wraps
  // around to a huge cursor, past every key).
  if (!/^[+-]?[0-9]+$/.test(cursorText)) return error('ERR invalid cursor');
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < args.length; i += 2) {
    const option = args[i]!.toUpperCase();
    if (i + 1 >= args.length) return SYNTAX;
    const value = args[i + 1]!;
    if (option === 'COUNT') {
      const n = parseNumber(value);
      if (n === null) return NOT_INTEGER;
      if (n < 1) return SYNTAX;
      count = n;
    } else if (option === 'MATCH') pattern = value;
    else if (option === 'TYPE') type = value.toLowerCase();
    else return SYNTAX;
  }
  // The cursor is a position in ioredis-mock's key order. Like Redis's SCAN, COUNT bounds the
  // keys visited, and MATCH and TYPE filter them afterwards, so a page may come back empty.
  const keys = engine.mock.data.keys();
  const start = cursorText.startsWith('-')
    ? keys.length
    : Math.min(Number(cursorText), keys.length);
  const end = Math.min(start + count, keys.length);
  const page: string[] = [];
  for (let i = start; i < end; i++) {
    const key = keys[i]!;
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (type !== null && typeOf(engine, key) !== type) continue;
    page.push(key);
  }
  const next = end >= keys.length ? '0' : String(end);
  return array([bulk(next), bulkArray(page)]);
}

// Integer commands.

function incrementBy(engine: Engine, key: string, delta: bigint): Reply {
  const stored = engine.mock.data.get(key);
  let current = 0n;
  if (stored !== undefined && stored !== null) {
    const parsed = parseInteger(asText(stored));
    if (parsed === null) return NOT_INTEGER;
    current = parsed;
  }
  const next = current + delta;
  if (next > MAX_INT64 || next < MIN_INT64) return OVERFLOW;
  if (next <= BigInt(Number.MAX_SAFE_INTEGER) && next >= BigInt(Number.MIN_SAFE_INTEGER)) {
    return then(call(engine, 'incrby', [key, String(delta)]), () => integer(next));
  }
  // Beyond 2^53 ioredis-mock's arithmetic loses digits, so the exact result is written into its
  // keyspace directly; that keeps the key's expiry, as INCRBY must.
  engine.mock.data.set(key, String(next));
  return integer(next);
}

function incrCommand(sign: bigint, withAmount: boolean): Handler {
  return (engine, args) => {
    let delta = sign;
    if (withAmount) {
      const amount = parseInteger(args[2]!);
      if (amount === null) return NOT_INTEGER;
      if (sign < 0n && amount === MIN_INT64) return error('ERR decrement would overflow');
      delta = amount * sign;
    }
    return incrementBy(engine, args[1]!, delta);
  };
}

function hincrbyCommand(engine: Engine, args: string[]): Reply {
  const [, key, field, amountText] = args as [string, string, string, string];
  const amount = parseInteger(amountText);
  if (amount === null) return NOT_INTEGER;
  const hash = engine.mock.data.get(key) as Record<string, unknown> | undefined;
  let current = 0n;
  if (hash !== undefined && Object.prototype.hasOwnProperty.call(hash, field)) {
    const parsed = parseInteger(asText(hash[field]));
    if (parsed === null) return error('ERR hash value is not an integer');
    current = parsed;
  }
  const next = current + amount;
  if (next > MAX_INT64 || next < MIN_INT64) return OVERFLOW;
  // HSET with the exact decimal keeps big values exact, which ioredis-mock's HINCRBY does not.
  return then(call(engine, 'hset', [key, field, String(next)]), () => integer(next));
}

// Collections. Redis deletes a key once its collection is empty; ioredis-mock does not always.

function deleteIfEmpty(engine: Engine, key: string): void {
  const value = engine.mock.data.get(key);
  const empty =
    (Array.isArray(value) && value.length === 0) ||
    ((value instanceof Set || value instanceof Map) && value.size === 0) ||
    (value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !(value instanceof Set) &&
      !(value instanceof Map) &&
      !Buffer.isBuffer(value) &&
      Object.keys(value).length === 0);
  if (empty) engine.mock.data.delete(key);
}

function popCommand(name: 'lpop' | 'rpop'): Handler {
  return (engine, args) => {
    const key = args[1]!;
    if (args.length > 3) return error(`ERR wrong number of arguments for '${name}' command`);
    if (args.length === 2) return then(call(engine, name, [key]), encodeBulk);
    const count = parseNumber(args[2]!);
    if (count === null || count < 0) return error('ERR value is out of range, must be positive');
    if (!engine.mock.data.has(key)) return NULL_ARRAY;
    if (count === 0) return EMPTY_ARRAY;
    return then(call(engine, name, [key, String(count)]), (items) => {
      const list = Array.isArray(items) ? items : [items];
      // ioredis-mock's RPOP with a count returns the tail in list order; Redis pops from the end.
      return encodeBulkArray(name === 'rpop' ? list.slice().reverse() : list);
    });
  };
}

function zaddCommand(engine: Engine, args: string[]): Reply {
  const key = args[1]!;
  let i = 2;
  const flags = new Set<string>();
  for (; i < args.length; i++) {
    const option = args[i]!.toUpperCase();
    if (
      option === 'NX' ||
      option === 'XX' ||
      option === 'GT' ||
      option === 'LT' ||
      option === 'CH'
    ) {
      flags.add(option);
    } else break;
  }
  const pairs = args.slice(i);
  if (pairs.length === 0 || pairs.length % 2 !== 0) return SYNTAX;
  if (flags.has('NX') && flags.has('XX')) {
    return error('ERR XX and NX options at the same time are not compatible');
  }
  if (
    (flags.has('GT') && flags.has('LT')) ||
    (flags.has('NX') && (flags.has('GT') || flags.has('LT')))
  ) {
    return error('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  const scores: [number, string][] = [];
  for (let j = 0; j < pairs.length; j += 2) {
    const score = parseScore(pairs[j]!);
    if (score === null || Number.isNaN(score)) return NOT_FLOAT;
    scores.push([score, pairs[j + 1]!]);
  }
  // The scores are applied here, against ioredis-mock's sorted set (a Map of member to score),
  // because ioredis-mock's ZADD ignores GT, LT and CH.
  const zset =
    (engine.mock.data.get(key) as Map<string, number> | undefined) ?? new Map<string, number>();
  let added = 0;
  let changed = 0;
  for (const [score, member] of scores) {
    const old = zset.get(member);
    if (old === undefined) {
      if (flags.has('XX')) continue;
      zset.set(member, score);
      added++;
    } else {
      if (flags.has('NX')) continue;
      if (flags.has('GT') && !(score > old)) continue;
      if (flags.has('LT') && !(score < old)) continue;
      if (old !== score) {
        zset.set(member, score);
        changed++;
      }
    }
  }
  if (zset.size > 0) engine.mock.data.set(key, zset);
  return integer(flags.has('CH') ? added + changed : added);
}

function zrangeCommand(engine: Engine, args: string[]): Reply {
  const start = parseNumber(args[2]!);
  const stop = parseNumber(args[3]!);
  let withScores = false;
  for (let i = 4; i < args.length; i++) {
    if (args[i]!.toUpperCase() === 'WITHSCORES') withScores = true;
    else return SYNTAX;
  }
  if (start === null || stop === null) return NOT_INTEGER;
  const zset = engine.mock.data.get(args[1]!) as Map<string, number> | undefined;
  if (zset === undefined) return EMPTY_ARRAY;
  const sorted = [...zset.entries()].sort((a, b) =>
    a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  );
  const length = sorted.length;
  const from = Math.max(0, start < 0 ? length + start : start);
  const to = Math.min(length - 1, stop < 0 ? length + stop : stop);
  const out: string[] = [];
  for (let i = from; i <= to; i++) {
    out.push(sorted[i]![0]);
    if (withScores) out.push(formatScore(sorted[i]![1]));
  }
  return bulkArray(out);
}

// Server and connection commands.

function infoText(engine: Engine): string {
  const keys = engine.mock.data.keys();
  let expiring = 0;
  for (const key of keys) if (engine.mock.expires.has(key)) expiring++;
  const uptime = Math.floor((Date.now() - engine.startedAt) / 1000);
  const memory = process.memoryUsage();
  const lines = [
    '# Server',
    `redis_version:${REDIS_VERSION}`,
    'redis_mode:standalone',
    'executable:embedded-store (ioredis-mock)',
    `os:${process.platform}`,
    `arch_bits:64`,
    `process_id:${process.pid}`,
    `tcp_port:${engine.port}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    '',
    '# Clients',
    `connected_clients:${engine.clients()}`,
    '',
    '# Memory',
    `used_memory:${memory.heapUsed}`,
    `used_memory_rss:${memory.rss}`,
    'maxmemory:0',
    'maxmemory_policy:noeviction',
    '',
    '# Persistence',
    'loading:0',
    'rdb_bgsave_in_progress:0',
    'aof_enabled:0',
    '',
    '# Replication',
    'role:master',
    'connected_slaves:0',
    '',
    '# Keyspace',
  ];
  if (keys.length > 0) lines.push(`db0:keys=${keys.length},expires=${expiring},avg_ttl=0`);
  return lines.join('\r\n') + '\r\n';
}

/** Settings CONFIG GET answers, with the values that tell clients there is no persistence to wait for. */
const CONFIG: Record<string, string> = {
  save: '',
  appendonly: 'no',
  databases: '1',
  maxmemory: '0',
  'maxmemory-policy': 'noeviction',
  timeout: '0',
  'proto-max-bulk-len': '16777216',
  'notify-keyspace-events': '',
};

function configCommand(engine: Engine, args: string[]): Reply {
  const sub = args[1]!.toLowerCase();
  if (sub === 'get') {
    if (args.length < 3) return error("ERR wrong number of arguments for 'config|get' command");
    const out: string[] = [];
    const values: Record<string, string> = {
      ...CONFIG,
      port: String(engine.port),
      bind: '127.0.0.1',
    };
    for (const name of Object.keys(values)) {
      if (args.slice(2).some((pattern) => globMatch(pattern, name, true)))
        out.push(name, values[name]!);
    }
    return bulkArray(out);
  }
  if (sub === 'set') {
    if (args.length < 4 || args.length % 2 !== 0) {
      return error("ERR wrong number of arguments for 'config|set' command");
    }
    // Settings are accepted and ignored: the embedded store has nothing to tune.
    return OK;
  }
  if (sub === 'resetstat') return OK;
  return error(`ERR unknown subcommand '${args[1]}'. Try CONFIG HELP.`);
}

function clientCommand(_engine: Engine, args: string[], session: Session): Reply {
  const sub = args[1]!.toLowerCase();
  const arity = (n: number): string | null =>
    (n > 0 ? args.length !== n : args.length < -n)
      ? error(`ERR wrong number of arguments for 'client|${sub}' command`)
      : null;
  if (sub === 'id') return arity(2) ?? integer(session.id);
  if (sub === 'getname') return arity(2) ?? bulk(session.name);
  if (sub === 'setname') {
    const refused = arity(3);
    if (refused) return refused;
    const name = args[2]!;
    if (/[^\x21-\x7e]/.test(name)) {
      return error('ERR Client names cannot contain spaces, newlines or special characters.');
    }
    session.name = name === '' ? null : name;
    return OK;
  }
  // CLIENT SETINFO came with Redis 7.2; clients send it at connect time and accept OK.
  if (sub === 'setinfo') return arity(4) ?? OK;
  if (sub === 'info') {
    return bulk(`id=${session.id} addr=127.0.0.1 name=${session.name ?? ''} db=0 resp=2\n`);
  }
  return error(`ERR unknown subcommand '${args[1]}'. Try CLIENT HELP.`);
}

function helloCommand(_engine: Engine, args: string[], session: Session): Reply {
  if (args.length >= 2) {
    const version = parseNumber(args[1]!);
    if (version === null) return error('ERR Protocol version is not an integer or out of range');
    // RESP2 and RESP3 are spoken; any other version gets redis-server 7.0's own error.
    if (version !== 2 && version !== 3) return error('NOPROTO unsupported protocol version');
    for (let i = 2; i < args.length; i++) {
      const option = args[i]!.toUpperCase();
      if (option === 'AUTH' && i + 2 < args.length) i += 2;
      else if (option === 'SETNAME' && i + 1 < args.length) session.name = args[++i]!;
      else return error(`ERR Syntax error in HELLO option '${args[i]}'`);
    }
    session.protocol = version === 3 ? 3 : 2;
  }
  return array([
    bulk('server'),
    bulk('redis'),
    bulk('version'),
    bulk(REDIS_VERSION),
    bulk('proto'),
    integer(session.protocol ?? 2),
    bulk('id'),
    integer(session.id),
    bulk('mode'),
    bulk('standalone'),
    bulk('role'),
    bulk('master'),
    bulk('modules'),
    EMPTY_ARRAY,
  ]);
}

function commandInfo(spec: CommandSpec): string {
  return array([
    bulk(spec.name),
    integer(spec.arity),
    EMPTY_ARRAY,
    integer(spec.keyType ? 1 : 0),
    integer(spec.keyType ? 1 : 0),
    integer(spec.keyType ? 1 : 0),
  ]);
}

function commandCommand(_engine: Engine, args: string[]): Reply {
  if (args.length === 1) return array(Object.values(COMMANDS).map(commandInfo));
  const sub = args[1]!.toLowerCase();
  if (sub === 'count') return integer(Object.keys(COMMANDS).length);
  // An empty answer makes redis-cli fall back to its built-in help, which is all it needs.
  if (sub === 'docs') return EMPTY_ARRAY;
  if (sub === 'info') {
    return array(
      args.slice(2).map((name) => {
        const spec = COMMANDS[name.toLowerCase()];
        return spec ? commandInfo(spec) : NULL_ARRAY;
      }),
    );
  }
  return error(`ERR unknown subcommand '${args[1]}'. Try COMMAND HELP.`);
}

function selectCommand(_engine: Engine, args: string[]): Reply {
  const index = parseNumber(args[1]!);
  if (index === null) return NOT_INTEGER;
  // Only database 0 exists: the lab needs one keyspace, and ioredis-mock shares it per host.
  return index === 0 ? OK : error('ERR DB index is out of range');
}

function flushCommand(name: string): Handler {
  return (engine, args) => {
    if (args.length > 2 || (args.length === 2 && !/^(a?sync)$/i.test(args[1]!))) return SYNTAX;
    return then(call(engine, name, []), encodeOk);
  };
}

/** Wraps a handler of field-value pairs: Redis checks that the pairs are whole (`parity` is the expected length modulo 2). */
function pairs(name: string, parity: 0 | 1, handler: Handler): Handler {
  return (engine, args, session) =>
    args.length % 2 === parity
      ? handler(engine, args, session)
      : error(`ERR wrong number of arguments for '${name}' command`);
}

/** Looks up a key's value as a string for reads that return nil on other types (MGET). */
function stringOrNull(engine: Engine, key: string): string | null {
  const value = engine.mock.data.get(key);
  return typeof value === 'string' || Buffer.isBuffer(value) ? asText(value) : null;
}

/** Builds a handler that forwards the arguments after the name to the ioredis-mock command of the same name. */
function forward(
  name: string,
  encode: (value: unknown) => string,
  after?: (engine: Engine, args: string[]) => void,
): Handler {
  return (engine, args) => {
    const done = call(engine, name, args.slice(1));
    if (after) after(engine, args);
    return then(done, encode);
  };
}

const emptied = (engine: Engine, args: string[]): void => deleteIfEmpty(engine, args[1]!);

const specs: CommandSpec[] = [
  // Strings.
  { name: 'get', arity: 2, keyType: 'string', handler: forward('get', encodeBulk) },
  { name: 'set', arity: -3, handler: setCommand },
  {
    name: 'setnx',
    arity: 3,
    handler: (engine, args) => {
      const reply = setCommand(engine, [args[0]!, args[1]!, args[2]!, 'NX']);
      const encode = (r: string): string => (r === OK ? ONE : ZERO);
      return typeof reply === 'string' ? encode(reply) : reply.then(encode);
    },
  },
  { name: 'setex', arity: 4, handler: setWithExpiry('setex', 1000n) },
  { name: 'psetex', arity: 4, handler: setWithExpiry('psetex', 1n) },
  {
    name: 'mget',
    arity: -2,
    handler: (engine, args) => bulkArray(args.slice(1).map((key) => stringOrNull(engine, key))),
  },
  { name: 'mset', arity: -3, handler: pairs('mset', 1, forward('mset', encodeOk)) },
  { name: 'getdel', arity: 2, keyType: 'string', handler: forward('getdel', encodeBulk) },
  {
    name: 'append',
    arity: 3,
    keyType: 'string',
    // The same bound as a bulk string, as Redis applies proto-max-bulk-len to APPEND, so that
    // a value cannot grow past what a client could ever send or read back.
    handler: (engine, args) => {
      const current = stringOrNull(engine, args[1]!);
      if ((current?.length ?? 0) + args[2]!.length > MAX_BULK_LENGTH) {
        return error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      }
      return then(call(engine, 'append', args.slice(1)), encodeInteger);
    },
  },
  { name: 'strlen', arity: 2, keyType: 'string', handler: forward('strlen', encodeInteger) },
  { name: 'incr', arity: 2, keyType: 'string', handler: incrCommand(1n, false) },
  { name: 'decr', arity: 2, keyType: 'string', handler: incrCommand(-1n, false) },
  { name: 'incrby', arity: 3, keyType: 'string', handler: incrCommand(1n, true) },
  { name: 'decrby', arity: 3, keyType: 'string', handler: incrCommand(-1n, true) },
  // Keys and expiry.
  { name: 'del', arity: -2, handler: forward('del', encodeInteger) },
  { name: 'unlink', arity: -2, handler: forward('del', encodeInteger) },
  {
    name: 'exists',
    arity: -2,
    // Redis counts a key named twice twice.
    handler: (engine, args) =>
      integer(args.slice(1).filter((key) => engine.mock.data.has(key)).length),
  },
  { name: 'expire', arity: -3, handler: expireCommand('expire', 1000n, false) },
  { name: 'pexpire', arity: -3, handler: expireCommand('pexpire', 1n, false) },
  { name: 'expireat', arity: -3, handler: expireCommand('expireat', 1000n, true) },
  { name: 'pexpireat', arity: -3, handler: expireCommand('pexpireat', 1n, true) },
  { name: 'ttl', arity: 2, handler: ttlCommand(true) },
  { name: 'pttl', arity: 2, handler: ttlCommand(false) },
  {
    name: 'persist',
    arity: 2,
    handler: (engine, args) =>
      engine.mock.data.has(args[1]!) && engine.mock.expires.has(args[1]!)
        ? then(call(engine, 'persist', [args[1]!]), () => ONE)
        : ZERO,
  },
  { name: 'type', arity: 2, handler: (engine, args) => simple(typeOf(engine, args[1]!) ?? 'none') },
  { name: 'keys', arity: 2, handler: (engine, args) => bulkArray(keysMatching(engine, args[1]!)) },
  { name: 'scan', arity: -2, handler: scanCommand },
  { name: 'dbsize', arity: 1, handler: (engine) => integer(engine.mock.data.keys().length) },
  { name: 'flushdb', arity: -1, handler: flushCommand('flushdb') },
  { name: 'flushall', arity: -1, handler: flushCommand('flushall') },
  // Hashes.
  {
    name: 'hset',
    arity: -4,
    keyType: 'hash',
    handler: pairs('hset', 0, forward('hset', encodeInteger)),
  },
  { name: 'hget', arity: 3, keyType: 'hash', handler: forward('hget', encodeBulk) },
  { name: 'hmget', arity: -3, keyType: 'hash', handler: forward('hmget', encodeBulkArray) },
  {
    name: 'hgetall',
    arity: 2,
    keyType: 'hash',
    handler: forward('hgetall', (value) => encodeBulkArray(Object.entries(value as object).flat())),
  },
  { name: 'hdel', arity: -3, keyType: 'hash', handler: forward('hdel', encodeInteger, emptied) },
  { name: 'hexists', arity: 3, keyType: 'hash', handler: forward('hexists', encodeInteger) },
  { name: 'hincrby', arity: 4, keyType: 'hash', handler: hincrbyCommand },
  { name: 'hlen', arity: 2, keyType: 'hash', handler: forward('hlen', encodeInteger) },
  { name: 'hkeys', arity: 2, keyType: 'hash', handler: forward('hkeys', encodeBulkArray) },
  { name: 'hvals', arity: 2, keyType: 'hash', handler: forward('hvals', encodeBulkArray) },
  // Lists.
  { name: 'lpush', arity: -3, keyType: 'list', handler: forward('lpush', encodeInteger) },
  { name: 'rpush', arity: -3, keyType: 'list', handler: forward('rpush', encodeInteger) },
  { name: 'lpop', arity: -2, keyType: 'list', handler: popCommand('lpop') },
  { name: 'rpop', arity: -2, keyType: 'list', handler: popCommand('rpop') },
  {
    name: 'lrange',
    arity: 4,
    keyType: 'list',
    handler: (engine, args) =>
      parseInteger(args[2]!) === null || parseInteger(args[3]!) === null
        ? NOT_INTEGER
        : then(call(engine, 'lrange', args.slice(1)), encodeBulkArray),
  },
  { name: 'llen', arity: 2, keyType: 'list', handler: forward('llen', encodeInteger) },
  // Sets.
  { name: 'sadd', arity: -3, keyType: 'set', handler: forward('sadd', encodeInteger) },
  { name: 'srem', arity: -3, keyType: 'set', handler: forward('srem', encodeInteger, emptied) },
  { name: 'smembers', arity: 2, keyType: 'set', handler: forward('smembers', encodeBulkArray) },
  { name: 'sismember', arity: 3, keyType: 'set', handler: forward('sismember', encodeInteger) },
  { name: 'scard', arity: 2, keyType: 'set', handler: forward('scard', encodeInteger) },
  // Sorted sets.
  { name: 'zadd', arity: -4, keyType: 'zset', handler: zaddCommand },
  { name: 'zrange', arity: -4, keyType: 'zset', handler: zrangeCommand },
  { name: 'zrem', arity: -3, keyType: 'zset', handler: forward('zrem', encodeInteger, emptied) },
  { name: 'zcard', arity: 2, keyType: 'zset', handler: forward('zcard', encodeInteger) },
  {
    name: 'zscore',
    arity: 3,
    keyType: 'zset',
    handler: (engine, args) => {
      const score = (engine.mock.data.get(args[1]!) as Map<string, number> | undefined)?.get(
        args[2]!,
      );
      return bulk(score === undefined ? null : formatScore(score));
    },
  },
  // Connection and server.
  {
    name: 'ping',
    arity: -1,
    handler: (_engine, args) =>
      args.length > 2
        ? error("ERR wrong number of arguments for 'ping' command")
        : args.length === 2
          ? bulk(args[1]!)
          : simple('PONG'),
  },
  { name: 'echo', arity: 2, handler: (_engine, args) => bulk(args[1]!) },
  {
    name: 'quit',
    arity: -1,
    handler: (_engine, _args, session) => {
      session.closing = true;
      return OK;
    },
  },
  { name: 'select', arity: 2, handler: selectCommand },
  {
    name: 'auth',
    arity: -2,
    // The store has no password, like a redis-server whose default user is `nopass`: a client
    // configured with one gets the same answers, and `AUTH default <anything>` succeeds.
    handler: (_engine, args) => {
      if (args.length > 3) return SYNTAX;
      if (args.length === 2) {
        return error(
          'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
        );
      }
      return args[1] === 'default'
        ? OK
        : error('WRONGPASS invalid username-password pair or user is disabled.');
    },
  },
  { name: 'info', arity: -1, handler: (engine) => bulk(infoText(engine)) },
  { name: 'client', arity: -2, handler: clientCommand },
  { name: 'hello', arity: -1, handler: helloCommand },
  { name: 'command', arity: -1, handler: commandCommand },
  { name: 'config', arity: -2, handler: configCommand },
];

/** Every command the store knows, by lowercase name. */
export const COMMANDS: Record<string, CommandSpec> = Object.create(null) as Record<
  string,
  CommandSpec
>;
for (const spec of specs) COMMANDS[spec.name] = spec;

/**
 * Checks a command against the table: the error reply redis-server would send for an unknown
 * command or a wrong number of arguments, or the spec to run.
 */
export function lookup(args: string[]): CommandSpec | string {
  const spec = COMMANDS[args[0]!.toLowerCase()];
  if (spec === undefined) {
    // Redis quotes the arguments, each followed by a space, until 128 bytes are used up.
    let quoted = '';
    for (let i = 1; i < args.length && quoted.length < 128; i++) {
      quoted += `'${args[i]!.slice(0, 128 - quoted.length)}' `;
    }
    return error(
      `ERR unknown command '${args[0]!.slice(0, 128)}', with args beginning with: ${quoted}`,
    );
  }
  const arity = spec.arity;
  if ((arity > 0 && args.length !== arity) || args.length < -arity) {
    return error(`ERR wrong number of arguments for '${spec.name}' command`);
  }
  return spec;
}

/** Runs a command already checked by `lookup`: first the key type, then the handler. */
export function run(engine: Engine, spec: CommandSpec, args: string[], session: Session): Reply {
  if (spec.keyType !== undefined) {
    const type = typeOf(engine, args[1]!);
    if (type !== null && type !== spec.keyType) return WRONGTYPE;
  }
  try {
    return spec.handler(engine, args, session);
  } catch (cause) {
    // ioredis-mock throws synchronously for some inputs; the client gets an error, not a hang.
    return mockError(cause);
  }
}

/** Creates the ioredis-mock instance that holds one store's data, separate from any other store's. */
export function createMock(id: string): MockClient {
  // ioredis-mock shares data between instances with the same host, port and db, so each store
  // names its own host.
  return new RedisMock({
    host: `embedded-store-${id}`,
    port: 6379,
    lazyConnect: false,
  }) as unknown as MockClient;
}
