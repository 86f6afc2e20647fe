/**
 * The HTTP helpers every server of the lab shares (the control API, the balancer, the lab host):
 * JSON answers, JSON bodies, the cross-site guard and Server-Sent Events streams.
 */
import type http from 'node:http';

/** A request refused with an HTTP status and a message that says what to do instead. */
export class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
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
 * must not drive the lab or write its files. `action` completes the message, e.g. "control the lab".
 */
export function refuseCrossSite(
  request: http.IncomingMessage,
  action: string,
  options: CrossSiteOptions = {},
): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `Cross-site requests cannot ${action} (Sec-Fetch-Site: ${site}).`);
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
    throw new HttpError(403, `Requests from origin "${origin}" cannot ${action}.`);
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
    if (size > maxBytes) throw new HttpError(413, `Request body larger than ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = request.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, `Send JSON (Content-Type: application/json), not ${type}.`);
  }
  if (text.trim() === '') return {};
  if (type === undefined)
    throw new HttpError(415, 'Send JSON with Content-Type: application/json.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
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
