/**
 * Entry of a packaged lab (see sandboxes/pack.ts): `node lab.js` in a folder that holds the
 * lab's `app/`, the store's bundle `store.js` and the dashboard's assets beside it.
 */
import { fileURLToPath } from 'node:url';
import { main } from './lab.ts';

process.env['LAB_STORE_ENTRY'] ||= fileURLToPath(new URL('./store.js', import.meta.url));
process.env['LAB_APP_DIR'] ||= fileURLToPath(new URL('./app/', import.meta.url));
await main();
