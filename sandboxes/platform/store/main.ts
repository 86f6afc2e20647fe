/**
 * The embedded store as a process of its own: `node sandboxes/platform/store/main.ts
 * [--host H] [--port N]`. Once listening it prints one line, `{"ready":true,"port":N}`, which is
 * what the lab's platform waits for; SIGTERM or SIGINT closes it and it exits with status 0.
 */
import { startEmbeddedStore } from './server.ts';

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
      process.stderr.write(`usage: main.ts [--host H] [--port N] (could not read ${argv[i - 1] ?? flag})\n`);
      process.exit(2);
    }
  }
  return options;
}

const store = await startEmbeddedStore(parseArguments(process.argv.slice(2)));
process.stdout.write(`${JSON.stringify({ ready: true, port: store.port })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void store.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
