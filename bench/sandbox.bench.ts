// Sandbox benchmarks, on the production build served as `npm start -- --preview` serves it:
// - the JavaScript a lesson page loads before Start, against a page of the same layout without a
//   sandbox (goal: at most 8 KB gzip more), and whether any sandbox code loads before Start;
// - the size of each packaged lab, raw and gzip (goal: at most 1.5 MB gzip);
// - local runtime: Start pressed to dashboard visible, median of 5 (goal: at most 2 s here).
//   node bench/sandbox.bench.ts
import { chromium, type Page } from '@playwright/test';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from '../scripts/find-chromium.ts';
import { freePort } from '../sandboxes/platform/net-utils.ts';
import { median, Results, startChild, stopAll, stopChild } from './harness.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const STARTS = 5;
const results = new Results('sandbox');

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** The JavaScript a page loads on its own, before anyone touches it: [raw, gzip] bytes. */
async function scriptBytes(
  page: Page,
  url: string,
): Promise<{ raw: number; gzip: number; files: string[] }> {
  const bodies: Promise<Buffer | null>[] = [];
  const files: string[] = [];
  const listener = (response: import('@playwright/test').Response): void => {
    const type = response.headers()['content-type'] ?? '';
    if (!type.includes('javascript')) return;
    files.push(new URL(response.url()).pathname);
    bodies.push(response.body().catch(() => null));
  };
  page.on('response', listener);
  await page.goto(url, { waitUntil: 'networkidle' });
  // Starlight loads its search interface when the browser is idle: wait for it on both pages, so
  // that the difference between them is the sandbox alone.
  await page.waitForTimeout(3000);
  page.off('response', listener);
  // Scripts inlined in the page count too.
  const inline = await page.evaluate(() =>
    [...document.querySelectorAll('script:not([src])')]
      .filter((script) => !script.getAttribute('type') || script.getAttribute('type') === 'module')
      .map((script) => script.textContent ?? '')
      .join('\n'),
  );
  const all = [
    ...(await Promise.all(bodies)).filter((body): body is Buffer => body !== null),
    Buffer.from(inline),
  ];
  return {
    raw: all.reduce((sum, body) => sum + body.length, 0),
    gzip: all.reduce((sum, body) => sum + gzipSync(body).length, 0),
    files,
  };
}

async function main(): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_MISSING);
  const build = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/astro/bin/astro.mjs'), 'build'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (build.status !== 0) throw new Error(`The site did not build:\n${build.stderr}`);

  // The packaged labs are the JSON files of dist/labs/; its folders (the recording's dashboard
  // pages, the recordings) are not labs.
  const packaged = fs.readdirSync(path.join(root, 'dist/labs')).filter((f) => f.endsWith('.json'));
  for (const file of packaged.sort()) {
    const body = fs.readFileSync(path.join(root, 'dist/labs', file));
    results.add({
      name: `packaged lab ${file.replace('.json', '')}, gzip`,
      value: Math.round(gzipSync(body).length / 1024),
      unit: 'KB',
      goal: { at: 'most', value: 1536 },
      note: `${kb(body.length)} raw`,
    });
  }

  const port = await freePort();
  const server: ChildProcess = startChild(
    process.execPath,
    [path.join(root, 'scripts/start.ts'), '--preview'],
    {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
  try {
    for (let tries = 0; ; tries++) {
      const answer = await fetch(`${origin}/fr/`).catch(() => null);
      if (answer?.ok) break;
      if (tries > 300) throw new Error('the preview server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // A fresh browser context for each page: a file cached by the first would not be counted
    // for the second.
    const withSandbox = await scriptBytes(await browser.newPage(), `${origin}/fr/lab/`);
    const without = await scriptBytes(await browser.newPage(), `${origin}/fr/about/`);
    results.add({
      name: 'anchor: JS on /fr/about/ (same layout, no sandbox), gzip',
      value: Math.round(without.gzip / 102.4) / 10,
      unit: 'KB',
      note: `${kb(without.raw)} raw`,
    });
    results.add({
      name: 'JS before Start on /fr/lab/, gzip',
      value: Math.round(withSandbox.gzip / 102.4) / 10,
      unit: 'KB',
      note: `${kb(withSandbox.raw)} raw`,
    });
    results.add({
      name: 'cost of the sandbox before Start, gzip',
      value: Math.round((withSandbox.gzip - without.gzip) / 102.4) / 10,
      unit: 'KB',
      goal: { at: 'most', value: 8 },
    });
    const early = withSandbox.files.filter((file) =>
      /ui\.|codemirror|xterm|webcontainer/i.test(file),
    );
    results.add({
      name: 'sandbox files loaded before Start',
      value: early.length,
      unit: 'files',
      goal: { at: 'most', value: 0 },
      ...(early.length > 0 ? { note: early.join(', ') } : {}),
    });

    const times: number[] = [];
    for (let run = 0; run < STARTS; run++) {
      const tab = await browser.newPage();
      await tab.goto(`${origin}/fr/lab/`);
      await tab.getByLabel('Sur cette machine (npm start)').check();
      const started = performance.now();
      await tab.getByRole('button', { name: 'Démarrer le laboratoire' }).click();
      await tab
        .frameLocator('[data-preview]')
        .locator('#visit')
        .waitFor({ state: 'visible', timeout: 120_000 });
      times.push(performance.now() - started);
      await tab.getByRole('button', { name: 'Arrêter', exact: true }).click();
      await tab.locator('[data-workspace]').waitFor({ state: 'hidden' });
      await tab.close();
    }
    results.add({
      name: `local runtime, Start to dashboard visible, median of ${STARTS}`,
      value: Math.round(median(times)),
      unit: 'ms',
      goal: { at: 'most', value: 1500 },
      note: `runs ${times.map(Math.round).join(', ')} ms`,
    });
  } finally {
    await browser.close();
    await stopChild(server);
  }
  results.save();
}

try {
  await main();
} finally {
  await stopAll();
}
