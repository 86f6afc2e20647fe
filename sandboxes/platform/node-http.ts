/**
 * `node:http` as Node's own CommonJS module, for the platform's processes (the lab, the local
 * lab host). An ES `import http from 'node:http'` makes Node build the module's ES facade, which
 * reads every export, the lazy `WebSocket` getter included, and that getter loads all of undici
 * (the fetch client, with its HTTP/2 code): about 70 ms of CPU at every lab start, on the way to
 * the first instance, for nothing the platform uses. `getBuiltinModule` hands over the module
 * without a facade. Types still come from `import type http from 'node:http'`, which loads nothing.
 */
import type * as Http from 'node:http';

// Node 22.3 and later have getBuiltinModule; an older runtime (a WebContainer's Node may be one)
// imports the module as before.
export const nodeHttp: typeof Http =
  typeof process.getBuiltinModule === 'function'
    ? process.getBuiltinModule('node:http')
    : (await import('node:http')).default;
