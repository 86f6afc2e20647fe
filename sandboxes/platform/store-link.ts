import net from 'node:net';
import { freePort } from './net-utils.ts';

/** A store that can cut the way to itself (the embedded store's process, store-process.ts). */
export interface CuttableStore {
  cut(): Promise<void>;
  reopen(): Promise<void>;
}

/**
 * The network path between the instances and the session store, which the platform can cut.
 * Cutting it is a backing-service outage seen from the app: connections are refused and open
 * ones drop, while the store itself keeps running, so its data survives.
 *
 * Two ways, one behaviour for the app:
 * - the embedded store is reached straight, on a port this link picks for it ahead
 *   (`port`, passed to the store when it starts), and the store itself cuts and reopens it;
 * - a real Redis (or an embedded store not started on the link's port) is reached through a
 *   TCP relay that this process runs and cuts. Every command then crosses this process's event
 *   loop twice, which on a busy machine is what a visit's slowest moments are made of: the
 *   classroom benchmark measures both (bench/classroom.bench.ts).
 */
export class StoreLink {
  #target: { host: string; port: number } | null;
  #host: string;
  #port = 0;
  #server: net.Server | null = null;
  #sockets = new Set<net.Socket>();
  // Straight to the embedded store: whether the link is up, and the store that cuts it.
  #direct: { up: boolean; store: CuttableStore | null } | null;

  /**
   * `target` is a real Redis, relayed; without one (`null`), the link waits for the embedded
   * store (see `setTarget`) and refuses connections until then.
   */
  constructor(target: { host: string; port: number } | null, host = '127.0.0.1') {
    this.#target = target;
    this.#host = host;
    this.#direct = target ? null : { up: false, store: null };
  }

  /** The port the instances connect to (and, for the embedded store, the one it listens on). */
  get port(): number {
    return this.#port;
  }

  /** Whether the link carries traffic. */
  get up(): boolean {
    return this.#direct ? this.#direct.up : this.#server !== null;
  }

  /**
   * Names the store the link leads to, once it is known. An embedded store that listens on the
   * link's own port and can cut itself is reached straight; any other is relayed.
   */
  setTarget(target: { host: string; port: number }, store?: CuttableStore): void {
    const direct = this.#direct;
    if (direct && store && target.port === this.#port && this.#server === null) {
      direct.store = store;
      // A cut asked before the store was there is the store's to apply now.
      // A store that cannot do it has exited, which is an outage too.
      if (!direct.up) store.cut().catch(() => undefined);
      return;
    }
    this.#target = target;
    if (direct) void this.#becomeRelay();
  }

  /** Opens the link; the first call picks a free port, later ones reuse it. */
  async open(): Promise<void> {
    const direct = this.#direct;
    if (direct) {
      if (direct.up) return;
      // A port free right now, for the embedded store to listen on once it starts. Until it
      // does, the instances' connections are refused, as with any backing service still starting.
      if (this.#port === 0) this.#port = await freePort(this.#host);
      direct.up = true;
      await direct.store?.reopen();
      return;
    }
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
    const direct = this.#direct;
    if (direct) {
      if (!direct.up) return;
      direct.up = false;
      await direct.store?.cut();
      return;
    }
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  // The embedded store came up elsewhere than on the link's port: relay to it after all.
  async #becomeRelay(): Promise<void> {
    const wasUp = this.#direct?.up ?? false;
    this.#direct = null;
    if (wasUp) await this.open();
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
