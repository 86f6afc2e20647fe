// `npm run lab`: the lab's entry, in plain JavaScript so that any Node can read it. In one process
// it does what two did before (`node scripts/need-node.mjs && node sandboxes/platform/lab.ts`):
// - the Node guard first, which on an older Node says which Node the project needs and exits,
//   before any TypeScript is read;
// - then the V8 compile cache, turned on before the platform's modules load (an entry's own
//   static imports would load before any line of it runs, hence the dynamic import below), and
//   handed on to the embedded store, which inherits the variable: with it the platform's
//   TypeScript is stripped and compiled once, not at every start. Instances get the same folder
//   from the orchestrator.
//   node scripts/lab.mjs
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import './need-node.mjs';

// The orchestrator gives its instances this very folder (NODE_COMPILE_CACHE in orchestrator.ts).
const cache = path.join(os.tmpdir(), 'twelve-factor-lab-compile-cache');
process.env.NODE_COMPILE_CACHE ||= cache;
module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE);

const { main } = await import('../sandboxes/platform/lab.ts');
// `--when-asked`: the local lab host's spare (sandboxes/local/host.ts), started before anyone
// presses Start, its modules loaded by now. It reads the lab's own variables (LAB_APP_DIR,
// LAB_LANG…) as one line of JSON on stdin, then starts as any lab does; stdin closed without a
// line (the host stopped) ends it.
if (process.argv.includes('--when-asked')) {
  const told = await oneLine(process.stdin);
  if (told === null) process.exit(0);
  Object.assign(process.env, JSON.parse(told));
}
await main();

/** The first line a stream gives, or null when it ends without one. */
function oneLine(stream) {
  return new Promise((resolve) => {
    let text = '';
    const done = (line) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.destroy();
      resolve(line);
    };
    const onData = (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) done(text.slice(0, end));
    };
    const onEnd = () => done(null);
    stream.setEncoding('utf8').on('data', onData).once('end', onEnd);
  });
}
