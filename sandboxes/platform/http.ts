/**
 * The HTTP helpers every server of the lab shares (the control API, the balancer, the lab host):
 * JSON answers, JSON bodies, the host-name and cross-site guards and Server-Sent Events streams.
 */
import type http from 'node:http';
import net from 'node:net';
import { LocalizedError, type Localized } from './language.ts';

/**
 * A request refused with an HTTP status and a message that says what to do instead, in both
 * languages when it is written as a pair: whoever answers picks the request's (language.ts).
 */
export class HttpError extends LocalizedError {
  status: number;
  constructor(status: number, message: string | Localized) {
    super(message);
    this.status = status;
  }
}

/** Which `Host` names a server of the lab answers to (see `refuseForeignHost`). */
export interface HostGuardOptions {
  /** The server's own address (`LAB_HOST`, or the site's `HOST`), allowed when it is a name. */
  ownHost?: string;
  /** `LAB_ALLOWED_HOSTS`: more names, e.g. the laptop's name on the room's network. @default [] */
  allowed?: readonly string[];
  /** `LAB_FRAMED=1`: the relay in front of the lab picks the `Host`, so any is accepted. @default false */
  framed?: boolean;
}

/** Reads `LAB_ALLOWED_HOSTS`: names separated by commas, spaces ignored, in lower case. */
export function parseAllowedHosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

/** The name in a `Host` header without its port (and an IPv6 literal without its brackets). */
export function hostName(header: string): string {
  // `localhost.` and `localhost` are one name: a fully qualified name may end with a dot.
  const value = header
    .trim()
    .toLowerCase()
    .replace(/\.(?=(:\d+)?$)/, '');
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(1, end) : value;
  }
  // One colon separates a port; several are an IPv6 address written without brackets.
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/**
 * Whether a `Host` header names this server: `localhost`, an IP literal, its own host or an
 * allowed name. Any other name reached it through DNS rebinding, or a name nobody allowed.
 */
export function hostAllowed(header: string | undefined, options: HostGuardOptions = {}): boolean {
  if (options.framed) return true;
  // Only a browser can be tricked by rebinding, and every browser sends Host; a client without
  // one (an HTTP/1.0 tool) chose this address itself.
  if (header === undefined || header === '') return true;
  const name = hostName(header);
  if (name === 'localhost' || net.isIP(name) !== 0) return true;
  const own = options.ownHost ? hostName(options.ownHost) : '';
  return name === own || (options.allowed ?? []).includes(name);
}

/**
 * Refuses a request whose `Host` is none of this server's names (see `hostAllowed`). A page
 * that rebinds its own name to this machine is same-origin with it, so Origin and
 * Sec-Fetch-Site cannot catch it; its Host still carries the page's name.
 */
export function refuseForeignHost(
  request: http.IncomingMessage,
  options: HostGuardOptions = {},
): void {
  if (hostAllowed(request.headers.host, options)) return;
  const name = hostName(request.headers.host ?? '');
  throw new HttpError(403, {
    fr: `Ce laboratoire ne répond pas au nom d'hôte « ${name} ». Ouvrez-le par localhost ou par son adresse IP, ou ajoutez ce nom à LAB_ALLOWED_HOSTS (séparés par des virgules) en le démarrant.`,
    en: `This lab does not answer to the host name "${name}". Open it as localhost or by its IP address, or add the name to LAB_ALLOWED_HOSTS (comma-separated) when you start it.`,
  });
}

/** How the cross-site guard reads a request. */
export interface CrossSiteOptions {
  /**
   * `LAB_FRAMED=1`: a relay in front of the lab picks the `Host` it sees, so `Origin` need not
   * match it; the browser's own `Sec-Fetch-Site: same-origin` is then what says the request
   * comes from the lab's page. @default false
   */
  framed?: boolean;
}

/**
 * Refuses a request that a page of another site made through the learner's browser: such a page
 * must not drive the lab or write its files. `action` completes the message, e.g. "control the
 * lab" (`{ fr: 'piloter le laboratoire', en: 'control the lab' }` for both languages).
 */
export function refuseCrossSite(
  request: http.IncomingMessage,
  action: string | Localized,
  options: CrossSiteOptions = {},
): void {
  const doing = typeof action === 'string' ? { fr: action, en: action } : action;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, {
      fr: `Une requête d'un autre site ne peut pas ${doing.fr} (Sec-Fetch-Site: ${site}).`,
      en: `Cross-site requests cannot ${doing.en} (Sec-Fetch-Site: ${site}).`,
    });
  }
  // Browsers set Sec-Fetch-Site themselves and no page can forge it: same-origin is the lab's
  // own page, whatever Host the relay chose.
  if (options.framed && site === 'same-origin') return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    // An opaque origin ("null") has no host, and is refused below.
  }
  // Behind the site's proxy the original host travels in X-Forwarded-Host.
  const forwarded = request.headers['x-forwarded-host'];
  const hosts = [
    request.headers.host,
    ...(typeof forwarded === 'string' ? forwarded.split(',') : []),
  ];
  if (!host || !hosts.some((candidate) => candidate?.trim() === host)) {
    throw new HttpError(403, {
      fr: `Une requête de l'origine « ${origin} » ne peut pas ${doing.fr}.`,
      en: `Requests from origin "${origin}" cannot ${doing.en}.`,
    });
  }
}

/**
 * Reads a JSON object body of at most `maxBytes`. JSON only, so that a plain HTML form cannot
 * send one; an empty body stands for `{}`.
 */
export async function readJsonBody(
  request: http.IncomingMessage,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes)
      throw new HttpError(413, {
        fr: `Corps de requête de plus de ${maxBytes} octets : envoyez-en moins.`,
        en: `Request body larger than ${maxBytes} bytes: send less.`,
      });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, {
      fr: `Envoyez du JSON (Content-Type: application/json), pas ${type}.`,
      en: `Send JSON (Content-Type: application/json), not ${type}.`,
    });
  }
  if (text.trim() === '') return {};
  if (type === undefined)
    throw new HttpError(415, {
      fr: 'Envoyez du JSON avec Content-Type: application/json.',
      en: 'Send JSON with Content-Type: application/json.',
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, {
      fr: "Le corps n'est pas du JSON valide : vérifiez guillemets et virgules.",
      en: 'The body is not valid JSON: check its quotes and commas.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, {
      fr: 'Le corps doit être un objet JSON, par exemple {"count": 3}.',
      en: 'The body must be a JSON object, e.g. {"count": 3}.',
    });
  }
  return value as Record<string, unknown>;
}

/**
 * Whether a request to an upstream server failed on a kept-alive connection that the server had
 * closed just as it was reused ("socket hang up", ECONNRESET): the server never saw the request,
 * so sending it again on a new connection is safe. A proxy that does not retry these answers 502
 * for nothing, now and then, under the load of a page's parallel requests.
 */
export function isStaleKeepAlive(
  upstream: http.ClientRequest,
  error: NodeJS.ErrnoException,
): boolean {
  return upstream.reusedSocket && error.code === 'ECONNRESET';
}

/** Answers with a JSON body and the right headers; destroys the response if it has already begun. */
export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  extra: http.OutgoingHttpHeaders = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  response.end(text);
}

/** Options of an event stream. */
export interface EventStreamOptions {
  /** Headers added to the stream's response (e.g. the dashboard's embedding headers). */
  headers?: http.OutgoingHttpHeaders;
  /** A comment is sent this often so that idle proxies keep the connection. @default 15000 */
  keepAliveMs?: number;
  /** A client this many bytes behind is dropped rather than buffered without end. @default 1 MiB */
  maxBacklog?: number;
  /** Called once when the stream ends, whoever ends it. */
  onClose?: () => void;
}

/** An open Server-Sent Events stream. */
export interface EventStream {
  /** Sends one event (`event:` line only when `type` is given); false once the stream is gone. */
  send(data: string, type?: string): boolean;
  /** Whether the stream is still open. */
  readonly open: boolean;
  close(): void;
}

/**
 * Starts a Server-Sent Events response. A client that stops reading is dropped once it is
 * `maxBacklog` bytes behind, so a stalled tab cannot make the server buffer without end.
 */
export function openEventStream(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: EventStreamOptions = {},
): EventStream {
  const maxBacklog = options.maxBacklog ?? 1024 * 1024;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // Asks nginx-like proxies not to buffer the stream.
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  response.write('retry: 1000\n\n');
  let open = true;
  const keepAlive = setInterval(() => {
    if (open) response.write(': keep-alive\n\n');
  }, options.keepAliveMs ?? 15_000);
  const close = (): void => {
    if (!open) return;
    open = false;
    clearInterval(keepAlive);
    options.onClose?.();
    response.end();
  };
  request.on('close', close);
  response.on('close', close);
  return {
    get open() {
      return open;
    },
    send(data, type) {
      if (!open) return false;
      if (response.writableLength > maxBacklog) {
        open = false;
        clearInterval(keepAlive);
        options.onClose?.();
        response.destroy();
        return false;
      }
      const lines = data
        .split('\n')
        .map((line) => `data: ${line}`)
        .join('\n');
      response.write(`${type ? `event: ${type}\n` : ''}${lines}\n\n`);
      return true;
    },
    close,
  };
}
