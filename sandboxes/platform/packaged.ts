/**
 * Entry of a packaged lab (see sandboxes/pack.ts): `node lab.js` in a folder that holds the
 * lab's `app/`, its resolved `lab.json`, the store's bundle `store.js` and the dashboard's assets
 * beside it. main() takes the lab's defaults (session store, instance count) from that
 * `lab.json`, never from whoever started it; the environment still overrides them.
 */
import { fileURLToPath } from 'node:url';
import { main } from './lab.ts';

process.env['LAB_STORE_ENTRY'] ||= fileURLToPath(new URL('./store.js', import.meta.url));
process.env['LAB_INSTANCE_PRELOAD'] ||= fileURLToPath(
  new URL('./instance-preload.js', import.meta.url),
);
process.env['LAB_APP_DIR'] ||= fileURLToPath(new URL('./app/', import.meta.url));
await main();
