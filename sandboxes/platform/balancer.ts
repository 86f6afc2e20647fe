import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { EventBus } from './events.ts';
import { isStaleKeepAlive, sendJson } from './http.ts';
import { labLanguage, type Lang, type Localized } from './language.ts';
import { nodeHttp } from './node-http.ts';
import type { Instance } from './instance.ts';
import { SESSION_HEADERS } from './types.ts';

/** What the balancer needs to know of the platform. */
export interface BalancerSource {
  /** The instances that may take a request now, in a stable order. */
  routable(): Instance[];
  /** Whether sticky sessions are on. */
  readonly sticky: boolean;
}

/** How the balancer is set up. */
export interface BalancerOptions {
  /** The session cookie's name, which sticky mode and the session headers read. @default 'lab.sid' */
  cookieName?: string;
  /** `LAB_FRAMED=1`: the outside is HTTPS (WebContainer's preview), so the app is told so. */
  framed?: boolean;
  /**
   * Called with each answer of the app to an `/api/*` request, body included, once it has been
   * passed on (classroom mode reads the room's counts from them). @default none
   */
  onAppAnswer?: (answer: AppAnswer) => void;
  /**
   * `LAB_LANG`: the language of the balancer's own errors, which stand in for the app's answer,
   * so they speak the app's language. @default labLanguage()
   */
  lang?: Lang;
}

/** One answer of the app to an `/api/*` request, as the balancer passed it on. */
export interface AppAnswer {
  request: http.IncomingMessage;
  instance: string;
  status: number;
  /** The answer's body, up to 64 KiB. */
  body: Buffer;
}

/** The most of an app's answer kept for `onAppAnswer`. */
const MAX_OBSERVED_BYTES = 64 * 1024;

// What a cookie value may hold (RFC 6265's cookie-octet): no space, quote, comma, semicolon or
// backslash, so a value from X-Lab-Session cannot smuggle another cookie in.
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

/** The largest request body the balancer holds while it picks an instance. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Affinity entries kept for sticky sessions; the oldest go first. */
const MAX_AFFINITY = 10_000;

// Headers about one hop only; a proxy must not pass them on.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * An HTTP reverse proxy in front of the instances: round-robin over the ready ones, or, with
 * sticky sessions on, the same instance for the same session cookie (the anti-pattern the lab
 * demonstrates). The request body is held in memory so that a request refused at connect time
 * can go to another instance.
 */
export class Balancer {
  #source: BalancerSource;
  #bus: EventBus;
  #cookieName: string;
  #framed: boolean;
  #onAppAnswer: ((answer: AppAnswer) => void) | null;
  #lang: Lang;
  #next = 0;
  #affinity = new Map<string, string>();
  // As many idle connections kept as may be open: a room's burst would otherwise close the
  // ones above the cap as it ends, and the next burst would wait on new connections.
  #agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

  constructor(source: BalancerSource, bus: EventBus, options: BalancerOptions = {}) {
    this.#source = source;
    this.#bus = bus;
    this.#cookieName = options.cookieName ?? 'lab.sid';
    this.#framed = options.framed ?? false;
    this.#onAppAnswer = options.onAppAnswer ?? null;
    this.#lang = options.lang ?? labLanguage();
  }

  /** Forwards one request to an instance and its answer back to the client. */
  handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) {
        sendJson(response, 413, {
          error: this.#say({
            fr: `Corps de requête de plus de ${MAX_BODY_BYTES} octets : envoyez-en moins.`,
            en: `Request body larger than ${MAX_BODY_BYTES} bytes: send less.`,
          }),
        });
        return;
      }
      const carried = request.headers[SESSION_HEADERS.session];
      if (typeof carried === 'string' && carried !== '' && !COOKIE_VALUE.test(carried)) {
        sendJson(response, 400, {
          error: this.#say({
            fr: `${SESSION_HEADERS.session} doit contenir une valeur de témoin telle que le laboratoire l'a envoyée (sans espace, virgule ni point-virgule).`,
            en: `${SESSION_HEADERS.session} must hold a cookie value as the lab sent it (no spaces, commas or semicolons).`,
          }),
        });
        return;
      }
      const body = chunks.length === 0 ? null : Buffer.concat(chunks);
      this.#forward(request, response, body, receivedAt);
    });
    request.on('error', () => response.destroy());
  }

  // One of the balancer's own sentences, in the lab's language.
  #say(text: Localized): string {
    return text[this.#lang];
  }

  /** Closes the idle connections kept to the instances. */
  close(): void {
    this.#agent.destroy();
  }

  #forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    body: Buffer | null,
    receivedAt: number,
  ): void {
    const candidates = this.#source.routable();
    if (candidates.length === 0) {
      sendJson(response, 503, {
        error: this.#say({
          fr: 'Aucune instance ne tourne : la plateforme est en train de les démarrer ou de les remplacer. Réessayez dans un instant.',
          en: 'No instance is running: the platform is starting or replacing them. Try again in a moment.',
        }),
      });
      this.#report(request.headers.cookie, request, null, 503, receivedAt, undefined);
      return;
    }
    // The session's second way to travel: a value carried in X-Lab-Session, by a page whose
    // browser refuses the cookie in a frame, becomes the cookie the app reads (and sticky mode).
    const cookieSent = this.#sessionCookie(request.headers.cookie) !== null;
    const carried = request.headers[SESSION_HEADERS.session];
    const asksForSession = carried !== undefined;
    const headers = forwardedHeaders(request, body, this.#framed);
    delete headers[SESSION_HEADERS.session];
    if (typeof carried === 'string' && carried !== '' && !cookieSent) {
      const cookie = `${this.#cookieName}=${carried}`;
      headers['cookie'] = request.headers.cookie ? `${request.headers.cookie}; ${cookie}` : cookie;
    }
    const cookieHeader = typeof headers['cookie'] === 'string' ? headers['cookie'] : undefined;
    const key = this.#source.sticky ? this.#sessionCookie(cookieHeader) : null;
    const first = this.#choose(candidates, key);
    const tried = new Set<Instance>();

    const attempt = (instance: Instance): void => {
      tried.add(instance);
      const upstream = nodeHttp.request({
        host: '127.0.0.1',
        port: instance.port,
        method: request.method,
        path: request.url,
        headers,
        agent: this.#agent,
      });
      upstream.on('response', (answer) => {
        instance.served += 1;
        const status = answer.statusCode ?? 502;
        const setCookie = answer.headers['set-cookie'];
        if (this.#source.sticky) this.#remember(key, setCookie, instance);
        const fresh = this.#newSessionCookie(setCookie);
        const extra: http.OutgoingHttpHeaders = {
          'x-lab-instance': instance.id,
          [SESSION_HEADERS.cookie]: cookieSent ? 'sent' : fresh !== null ? 'new' : 'none',
        };
        if (asksForSession && fresh !== null) extra[SESSION_HEADERS.session] = fresh;
        response.writeHead(status, answer.statusMessage, {
          ...withoutHopByHop(answer.headers),
          ...extra,
        });
        answer.pipe(response);
        answer.on('error', () => response.destroy());
        if (this.#onAppAnswer && request.url?.startsWith('/api/')) {
          this.#observe(answer, request, instance.id, status, this.#onAppAnswer);
        }
        this.#report(cookieHeader, request, instance.id, status, receivedAt, setCookie);
      });
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        // Retry only when the instance cannot have seen the request: the connection was refused,
        // or a kept-alive connection was closed by the instance just as we reused it.
        const neverSeen = error.code === 'ECONNREFUSED' || isStaleKeepAlive(upstream, error);
        const next = this.#source.routable().find((candidate) => !tried.has(candidate));
        if (neverSeen && next && !response.headersSent) {
          attempt(next);
          return;
        }
        if (response.headersSent) {
          response.destroy();
          return;
        }
        sendJson(response, 502, {
          error: this.#say({
            fr: `L'instance ${instance.id} a échoué avant de répondre (${error.code ?? error.message}) : réessayez.`,
            en: `Instance ${instance.id} failed before answering (${error.code ?? error.message}): try again.`,
          }),
        });
        this.#report(cookieHeader, request, instance.id, 502, receivedAt, undefined);
      });
      // The client left: stop the work on its behalf.
      response.on('close', () => {
        if (!response.writableFinished) upstream.destroy();
      });
      upstream.end(body ?? undefined);
    };

    attempt(first);
  }

  // Reads the answer beside the pipe that passes it on: both see the same chunks.
  #observe(
    answer: http.IncomingMessage,
    request: http.IncomingMessage,
    instance: string,
    status: number,
    onAppAnswer: (answer: AppAnswer) => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OBSERVED_BYTES) chunks.push(chunk);
    });
    answer.on('end', () => onAppAnswer({ request, instance, status, body: Buffer.concat(chunks) }));
  }

  #choose(candidates: Instance[], key: string | null): Instance {
    if (key) {
      const pinned = this.#affinity.get(key);
      const instance = candidates.find((candidate) => candidate.id === pinned);
      if (instance) return instance;
    }
    this.#next = (this.#next + 1) % candidates.length;
    return candidates[this.#next] ?? candidates[0]!;
  }

  // The session cookie's value in an answer's Set-Cookie lines, or null when it sets none.
  #newSessionCookie(setCookie: string[] | undefined): string | null {
    return setCookie
      ? readCookie(setCookie.map((line) => line.split(';')[0]).join('; '), this.#cookieName)
      : null;
  }

  // Sticky mode pins a session to the instance that answered it; a new cookie is pinned too.
  #remember(key: string | null, setCookie: string[] | undefined, instance: Instance): void {
    const fresh = this.#newSessionCookie(setCookie);
    for (const value of [key, fresh]) {
      if (!value) continue;
      this.#affinity.delete(value);
      this.#affinity.set(value, instance.id);
    }
    while (this.#affinity.size > MAX_AFFINITY) {
      const oldest = this.#affinity.keys().next().value;
      if (oldest === undefined) break;
      this.#affinity.delete(oldest);
    }
  }

  #sessionCookie(header: string | undefined): string | null {
    return header ? readCookie(header, this.#cookieName) : null;
  }

  // `cookieHeader` is the Cookie header the app saw, which X-Lab-Session may have completed.
  #report(
    cookieHeader: string | undefined,
    request: http.IncomingMessage,
    instance: string | null,
    status: number,
    receivedAt: number,
    setCookie: string[] | undefined,
  ): void {
    if (!this.#bus.listeningToRequests) return;
    const cookie = this.#newSessionCookie(setCookie) || this.#sessionCookie(cookieHeader);
    this.#bus.emit({
      type: 'request',
      at: Date.now(),
      instance,
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?')[0] ?? '/',
      status,
      ms: Math.round((performance.now() - receivedAt) * 10) / 10,
      session: cookie ? sessionTag(cookie) : null,
    });
  }
}

/** Reads one cookie's raw value from a Cookie header. */
export function readCookie(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

/**
 * A short tag for a session cookie that lets a timeline follow one visitor without exposing the
 * cookie. Only the session id is hashed, not its signature, so the tag stays the same when an
 * instance adopts the id.
 */
export function sessionTag(cookieValue: string): string {
  const decoded = decodeURIComponent(cookieValue);
  const id = decoded.startsWith('s:') ? (decoded.slice(2).split('.')[0] ?? decoded) : decoded;
  return createHash('sha256').update(id).digest('hex').slice(0, 8);
}

// In framed mode the visitor reached the lab over HTTPS (WebContainer's preview relays it as
// plain HTTP inside), and the app must know it to send its Secure session cookie.
function forwardedHeaders(
  request: http.IncomingMessage,
  body: Buffer | null,
  framed: boolean,
): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = withoutHopByHop(request.headers);
  const client = request.socket.remoteAddress ?? '';
  const previous = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
  headers['x-forwarded-proto'] = framed ? 'https' : 'http';
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
  headers['content-length'] = String(body?.length ?? 0);
  return headers;
}

function withoutHopByHop(source: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}
