/**
 * WebContainer's preview, reproduced on one machine for the browser tests.
 *
 * In WebContainer the dashboard is shown in a frame of another site: the course page is on one
 * name, the preview on another, HTTPS outside, plain HTTP inside, through a relay that picks the
 * `Host` the lab sees. Two loopback addresses do not reproduce that (Chromium treats them as one
 * site), two names do: Chromium maps `*.test` to 127.0.0.1 (`--host-resolver-rules`), a throwaway
 * certificate covers both names, and `--ignore-certificate-errors` accepts it. Everything here is
 * real: a real lab process, a real TLS relay, a real course page server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { parseSelfTestLine, type SelfTestLine } from '../../../sandboxes/platform/lines.ts';
import { copyApp, labEntry, startLabProcess, type LabProcess } from '../../lab/harness.ts';

/** The name the course page is served on, as the course site would be. */
export const COURSE_HOST = 'course.test';
/** The name the lab's relay is served on, as WebContainer's preview would be. */
export const LAB_HOST = 'lab.test';
/**
 * The `Host` the relay gives the lab: what a server inside WebContainer would see, a name the lab
 * cannot relate to the origin of the page that shows its dashboard.
 */
export const INNER_HOST = 'localhost:3000';
/**
 * A `Host` the lab has never heard of, for the other possibility: nobody knows which `Host` a
 * server inside WebContainer sees, so framed mode must work with any.
 */
export const FOREIGN_HOST = 'k3x9-3000.preview.invalid';

/** Chromium flags that make `*.test` reach this machine and accept the throwaway certificate. */
export const FRAMED_CHROMIUM_ARGS = [
  `--host-resolver-rules=MAP *.test 127.0.0.1`,
  '--ignore-certificate-errors',
];

/** A key and a self-signed certificate for `*.test`, in memory only. */
export interface Certificate {
  key: Buffer;
  cert: Buffer;
}

/**
 * Makes a throwaway key and certificate for `*.test`, `course.test` and `lab.test` with openssl,
 * in a temporary folder that is removed as soon as both are read, whatever happens.
 */
export function makeCertificate(): Certificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'framed-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${LAB_HOST}`,
        '-addext',
        `subjectAltName=DNS:*.test,DNS:${COURSE_HOST},DNS:${LAB_HOST}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two cookies the relay adds to the dashboard's page, to show which cookies this browser sends
 * back inside the frame: one `SameSite=None; Secure` (a plain third-party cookie, blocked when
 * third-party cookies are) and one also `Partitioned` (kept per top-level site, so allowed).
 */
export const PROBE_COOKIES = {
  thirdParty: 'harness-probe-none',
  partitioned: 'harness-probe-partitioned',
} as const;

/** One request the relay passed on, as the browser sent it and as the lab answered it. */
export interface Exchange {
  method: string;
  /** The path and query, e.g. `/api/visit`. */
  path: string;
  /** The request's headers as the browser sent them (before the relay rewrote `Host`). */
  request: http.IncomingHttpHeaders;
  /** The `Host` the relay gave the lab. */
  sentHost: string;
  /** The lab's status code, or 502 when the lab did not answer. */
  status: number;
  /** The lab's response headers. */
  response: http.IncomingHttpHeaders;
}

/** Options of the relay. */
export interface RelayOptions {
  /** The lab's plain HTTP address, e.g. `http://127.0.0.1:4567/`. */
  target: string;
  certificate: Certificate;
  /** The `Host` the lab is given. @default INNER_HOST */
  innerHost?: string;
  /**
   * Hold the bytes of `text/event-stream` responses until `bufferBytes` have piled up or the
   * stream ends, as a buffering proxy does. The headers still go at once, so the browser's
   * EventSource opens and then hears nothing: only a dashboard that expects heartbeats notices.
   */
  bufferEventStreams?: boolean;
  /** @default 64 KiB */
  bufferBytes?: number;
}

/** A running relay. */
export interface Relay {
  port: number;
  /** `https://lab.test:<port>`, the origin the dashboard's page has. */
  origin: string;
  /** Every request passed on, in the order the lab answered them. */
  exchanges: Exchange[];
  /** Event-stream bytes the lab sent and the relay still holds (buffering mode). */
  readonly heldEventBytes: number;
  /** Event-stream bytes the relay delivered to the browser. */
  readonly deliveredEventBytes: number;
  /** How many events of each type (`heartbeat`, `state`…) the relay delivered to the browser. */
  deliveredEvents: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Starts the HTTPS relay on `lab.test:<free port>`: it forwards every request to the lab over
 * plain HTTP with `Host` rewritten and `X-Forwarded-Proto: https`, and streams the answers back
 * (event streams included, unless told to buffer them).
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const target = new URL(options.target);
  const innerHost = options.innerHost ?? INNER_HOST;
  const bufferBytes = options.bufferBytes ?? 64 * 1024;
  const exchanges: Exchange[] = [];
  const upstreams = new Set<http.ClientRequest>();
  const sockets = new Set<Duplex>();
  let heldEventBytes = 0;
  let deliveredEventBytes = 0;
  const deliveredEvents = new Map<string, number>();
  // Counts the events in what reaches the browser; a block may arrive split over several chunks.
  const eventCounter = (): ((bytes: Buffer) => void) => {
    let text = '';
    return (bytes) => {
      deliveredEventBytes += bytes.length;
      text += bytes.toString('utf8');
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const type = /^event: (.+)$/m.exec(text.slice(0, end))?.[1];
        if (type) deliveredEvents.set(type, (deliveredEvents.get(type) ?? 0) + 1);
        text = text.slice(end + 2);
      }
    };
  };

  const server = https.createServer(
    { key: options.certificate.key, cert: options.certificate.cert },
    (request, response) => {
      // The relay says the outside was HTTPS and nothing else: no X-Forwarded-Host, since a
      // relay that the lab cannot trust to name the page's host is exactly the condition tested.
      const headers: http.OutgoingHttpHeaders = {
        ...withoutHopByHop(request.headers),
        host: innerHost,
        'x-forwarded-proto': 'https',
      };
      const upstream = http.request({
        host: target.hostname,
        port: Number(target.port),
        method: request.method,
        path: request.url,
        headers,
      });
      upstreams.add(upstream);
      upstream.on('close', () => upstreams.delete(upstream));
      // When the browser goes away (a closed EventSource, a closed page), so does the lab's side.
      response.on('close', () => upstream.destroy());
      upstream.on('error', (error) => {
        // Either the browser left first (nothing to tell it) or the answer had begun: cut it.
        if (response.headersSent || response.destroyed) {
          response.destroy();
          return;
        }
        exchanges.push({
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          request: request.headers,
          sentHost: innerHost,
          status: 502,
          response: {},
        });
        const body = JSON.stringify({
          error: `The relay could not reach the lab: ${error.message}`,
        });
        response.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
        response.end(body);
      });
      upstream.on('response', (answer) => {
        const status = answer.statusCode ?? 502;
        exchanges.push({
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          request: request.headers,
          sentHost: innerHost,
          status,
          response: answer.headers,
        });
        const type = String(answer.headers['content-type'] ?? '');
        const isEventStream = type.startsWith('text/event-stream');
        const forwarded = withoutHopByHop(answer.headers);
        if (type.startsWith('text/html')) {
          forwarded['set-cookie'] = [
            ...(answer.headers['set-cookie'] ?? []),
            `${PROBE_COOKIES.thirdParty}=1; Path=/; SameSite=None; Secure`,
            `${PROBE_COOKIES.partitioned}=1; Path=/; SameSite=None; Secure; Partitioned`,
          ];
        }
        response.writeHead(status, forwarded);
        if (!isEventStream) {
          answer.pipe(response);
          return;
        }
        if (!options.bufferEventStreams) {
          // Node writes each chunk as it comes; nothing to do but count what went through.
          answer.on('data', eventCounter());
          answer.pipe(response);
          return;
        }
        response.flushHeaders();
        const count = eventCounter();
        let held: Buffer[] = [];
        let size = 0;
        const release = (): void => {
          if (size === 0) return;
          const bytes = Buffer.concat(held);
          response.write(bytes);
          heldEventBytes -= size;
          count(bytes);
          held = [];
          size = 0;
        };
        answer.on('data', (chunk: Buffer) => {
          held.push(chunk);
          size += chunk.length;
          heldEventBytes += chunk.length;
          if (size >= bufferBytes) release();
        });
        answer.on('end', () => {
          release();
          response.end();
        });
        answer.on('close', () => {
          // Bytes still held when the lab's side closes are dropped, as the proxy would drop them.
          heldEventBytes -= size;
          held = [];
          size = 0;
        });
      });
      request.pipe(upstream);
    },
  );
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    origin: `https://${LAB_HOST}:${port}`,
    exchanges,
    get heldEventBytes() {
      return heldEventBytes;
    },
    get deliveredEventBytes() {
      return deliveredEventBytes;
    },
    deliveredEvents,
    close: async () => {
      for (const upstream of upstreams) upstream.destroy();
      await closeServer(server, sockets);
    },
  };
}

/** A running course page server. */
export interface CoursePage {
  port: number;
  /** `https://course.test:<port>` */
  origin: string;
  /** The course page that frames the dashboard in `lang`. */
  url(lang: 'fr' | 'en'): string;
  close(): Promise<void>;
}

/**
 * Serves the course page on `https://course.test:<free port>/`: cross-origin isolated as the
 * course site is, and framing the dashboard at `frameOrigin` with the attributes WebContainer's
 * documentation gives its preview frames.
 */
export async function startCoursePage(
  certificate: Certificate,
  frameOrigin: string,
): Promise<CoursePage> {
  const sockets = new Set<Duplex>();
  const server = https.createServer(certificate, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://course.invalid');
    if (url.pathname !== '/') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Only / is served here.');
      return;
    }
    const lang = url.searchParams.get('lang') === 'en' ? 'en' : 'fr';
    const title = lang === 'en' ? 'Lesson with its lab' : 'Leçon et son laboratoire';
    const frameTitle = lang === 'en' ? 'The lab' : 'Le laboratoire';
    const page = `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>
<body>
<h1>${title}</h1>
<iframe src="${frameOrigin}/?lang=${lang}" allow="cross-origin-isolated" title="${frameTitle}"
  style="width: 100%; height: 85vh; border: 1px solid"></iframe>
</body>
</html>
`;
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The course site is cross-origin isolated, since WebContainer needs it.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    response.end(page);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  const origin = `https://${COURSE_HOST}:${port}`;
  return {
    port,
    origin,
    url: (lang) => `${origin}/?lang=${lang}`,
    close: () => closeServer(server, sockets),
  };
}

/** How the lab behind the relay is started. */
export interface FramedOptions {
  /** `LAB_FRAMED=1`; otherwise the variable is left unset. */
  framed: boolean;
  /** The relay buffers event streams (see RelayOptions). @default false */
  bufferEventStreams?: boolean;
  /** `LAB_SELF_TEST=1`: the lab prints `self-test: …` lines. @default false */
  selfTest?: boolean;
  /** The `Host` the relay gives the lab. @default INNER_HOST */
  innerHost?: string;
}

/** A lab behind the relay, and the course page that frames it. */
export interface FramedSetup {
  lab: LabProcess;
  /** The lab's own plain HTTP address, for reading its state directly. */
  labUrl: string;
  relay: Relay;
  course: CoursePage;
  /** The self-test findings the lab has printed so far. */
  selfTest(): SelfTestLine[];
  /** The self-test lines the lab has printed so far, as printed. */
  selfTestLines(): string[];
  /** Stops the course page, the relay and the lab, and removes the app's copy. */
  stop(): Promise<void>;
}

/**
 * Starts everything a framed test needs: the lab as a real process (`LAB_PORT=0`, Redis
 * sessions in the embedded store, its own copy of the app so that parallel labs never see each
 * other's files), the relay in front of it, and the course page. Whatever was started is
 * stopped again if a later step fails.
 */
export async function startFramedSetup(options: FramedOptions): Promise<FramedSetup> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    // Last started, first stopped: the page, then the relay, then the lab, then its files.
    for (const step of stops.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    stops.length = 0;
    if (errors.length > 0)
      throw new AggregateError(errors, 'the framed setup did not stop cleanly');
  };
  try {
    const certificate = makeCertificate();
    const appDir = copyApp();
    stops.push(async () => fs.rmSync(appDir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      SESSION_STORE: 'redis',
      LAB_APP_DIR: appDir,
    };
    if (options.framed) env['LAB_FRAMED'] = '1';
    if (options.selfTest) env['LAB_SELF_TEST'] = '1';
    // Browser tests run beside other work on two cores, several labs at once in parallel workers:
    // three instances may take well over the usual 30 s to become ready.
    const lab = await startLabProcess(env, labEntry, 90_000);
    stops.push(() => lab.stop());
    const relay = await startRelay({
      target: lab.url,
      certificate,
      bufferEventStreams: options.bufferEventStreams ?? false,
      innerHost: options.innerHost ?? INNER_HOST,
    });
    stops.push(() => relay.close());
    const course = await startCoursePage(certificate, relay.origin);
    stops.push(() => course.close());
    const selfTestLines = (): string[] =>
      lab
        .output()
        .split('\n')
        .filter((line) => parseSelfTestLine(line) !== null);
    return {
      lab,
      labUrl: lab.url,
      relay,
      course,
      selfTestLines,
      selfTest: () =>
        selfTestLines()
          .map((line) => parseSelfTestLine(line))
          .filter((finding): finding is SelfTestLine => finding !== null),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The value of one cookie in a `Cookie` request header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/** The `Set-Cookie` lines of an answer that set the cookie `name`. */
export function setCookies(exchange: Exchange, name: string): string[] {
  return (exchange.response['set-cookie'] ?? []).filter((line) => line.startsWith(`${name}=`));
}

// Headers about one connection, not the message: each side of the relay sets its own.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const kept: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('could not read the port the system gave'));
    });
  });
}

function closeServer(server: http.Server | https.Server, sockets: Set<Duplex>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Open event streams and kept-alive connections would hold close() open for ever.
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
  });
}
