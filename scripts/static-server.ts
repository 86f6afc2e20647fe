/**
 * A plain static file server for a built site, as a host that cannot be configured serves it
 * (GitHub Pages and the like): no header of its own beyond the content type, so no COOP and no
 * COEP. The browser tests and benches that check the build where no lab runs start it on a free
 * port and stop it when they are done.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** The content type of each file ending a built site holds; anything else goes as bytes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file that a plain static host answers with for a URL path below `root`: the file itself,
 * or a folder's index.html; null for anything outside the build or missing.
 */
export function fileFor(root: string, pathname: string): string | null {
  const file = path.join(root, decodeURIComponent(pathname));
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  if (!existsSync(file)) return null;
  if (statSync(file).isDirectory()) {
    const index = path.join(file, 'index.html');
    return existsSync(index) ? index : null;
  }
  return file;
}

/** How a static host may differ from the plainest one. */
export interface StaticServerOptions {
  /**
   * Compress text files as hosts such as Vercel, Netlify or GitHub Pages do: Brotli when the
   * browser accepts it, else gzip (each file compressed once, then kept). @default false
   */
  compress?: boolean;
  /**
   * Headers sent with the answers, e.g. the ones vercel.json asks for: the same for every path,
   * or chosen per URL path. @default none
   */
  headers?: Record<string, string> | ((pathname: string) => Record<string, string>);
}

// What hosts compress: text, never images or fonts that are compressed already.
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.xml', '.txt']);

/**
 * Serves the built site in `root` (an absolute path) as a static host does: a folder's URL
 * without its final slash is sent on to the one with it, and a missing file gets the build's
 * 404.html where it has one. The server is not listening yet: call `listen` on it.
 */
export function staticServer(root: string, options: StaticServerOptions = {}): http.Server {
  const compressed = new Map<string, Buffer>();
  const headersFor = (pathname: string): Record<string, string> =>
    typeof options.headers === 'function' ? options.headers(pathname) : (options.headers ?? {});
  const send = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    status: number,
    type: string,
    file: string | null,
    body: Buffer,
  ): void => {
    const extra = headersFor(new URL(request.url ?? '/', 'http://localhost').pathname);
    const accepts = String(request.headers['accept-encoding'] ?? '');
    const encoding =
      options.compress && file && COMPRESSIBLE.has(path.extname(file))
        ? /\bbr\b/.test(accepts)
          ? 'br'
          : /\bgzip\b/.test(accepts)
            ? 'gzip'
            : null
        : null;
    if (!encoding || !file) {
      response.writeHead(status, { ...extra, 'content-type': type }).end(body);
      return;
    }
    const key = `${encoding}:${file}`;
    let packed = compressed.get(key);
    if (!packed) {
      packed =
        encoding === 'br'
          ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } })
          : gzipSync(body, { level: 9 });
      compressed.set(key, packed);
    }
    response
      .writeHead(status, {
        ...extra,
        'content-type': type,
        'content-encoding': encoding,
        vary: 'Accept-Encoding',
      })
      .end(packed);
  };
  return http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const file = fileFor(root, pathname);
    if (
      file &&
      file.endsWith('index.html') &&
      !pathname.endsWith('/') &&
      !pathname.endsWith('.html')
    ) {
      // Hosts send `/en/about` on to `/en/about/`, so that the page's relative links resolve.
      response.writeHead(301, { location: `${pathname}/` }).end();
      return;
    }
    if (!file) {
      const notFound = path.join(root, '404.html');
      const found = existsSync(notFound);
      send(
        request,
        response,
        404,
        TYPES['.html']!,
        found ? notFound : null,
        found ? readFileSync(notFound) : Buffer.from('not found'),
      );
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    send(request, response, 200, type, file, readFileSync(file));
  });
}

/** A static server at work: where it answers, and how to stop it. */
export interface ServedSite {
  /** `http://127.0.0.1:<port>`, without a final slash. */
  origin: string;
  /** Stops the server, closing the connections a browser keeps open, so that it really stops. */
  close(): Promise<void>;
}

/** Serves the built site in `root` (see staticServer) on a free port of 127.0.0.1. */
export async function serveStatic(
  root: string,
  options: StaticServerOptions = {},
): Promise<ServedSite> {
  const server = staticServer(root, options);
  // Port 0: the system picks a free port.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
