// On SIGTERM a process stops taking new connections, finishes the requests in flight, lets go
// of its backing services and exits. No process manager is needed: the platform does the rest.
export function shutDownGracefully(server, store) {
  console.log('SIGTERM: finishing requests in flight, then exiting');
  // If something hangs, exit anyway rather than block the platform's rollout.
  setTimeout(() => process.exit(1), 10_000).unref();
  server.close(async () => {
    await store.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
