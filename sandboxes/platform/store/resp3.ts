/**
 * RESP3 for the clients that ask for it with `HELLO 3` (node-redis 6 does, and has no fallback).
 * The command handlers answer in RESP2; this rewrites one finished reply into RESP3: nulls become
 * `_`, and the replies that Redis 7 sends as maps, sets or doubles in RESP3 take those types.
 */

/** Commands whose RESP2 flat array of pairs is a map in RESP3. */
const MAP_REPLIES = new Set(['hgetall', 'config', 'hello']);
/** Commands whose RESP2 array is a set in RESP3. */
const SET_REPLIES = new Set(['smembers', 'sinter', 'sunion', 'sdiff']);
/** Commands whose RESP2 bulk string is a double in RESP3. */
const DOUBLE_REPLIES = new Set(['zscore', 'zincrby', 'incrbyfloat']);

/** Rewrites one complete RESP2 reply to `command` as the RESP3 reply Redis would send. */
export function toResp3(reply: string, command: string): string {
  const name = command.toLowerCase();
  let at = 0;
  const line = (): string => {
    const end = reply.indexOf('\r\n', at);
    const text = reply.slice(at + 1, end);
    at = end + 2;
    return text;
  };
  const node = (top: boolean): string => {
    const type = reply[at];
    if (type === '$') {
      const length = Number(line());
      if (length < 0) return '_\r\n';
      const body = reply.slice(at, at + length);
      at += length + 2;
      if (top && DOUBLE_REPLIES.has(name)) return `,${body}\r\n`;
      return `$${length}\r\n${body}\r\n`;
    }
    if (type === '*') {
      const count = Number(line());
      if (count < 0) return '_\r\n';
      let items = '';
      for (let i = 0; i < count; i++) items += node(false);
      if (top && MAP_REPLIES.has(name) && count % 2 === 0) return `%${count / 2}\r\n${items}`;
      if (top && SET_REPLIES.has(name)) return `~${count}\r\n${items}`;
      return `*${count}\r\n${items}`;
    }
    // Simple strings, errors and integers are the same in both protocols.
    return `${type}${line()}\r\n`;
  };
  // A reply that is not one well-formed value is passed on untouched rather than mangled.
  try {
    const converted = node(true);
    return at === reply.length ? converted : reply;
  } catch {
    return reply;
  }
}
