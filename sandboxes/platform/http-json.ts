import type http from 'node:http';

/** A request refused with an HTTP status and a message that says what to do instead. */
export class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Refuses a request that a page of another site made through the learner's browser: such a page
 * must not drive the lab or write its files. `action` completes the message, e.g. "control the lab".
 */
export function refuseCrossSite(request: http.IncomingMessage, action: string): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, `Cross-site requests cannot ${action} (Sec-Fetch-Site: ${site}).`);
  }
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
