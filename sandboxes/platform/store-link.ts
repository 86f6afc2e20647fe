import net from 'node:net';

/**
 * The network path between the instances and the session store, as a TCP relay the platform
 * can cut. Cutting it is a backing-service outage seen from the app: connections are refused
 * and open ones drop. The store itself keeps running, so its data survives, and this works the
 * same for the embedded store and for a real Redis.
 */
export class StoreLink {
  #target: { host: string; port: number } | null;
  #host: string;
  #port = 0;
  #server: net.Server | null = null;
  #sockets = new Set<net.Socket>();

  /** `target` may come later (see `setTarget`): until then, connections are refused. */
  constructor(target: { host: string; port: number } | null, host = '127.0.0.1') {
    this.#target = target;
    this.#host = host;
  }

  /** The port the instances connect to. */
  get port(): number {
    return this.#port;
  }

  /** Whether the link carries traffic. */
  get up(): boolean {
    return this.#server !== null;
  }

  /** Names the store the link leads to, once it is known. */
  setTarget(target: { host: string; port: number }): void {
    this.#target = target;
  }

  /** Opens the link; the first call picks a free port, later ones reuse it. */
  async open(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((client) => this.#relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    this.#server = server;
  }

  /** Cuts the link: new connections are refused and open ones are dropped. */
  async cut(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  #relay(client: net.Socket): void {
    if (!this.#target) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.#target.port, this.#target.host);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    // Either side closing or failing closes the other, so a client never waits on a half-open pair.
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
