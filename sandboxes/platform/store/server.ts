/**
 * The embedded store's TCP server: RESP2 in, RESP2 out, ioredis-mock behind the command table.
 * The lab uses it when no real Redis is given, so clients such as ioredis, node-redis and
 * redis-cli must not tell the difference for the commands a session store needs.
 */
import net from 'node:net';
import { RespParser, array, error, OK } from './resp.ts';
import { toResp3 } from './resp3.ts';
import { createMock, lookup, run } from './commands.ts';
import type { Engine, Reply, Session } from './commands.ts';

/** A running embedded store. */
export interface EmbeddedStore {
  host: string;
  port: number;
  /** Stops listening, closes every client connection and frees the data. */
  close(): Promise<void>;
  /**
   * An outage seen from the clients, the data kept: stops listening (new connections are
   * refused) and drops every open connection. `reopen` listens again on the same port.
   */
  cut(): Promise<void>;
  /** Ends a `cut`: listens again on the same port. */
  reopen(): Promise<void>;
}

/** Options of `startEmbeddedStore`. */
export interface EmbeddedStoreOptions {
  /** Address to listen on; 127.0.0.1 unless given. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
}

/**
 * Once this many reply bytes wait in a socket's buffer, or this many replies wait to be
 * written, the connection stops reading and running commands until the client takes its
 * replies, so a client that pipelines without reading cannot grow memory without bound.
 */
const MAX_PENDING_OUTPUT = 32 * 1024 * 1024;
const MAX_PENDING_REPLIES = 4096;
const WRITE_CHUNK = 1024 * 1024;

let storeCount = 0;

/** Starts an embedded Redis-compatible store and resolves once it listens. */
export async function startEmbeddedStore(
  options: EmbeddedStoreOptions = {},
): Promise<EmbeddedStore> {
  const host = options.host ?? '127.0.0.1';
  const mock = createMock(`${process.pid}-${++storeCount}`);
  const sockets = new Set<net.Socket>();
  let clientIds = 0;
  const engine: Engine = {
    mock,
    port: 0,
    startedAt: Date.now(),
    clients: () => sockets.size,
    nextClientId: () => ++clientIds,
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(engine, socket);
  });
  // Without a listener, an 'error' on the server would be thrown and end the process.
  server.on('error', () => {});

  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const address = server.address() as net.AddressInfo;
  engine.port = address.port;

  let closing: Promise<void> | null = null;
  // While cut, nothing listens: this timer keeps the process (and the data) alive meanwhile.
  let keepAlive: NodeJS.Timeout | null = null;
  return {
    host,
    port: address.port,
    async cut() {
      if (!server.listening || closing) return;
      keepAlive ??= setInterval(() => {}, 60_000);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async reopen() {
      if (server.listening || closing) return;
      await listen(address.port);
      if (keepAlive) clearInterval(keepAlive);
      keepAlive = null;
    },
    close() {
      if (keepAlive) clearInterval(keepAlive);
      keepAlive = null;
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        // ioredis-mock keeps each instance's data in a module-wide map; emptying it frees the memory.
        void (mock['flushall'] as () => Promise<unknown>).call(mock);
      });
      return closing;
    },
  };
}

/**
 * Serves one client. Replies leave in the order the commands arrived, even though some are
 * ready at once and others come from ioredis-mock's promises; all replies ready in the same
 * turn of the event loop leave in a single write.
 */
function serveConnection(engine: Engine, socket: net.Socket): void {
  socket.setNoDelay(true);
  const session: Session = {
    id: engine.nextClientId(),
    name: null,
    queued: null,
    queueFailed: false,
    closing: false,
  };
  // Replies not yet written, in request order: a string when ready, a promise until then.
  const pending: Reply[] = [];
  // How many replies have left \`pending\` from its front, so a reply's absolute position finds it.
  let shifted = 0;
  let flushScheduled = false;
  let waitingFor = 0;
  let endAfterFlush = false;
  let closed = false;

  const flush = (): void => {
    flushScheduled = false;
    if (closed) return;
    // Ready replies at the front leave together, in pieces of about 1 MB so that no string
    // grows past what V8 allows; whatever does not fit in the socket's buffer waits for 'drain'.
    let ready = 0;
    let chunk = '';
    while (ready < pending.length && typeof pending[ready] === 'string') {
      if (socket.writableLength > MAX_PENDING_OUTPUT) break;
      chunk += pending[ready++] as string;
      if (chunk.length >= WRITE_CHUNK) {
        socket.write(chunk, 'latin1');
        chunk = '';
      }
    }
    if (chunk.length > 0) socket.write(chunk, 'latin1');
    if (ready > 0) {
      pending.splice(0, ready);
      shifted += ready;
    }
    if (endAfterFlush && pending.length === 0) {
      closed = true;
      socket.end();
      return;
    }
    if (throttled) release();
  };

  // Backpressure: stop reading, and stop the parser even in the middle of a chunk, while the
  // client has too much waiting for it; start again once it has read its replies.
  let throttled = false;
  const overloaded = (): boolean =>
    pending.length >= MAX_PENDING_REPLIES || socket.writableLength > MAX_PENDING_OUTPUT;
  const throttle = (): void => {
    if (throttled || closed) return;
    throttled = true;
    parser.pause();
    socket.pause();
  };
  const release = (): void => {
    if (!throttled || closed || overloaded()) return;
    throttled = false;
    socket.resume();
    parser.resume();
    afterParse();
  };
  socket.on('drain', () => flush());

  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    // setImmediate runs after every promise settled in this turn, so their replies share a write.
    setImmediate(flush);
  };

  const push = (reply: Reply): void => {
    if (typeof reply === 'string') {
      pending.push(reply);
      return;
    }
    const position = shifted + pending.length;
    pending.push(reply);
    waitingFor++;
    void reply.then(
      (text) => settle(position, text),
      (cause: unknown) => settle(position, error(`ERR ${String(cause)}`)),
    );
  };

  // Promises settle in any order; each one swaps itself for its text at its own position.
  const settle = (position: number, text: string): void => {
    waitingFor--;
    pending[position - shifted] = text;
    scheduleFlush();
  };

  const execute = (args: string[]): Reply => {
    const name = args[0]!.toLowerCase();
    if (name === 'multi' || name === 'exec' || name === 'discard') return transaction(name, args);
    const spec = lookup(args);
    // Inside MULTI commands are queued, except QUIT, which redis-server also runs at once.
    if (session.queued !== null && name !== 'quit') {
      if (typeof spec === 'string') {
        session.queueFailed = true;
        return spec;
      }
      session.queued.push(args);
      return '+QUEUED\r\n';
    }
    const reply = typeof spec === 'string' ? spec : run(engine, spec, args, session);
    // A client that chose RESP3 gets each reply rewritten, nested EXEC replies included.
    if (session.protocol !== 3) return reply;
    return typeof reply === 'string'
      ? toResp3(reply, name)
      : reply.then((text) => toResp3(text, name));
  };

  const transaction = (name: string, args: string[]): Reply => {
    if (args.length !== 1) return error(`ERR wrong number of arguments for '${name}' command`);
    const queued = session.queued;
    if (name === 'multi') {
      if (queued !== null) return error('ERR MULTI calls can not be nested');
      session.queued = [];
      session.queueFailed = false;
      return OK;
    }
    session.queued = null;
    if (queued === null) return error(`ERR ${name.toUpperCase()} without MULTI`);
    if (name === 'discard') return OK;
    if (session.queueFailed) {
      return error('EXECABORT Transaction discarded because of previous errors.');
    }
    // Every queued command starts before any other client's, because each handler calls
    // ioredis-mock synchronously; only the replies are awaited.
    const replies = queued.map((queuedArgs) => {
      const spec = lookup(queuedArgs);
      const reply = typeof spec === 'string' ? spec : run(engine, spec, queuedArgs, session);
      if (session.protocol !== 3) return reply;
      const command = queuedArgs[0]!;
      return typeof reply === 'string'
        ? toResp3(reply, command)
        : reply.then((text) => toResp3(text, command));
    });
    if (replies.every((r) => typeof r === 'string')) return array(replies as string[]);
    return Promise.all(replies).then(array);
  };

  const parser = new RespParser(
    (args) => {
      if (endAfterFlush) return;
      push(execute(args));
      if (session.closing) endAfterFlush = true;
      else if (overloaded()) throttle();
    },
    (message) => {
      // Like redis-server: answer the commands before the bad bytes, then the error, then close.
      if (message !== null) push(error(`ERR ${message}`));
      endAfterFlush = true;
    },
  );

  // After a run of commands: write at once when every reply is ready, otherwise once the
  // pending promises have settled.
  const afterParse = (): void => {
    if (pending.length > 0 || endAfterFlush) {
      if (waitingFor === 0) flush();
      else scheduleFlush();
    }
  };

  socket.on('data', (chunk: Buffer) => {
    if (endAfterFlush || closed) return;
    parser.feed(chunk);
    afterParse();
  });
  socket.on('error', () => {
    // A client that resets its connection is routine; the socket closes and is forgotten.
  });
  socket.on('close', () => {
    closed = true;
  });
}
