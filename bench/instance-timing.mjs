// Loaded by bench/lab.bench.ts into the lab's instances (NODE_OPTIONS=--import), never by the lab
// itself: each instance then reports, on stdout, when its phases ended, so the benchmark can say
// where an instance's start goes. Plain JavaScript, so that measuring does not load Node's
// TypeScript stripper into a process that would not load it otherwise.
// One line per phase: `@@bench <phase> <epoch ms>`, where the epoch is performance.timeOrigin
// (this process's start) plus performance.now(), on the same clock as the benchmark's.
import module from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

if (process.env.INSTANCE_ID) {
  const at = () => performance.timeOrigin + performance.now();
  const report = (phase, time = at()) => process.stdout.write(`@@bench ${phase} ${time}\n`);
  report('process-start', performance.timeOrigin);
  report('bootstrapped');

  // The app's entry file starts loading once the platform's own preload is done.
  const entry = pathToFileURL(process.argv[1] ?? '').href;
  module.registerHooks({
    load(url, context, nextLoad) {
      if (url === entry) report('app-loading');
      return nextLoad(url, context);
    },
  });

  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function timedListen(...args) {
    net.Server.prototype.listen = listen;
    report('listen-called');
    this.once('listening', () => report('listening'));
    // An http.Server emits 'request'; node:http is not imported here, since importing it as an
    // ES module builds its facade, which loads undici: a cost the instances do not have.
    this.once('request', () => report('first-request'));
    return listen.apply(this, args);
  };
}
