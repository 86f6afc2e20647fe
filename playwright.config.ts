import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from './scripts/find-chromium.ts';
import { freePort } from './sandboxes/platform/net-utils.ts';

const chromium = findChromium();
if (!chromium) throw new Error(CHROMIUM_MISSING);

process.env['ASTRO_TELEMETRY_DISABLED'] = '1';

// The tests walk the pages of the production build, so it must exist before they are listed;
// `npm test` builds first, and a lone `npx playwright test` builds here when there is no build yet.
if (!existsSync('dist/index.html')) {
  execFileSync(process.execPath, ['node_modules/astro/bin/astro.mjs', 'build'], {
    stdio: 'inherit',
  });
}

// Playwright loads this file again in every worker: the port chosen by the main process travels to
// them in the environment, so that all of them talk to the one preview server.
process.env['SITE_PORT'] ??= String(await freePort());
const port = Number(process.env['SITE_PORT']);
const baseURL = `http://127.0.0.1:${port}`;

// The specs that start no lab and share nothing with another spec (see `projects` below).
const PAGE_SPECS = /\/(site|links|quiz|static-isolation|recordings)\.spec\.ts$/;
// The specs that start labs of their own (lab processes they spawn, not the preview's lab host).
const OWN_LAB_SPECS = /\/(burst-expiry|classroom|dashboard-sources|framed)\.spec\.ts$/;

export default defineConfig({
  testDir: 'tests/browser',
  // Its own folder: Playwright empties it on start, and other runners' reports sit in test-results/.
  outputDir: 'test-results/browser',
  reporter: 'list',
  forbidOnly: !!process.env['CI'],
  // Three workers, even on two cores (Playwright's default would be one): the specs that run a lab
  // spend most of their time waiting on it, and the pages' tests fill that time. One lane drives
  // the preview's lab host, one runs the specs with labs of their own, and the pages take whatever
  // is free, the third worker at least.
  workers: Math.max(3, Math.floor(os.availableParallelism() / 2)),
  projects: [
    {
      // The specs that drive the one lab host of the preview server below (sandbox, docked,
      // recording-takeover), one at a time: it runs one lab of each id at a time, and side by side a test
      // would stop or reset the lab another one is driving. A new spec lands here unless it is
      // listed as a page spec or an own-lab spec above.
      name: 'labs',
      testIgnore: [PAGE_SPECS, OWN_LAB_SPECS],
      workers: 1,
    },
    {
      // The specs that start labs of their own, one at a time: two such labs, each with a browser,
      // beside the lab host's, would starve each other's deadlines on two cores.
      name: 'own-labs',
      testMatch: OWN_LAB_SPECS,
      workers: 1,
    },
    {
      // Specs that only open pages of the build (on the preview server or static servers of their
      // own) and start no lab: they run beside the lab specs, and beside each other (site.spec.ts
      // page by page, each page's checks together and in order).
      name: 'pages',
      testMatch: PAGE_SPECS,
    },
  ],
  // Generous: the machines that run this share two cores with other work.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromium, args: CHROMIUM_FLAGS },
    trace: 'retain-on-failure',
  },
  webServer: {
    // `npm start -- --preview`: `astro preview` of the build (same COOP/COEP headers as the dev
    // server, without its lock file so that another preview does not block the tests) plus the local
    // runtime's lab host, which the preview proxies at /_labs/, so the sandboxes can start.
    command: `node scripts/start.ts --preview`,
    env: { PORT: String(port), HOST: '127.0.0.1' },
    url: `${baseURL}/fr/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
