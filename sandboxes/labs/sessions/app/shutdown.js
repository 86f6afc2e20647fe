// On SIGTERM a process stops taking new connections, finishes the requests in flight, lets go
// of its backing services and exits. No process manager is needed: the platform does the rest.
import { say } from './messages.js';

export function shutDownGracefully(server, store) {
  console.log(say.shuttingDown);
  // If something hangs, exit anyway rather than block the platform's rollout.
  setTimeout(() => process.exit(1), 10_000).unref();

  // Stop accepting connections; the callback runs once the last open one has closed.
  server.close(async () => {
    await store.close();
    process.exit(0);
  });

  // A load balancer keeps connections open between requests. Ask it to close them from now on,
  // and close each one as soon as it is idle, instead of waiting for it to time out.
  server.on('request', (req, res) => res.setHeader('Connection', 'close'));
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 100).unref();
}
