import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Response } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from '../scripts/find-chromium.ts';
import { freePort } from '../sandboxes/platform/net-utils.ts';
import { discoverPages, type BuiltPage } from '../scripts/site-pages.ts';

/**
 * Figures of the built site, one per line (`name value`):
 * - the build time;
 * - for every page, the JavaScript and CSS it loads before any interaction, raw and gzipped,
 *   measured in Chromium (files it fetches plus what is inlined in the HTML);
 * - Lighthouse's four scores (mobile, the default form factor), median of several runs, for the
 *   home page in each language and every page that embeds a lab.
 *
 * `BENCH_LIGHTHOUSE_RUNS` sets the number of Lighthouse runs per page (default 3; 0 skips them).
 */

const root = join(import.meta.dirname, '..');
const astro = join(root, 'node_modules/astro/bin/astro.mjs');
const lighthouseCli = join(root, 'node_modules/lighthouse/cli/index.js');
const lighthouseRuns = Number(process.env['BENCH_LIGHTHOUSE_RUNS'] ?? 3);
const results: Record<string, number> = {};
// A build of its own, outside the project: the bench neither disturbs nor is disturbed by a
// `dist/` that tests or a preview are using at the same time.
const workDir = mkdtempSync(join(tmpdir(), 'site-bench-'));
const outDir = join(workDir, 'dist');

/** Prints one figure and keeps it for the JSON summary. */
function figure(name: string, value: number, decimals = 0): void {
  results[name] = Number(value.toFixed(decimals));
  console.log(`${name} ${value.toFixed(decimals)}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function build(): void {
  const started = performance.now();
  const { status, stderr } = spawnSync(process.execPath, [astro, 'build', '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (status !== 0) throw new Error(`The site did not build:\n${stderr}`);
  figure('site.build.seconds', (performance.now() - started) / 1000, 2);
}

/** Starts `astro preview` on a free port and resolves once it answers. */
async function preview(): Promise<{ origin: string; server: ChildProcess }> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      astro,
      'preview',
      '--ignore-lock',
      '--outDir',
      outDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: root, stdio: 'ignore', env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } },
  );
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      if ((await fetch(`${origin}/fr/`)).ok) return { origin, server };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  server.kill();
  throw new Error('astro preview did not answer within 30 seconds.');
}

/** A page's name in figure names: its URL path, `/` for the root of the site. */
const label = (page: BuiltPage) => page.url;

async function measureAssets(browser: Browser, origin: string, page: BuiltPage): Promise<void> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const bodies: { kind: 'js' | 'css'; body: Promise<Buffer | null> }[] = [];
  const onResponse = (response: Response) => {
    const type = response.request().resourceType();
    if (type === 'script' || type === 'stylesheet') {
      // A body that can no longer be read (the page went away) counts as nothing, not as a crash.
      const body = response.body().catch(() => null);
      bodies.push({ kind: type === 'script' ? 'js' : 'css', body });
    }
  };
  tab.on('response', onResponse);
  await tab.goto(origin + page.url, { waitUntil: 'networkidle' });
  // Starlight loads some scripts when the browser is idle (search, for one): give them the time a
  // reader would, then wait for the network to settle again, so each page is measured the same way.
  await tab.waitForTimeout(1500);
  await tab.waitForLoadState('networkidle');
  tab.off('response', onResponse);
  // Inline scripts and styles cost bytes too, inside the HTML; they count with the files.
  const inline = await tab.evaluate(() => ({
    js: [...document.querySelectorAll('script:not([src])')]
      .map((s) => s.textContent ?? '')
      .join('\n'),
    css: [...document.querySelectorAll('style')].map((s) => s.textContent ?? '').join('\n'),
  }));
  const totals = { js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } };
  for (const { kind, body } of bodies) {
    const bytes = await body;
    if (!bytes) continue;
    totals[kind].raw += bytes.length;
    totals[kind].gzip += gzipSync(bytes).length;
  }
  for (const kind of ['js', 'css'] as const) {
    const bytes = Buffer.from(inline[kind]);
    if (bytes.length === 0) continue;
    totals[kind].raw += bytes.length;
    totals[kind].gzip += gzipSync(bytes).length;
  }
  for (const kind of ['js', 'css'] as const) {
    figure(`site.page[${label(page)}].${kind}.bytes`, totals[kind].raw);
    figure(`site.page[${label(page)}].${kind}.gzip_bytes`, totals[kind].gzip);
  }
  await context.close();
}

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

/** One Lighthouse run against a URL, returning the four scores out of 100. */
function lighthouse(url: string, chromePath: string): Record<string, number> {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    [
      lighthouseCli,
      url,
      '--output=json',
      '--output-path=stdout',
      '--quiet',
      `--only-categories=${CATEGORIES.join(',')}`,
      `--chrome-flags=${CHROMIUM_FLAGS.map((flag) => (flag === '--headless' ? '--headless=new' : flag)).join(' ')}`,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CHROME_PATH: chromePath },
    },
  );
  if (status !== 0) throw new Error(`Lighthouse failed on ${url}:\n${stderr}`);
  const report = JSON.parse(stdout) as { categories: Record<string, { score: number | null }> };
  return Object.fromEntries(
    CATEGORIES.map((category) => [
      category,
      Math.round((report.categories[category]?.score ?? 0) * 100),
    ]),
  );
}

async function main(): Promise<void> {
  const chromePath = findChromium();
  if (!chromePath) throw new Error(CHROMIUM_MISSING);

  build();
  const pages = discoverPages(outDir);
  const { origin, server } = await preview();
  try {
    const browser = await chromium.launch({ executablePath: chromePath, args: CHROMIUM_FLAGS });
    try {
      for (const page of pages) await measureAssets(browser, origin, page);
    } finally {
      await browser.close();
    }

    // The home page of each language, then every page that embeds a lab, found by its marker.
    const audited = pages.filter(
      (page) => page.url === '/fr/' || page.url === '/en/' || page.hasLab,
    );
    for (const page of lighthouseRuns > 0 ? audited : []) {
      const runs = Array.from({ length: lighthouseRuns }, () =>
        lighthouse(origin + page.url, chromePath),
      );
      for (const category of CATEGORIES) {
        figure(
          `site.lighthouse[${label(page)}].${category}`,
          median(runs.map((run) => run[category]!)),
        );
      }
    }
  } finally {
    server.kill();
  }

  // The same figures for machines, next to the other benchmarks' results.
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'site.json'), JSON.stringify(results, null, 2) + '\n');
}

try {
  await main();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
