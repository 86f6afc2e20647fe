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

/**
 * Serves the built site in `root` (an absolute path) as a static host does: a folder's URL
 * without its final slash is sent on to the one with it, and a missing file gets the build's
 * 404.html where it has one. The server is not listening yet: call `listen` on it.
 */
export function staticServer(root: string): http.Server {
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
      response.writeHead(404, { 'content-type': TYPES['.html']! });
      response.end(existsSync(notFound) ? readFileSync(notFound) : 'not found');
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { 'content-type': type }).end(readFileSync(file));
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
export async function serveStatic(root: string): Promise<ServedSite> {
  const server = staticServer(root);
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
