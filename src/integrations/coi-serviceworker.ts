import type { AstroIntegration } from 'astro';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Cross-origin isolation on static hosts that cannot send headers (GitHub Pages and the like),
 * through the `coi-serviceworker` package: a service worker that adds COOP and COEP to every
 * response of the site, so that the in-browser lab works there too.
 *
 * What the package's page script does, read from its source (v0.1.7): when the page is already
 * isolated (the host sent the headers, or the worker already controls the page) it returns at
 * once; otherwise, in a secure context, it registers itself as a service worker and reloads the
 * page once the worker is installed, which it then controls. The worker claims the page at
 * activation and, with `require-corp`, also marks every response it relays as
 * `Cross-Origin-Resource-Policy: cross-origin`.
 *
 * A service worker's scope is the folder its script is served from, so the script sits at the
 * root of the site's base path: every page is under it.
 */

/** The worker's file name, at the root of the site's base path. */
export const WORKER_FILE = 'coi-serviceworker.js';

/** Where the package keeps its script; the minified one is the same code in half the bytes. */
const PACKAGE_SCRIPT = 'coi-serviceworker/coi-serviceworker.min.js';

/** The base path with exactly one trailing slash, as a service worker's scope is written. */
function folderOf(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

/**
 * The inline script that Starlight puts in the `<head>` of every page (its `head` option).
 *
 * It loads the package's script only where the page is not isolated, so a host that sends the
 * headers downloads nothing more than these few bytes, and the loaded script cannot block
 * rendering (an inserted script is async). `crossOriginIsolated === false` also leaves out
 * browsers that do not know of isolation, as the package does. The options, read by the package
 * from `window.coi`:
 * - `coepCredentialless: () => false`: always `require-corp`, the policy the headers use and the
 *   one WebContainer is booted with (src/utils/isolation.ts); the package's default picks
 *   `credentialless` in Safari, which does not support it.
 * - `quiet: true`: no console messages; a refused registration (private browsing, a disabled
 *   service worker) would otherwise log an error, and the sandbox already tells the learner that
 *   the in-browser lab is unavailable and how to run it locally.
 * - `doReload`: the package reloads as soon as the worker starts installing, and a reload that
 *   wins the race against its activation comes back uncontrolled, so still not isolated, and
 *   would take a second reload. Waiting for `navigator.serviceWorker.ready` (an active worker)
 *   makes the first reload the only one, and the promise kept in `r` makes a second call (an
 *   update found while a worker is already active) reload no more.
 */
export function coiServiceWorkerHead(base: string): { tag: 'script'; content: string } {
  const src = JSON.stringify(`${folderOf(base)}${WORKER_FILE}`);
  return {
    tag: 'script',
    content:
      'if(self.crossOriginIsolated===false&&self.isSecureContext&&navigator.serviceWorker){' +
      'let r;window.coi={coepCredentialless:()=>false,quiet:true,' +
      'doReload:()=>r=r||navigator.serviceWorker.ready.then(()=>location.reload())};' +
      `const s=document.createElement('script');s.src=${src};document.head.append(s)}`,
  };
}

/**
 * Ships the package's script at the root of the build, from the site's own origin, and checks
 * that the base path the pages load it from is the one the site is built with.
 */
export function coiServiceWorker(base: string): AstroIntegration {
  const source = createRequire(import.meta.url).resolve(PACKAGE_SCRIPT);
  return {
    name: 'course-coi-serviceworker',
    hooks: {
      'astro:config:done': ({ config }) => {
        // `astro build --base …` overrides the configuration: the pages would then load the
        // worker from a folder that does not hold it, or give it a scope without the pages.
        if (folderOf(config.base) !== folderOf(base)) {
          throw new Error(
            `The site is built with base "${config.base}", but its pages load the isolation ` +
              `service worker from "${folderOf(base)}". Set \`base\` in astro.config.mjs instead ` +
              'of passing --base, so that both follow it.',
          );
        }
      },
      'astro:build:done': ({ dir, logger }) => {
        const target = path.join(fileURLToPath(dir), WORKER_FILE);
        fs.copyFileSync(source, target);
        logger.info(
          `copied ${WORKER_FILE} (${fs.statSync(target).size} bytes) from coi-serviceworker`,
        );
      },
    },
  };
}
