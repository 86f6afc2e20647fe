// A small HTTP relay in front of a lab, to reproduce in a browser test what a real path between
// the learner and the lab may do to it: a proxy that buffers the event stream, or a browser that
// refuses the session cookie (here, the relay drops Set-Cookie, so the browser never has one).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the relay does to the traffic it passes. */
export interface RelayOptions {
  /**
   * Holds the bytes of `lab/events` until 64 KB have gathered or the stream ends, as a buffering
   * proxy does; the answer's head passes at once, so the browser sees a stream that opened.
   * @default false
   */
  bufferEvents?: boolean;
  /**
   * Drops `Set-Cookie` from the app's answers (`app`: every path but the dashboard and `/lab/`),
   * or from every answer (`all`, the lab's cookie test too), as a browser that refuses them.
   * @default 'none'
   */
  stripSetCookie?: 'none' | 'app' | 'all';
}

/** A running relay. */
export interface Relay {
  /** The relay's own address, ending with a slash: the dashboard is there. */
  url: string;
  /**
   * Stops holding the event stream back, as when the buffering proxy is taken out of the path:
   * what it held goes through at once, and everything after as it comes.
   */
  release(): void;
  /** Stops the relay and ends every connection through it, event streams included. */
  close(): Promise<void>;
}

/** How much a buffering proxy holds before it lets the bytes through. */
export const RELAY_BUFFER_BYTES = 64 * 1024;

// Headers about one hop only; the relay sets its own.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'];

/** Starts a relay on a free port of 127.0.0.1 in front of the lab at `target`. */
export async function startRelay(target: string, options: RelayOptions = {}): Promise<Relay> {
  const upstreamUrl = new URL(target);
  const strip = options.stripSetCookie ?? 'none';
  let buffering = options.bufferEvents ?? false;
  /** The streams being held back, each with the function that lets its bytes through. */
  const held = new Set<() => void>();

  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    const isLab = pathname === '/' || pathname.startsWith('/lab/');
    const upstream = http.request(
      {
        host: upstreamUrl.hostname,
        port: upstreamUrl.port,
        method: request.method,
        path: request.url,
        // The Host stays the relay's own, as the browser sent it: the lab sees the page's origin.
        headers: request.headers,
      },
      (answer) => {
        const headers = { ...answer.headers };
        for (const name of HOP_BY_HOP) delete headers[name];
        if (strip === 'all' || (strip === 'app' && !isLab)) delete headers['set-cookie'];
        response.writeHead(answer.statusCode ?? 502, headers);
        if (!(buffering && pathname === '/lab/events')) {
          answer.pipe(response);
          return;
        }
        // Node sends a head with the first bytes of the body; a proxy sends it as it comes.
        response.flushHeaders();
        let chunks: Buffer[] = [];
        let size = 0;
        let holding = true;
        const flush = (): void => {
          if (size > 0) response.write(Buffer.concat(chunks));
          chunks = [];
          size = 0;
        };
        const letGo = (): void => {
          holding = false;
          flush();
        };
        held.add(letGo);
        answer.on('data', (chunk: Buffer) => {
          if (!holding) {
            response.write(chunk);
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
          if (size >= RELAY_BUFFER_BYTES) flush();
        });
        answer.on('end', () => {
          held.delete(letGo);
          flush();
          response.end();
        });
        response.on('close', () => held.delete(letGo));
      },
    );
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('the relay could not reach the lab');
    });
    // The browser left (a closed stream, a reload): stop the request on its behalf.
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });

  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    release: () => {
      buffering = false;
      for (const letGo of held) letGo();
      held.clear();
    },
    close: async () => {
      // Event streams never end by themselves: close every connection, not only the idle ones.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
