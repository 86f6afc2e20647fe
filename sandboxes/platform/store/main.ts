/**
 * The embedded store as a process of its own: `node sandboxes/platform/store/main.ts
 * [--host H] [--port N]`. Once listening it prints one line, `{"ready":true,"port":N}`, which is
 * what the lab's platform waits for; SIGTERM or SIGINT closes it and it exits with status 0. It
 * also exits, within half a second, once the process that started it has gone.
 */
import { exitWhenOrphaned } from '../parent-watch.ts';
import { startEmbeddedStore } from './server.ts';
import type { EmbeddedStore } from './server.ts';

/** Reads `--host` and `--port` (also as `--port=N`) from the command line. */
function parseArguments(argv: string[]): { host?: string; port?: number } {
  const options: { host?: string; port?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (flag === '--host' && value) options.host = value;
    else if (flag === '--port' && value && /^\d+$/.test(value) && Number(value) < 65536) {
      options.port = Number(value);
    } else {
      process.stderr.write(`usage: main.ts [--host H] [--port N] (could not read '${argv[i]}')\n`);
      process.exit(2);
    }
  }
  return options;
}

/** Starts the store, then announces it; the signal handlers come first so that a platform that stops the store right after the ready line still gets a clean exit. */
async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  // The store ends with the lab that started it, however the lab died (SIGKILL included).
  exitWhenOrphaned();
  let store: EmbeddedStore | null = null;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (store === null) process.exit(0);
    void store.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const started = await startEmbeddedStore(options);
  store = started;
  // A lab that started the store with an IPC channel cuts the way to it here, in the store
  // itself (`{"link":"cut"}`, `{"link":"open"}`, each answered once done), so that the instances
  // reach the store straight, with no relay in between. The channel does not keep the store
  // alive by itself.
  if (process.send) {
    process.on('message', (message: { link?: unknown }) => {
      const change =
        message.link === 'cut' ? started.cut() : message.link === 'open' ? started.reopen() : null;
      void change?.then(
        () => process.send?.({ link: message.link, done: true }),
        (cause: unknown) => process.send?.({ link: message.link, error: String(cause) }),
      );
    });
    // After the listener, which refs the channel: the store still ends on SIGTERM or orphaning.
    process.channel?.unref();
  }
  if (stopping) {
    await started.close();
    process.exit(0);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port: started.port })}\n`);
}

main().catch((cause: unknown) => {
  process.stderr.write(
    `embedded store: ${cause instanceof Error ? cause.message : String(cause)}\n`,
  );
  process.exit(1);
});
