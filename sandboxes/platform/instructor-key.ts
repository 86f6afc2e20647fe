/**
 * The instructor's key: what lets one person drive a lab that a whole room can reach (the
 * classroom lab, or the labs of `npm start` on a room's network). It travels as
 * `Authorization: Bearer <key>` or in the HttpOnly cookie that opening the instructor's URL sets,
 * and it is compared in constant time, so that timing answers tell nothing about it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { readCookie } from './balancer.ts';

/** The HttpOnly cookie that carries the key once the instructor has opened their URL. */
export const INSTRUCTOR_COOKIE = 'lab.instructor';

/** A new random key, safe in a URL: `CLASSROOM_KEY` when it is set, else this. */
export function newInstructorKey(): string {
  return randomBytes(18).toString('base64url');
}

/** The key a request presents, from `Authorization: Bearer` first, then the cookie; or null. */
export function presentedKey(request: http.IncomingMessage): string | null {
  const authorization = request.headers.authorization;
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (bearer) return bearer;
  const cookie = request.headers.cookie;
  const value = cookie ? readCookie(cookie, INSTRUCTOR_COOKIE) : null;
  return value ? decodeURIComponent(value) : null;
}

/**
 * Whether `presented` is the key, in constant time. Both are hashed first so that the
 * comparison always runs over 32 bytes, whatever length was sent.
 */
export function keyMatches(presented: string | null, key: string): boolean {
  if (presented === null) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(key));
}

/** The cookie that keeps the key in the instructor's browser, for `Path` (e.g. `/` or `/_labs/`). */
export function instructorCookie(key: string, cookiePath: string): string {
  // SameSite=Strict: no page of another site can make the browser send it along.
  return `${INSTRUCTOR_COOKIE}=${encodeURIComponent(key)}; Path=${cookiePath}; HttpOnly; SameSite=Strict; Max-Age=86400`;
}

/** Whether an address is this machine's own (127.0.0.0/8, ::1, or IPv4 mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (net.isIPv4(plain)) return plain.startsWith('127.');
  return plain === '::1';
}

/**
 * The address of the client a request is for. A request from this machine that carries
 * X-Forwarded-For came through a proxy of ours (the site's, which appends the address it saw):
 * its last entry is the one that proxy wrote, and the only one to trust; the entries before it
 * came from the client and could say anything.
 */
export function clientAddress(request: http.IncomingMessage): string {
  const peer = request.socket.remoteAddress ?? '';
  if (!isLoopback(peer)) return peer;
  const forwarded = request.headers['x-forwarded-for'];
  const chain = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return chain.at(-1) ?? peer;
}
