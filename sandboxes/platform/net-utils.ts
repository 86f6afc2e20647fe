import net from 'node:net';
import { nodeHttp } from './node-http.ts';

/** Asks the system for a TCP port that is free right now on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the system gave'));
      });
    });
  });
}

/** A GET on loopback that gives the status code, or `null` when nothing answered in time. */
export function probe(
  port: number,
  pathname: string,
  timeoutMs: number,
  host = '127.0.0.1',
): Promise<number | null> {
  return new Promise((resolve) => {
    const request = nodeHttp.get(
      { host, port, path: pathname, timeout: timeoutMs, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? null);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}
