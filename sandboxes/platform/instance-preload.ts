/**
 * Loaded into every instance before the app (`node --import <this> server.js`), so that the
 * learner's files hold no line of the platform's. It does two things a container runtime does
 * from outside, and that a plain Node process cannot get otherwise:
 * - the instance ends when the lab is gone, however the lab died (no orphan keeps a port);
 * - the port the app's first server got is reported on stdout (one listening line, see
 *   lines.ts), so instances listen on port 0 and no two can race for the same free port.
 * And one thing that only makes the start faster: where the lab built bundles of the app's
 * dependencies (bundles.ts), the app's imports of those packages load the bundles.
 *
 * It imports only Node's own modules and files of this folder, since bundles.ts bundles it.
 */
import net from 'node:net';
import { BUNDLE_MANIFEST_VARIABLE, useDependencyBundles } from './bundle-hooks.ts';
import { formatListeningLine } from './lines.ts';
import { exitWhenOrphaned } from './parent-watch.ts';

exitWhenOrphaned();

const manifest = process.env[BUNDLE_MANIFEST_VARIABLE];
if (manifest) useDependencyBundles(manifest);

// Every TCP server (http.Server included) listens through net.Server's listen. Wrapping it once
// is the only way to learn the port without the app's help; the wrapper goes away after the
// first report, so the app's later servers run untouched.
const originalListen = net.Server.prototype.listen;
let reported = false;

function reportWhenListening(server: net.Server): void {
  server.once('listening', () => {
    const address = server.address();
    if (reported || !address || typeof address !== 'object') return;
    reported = true;
    net.Server.prototype.listen = originalListen;
    process.stdout.write(`${formatListeningLine(address.port)}\n`);
  });
}

net.Server.prototype.listen = function listen(
  this: net.Server,
  ...args: Parameters<typeof originalListen>
): net.Server {
  if (!reported) reportWhenListening(this);
  return originalListen.apply(this, args);
} as typeof originalListen;
