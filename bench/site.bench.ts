import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Response } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from '../scripts/find-chromium.ts';
import { serveStatic, type ServedSite } from '../scripts/static-server.ts';
import { discoverPages, type BuiltPage } from '../scripts/site-pages.ts';
import { median, Results, startChild, stopChild } from './harness.ts';

/**
 * Figures of the built site, one per line (`name value`):
 * - the build time;
 * - for every page, the JavaScript and CSS it loads before any interaction, raw and gzipped,
 *   measured in Chromium (files it fetches plus what is inlined in the HTML);
 * - Lighthouse's four scores (mobile, the default form factor), median of several runs, with the
 *   build served compressed as a real static host serves it (see `host`), for the
 *   home page in each language, every lesson and every page that embeds a lab, each held to 100, beside the
 *   anchor: a page of the same layout without a lab, measured in the same run.
 *
 * A Lighthouse run that ends on a runtime error (NO_NAVSTART, a protocol timeout and the like)
 * is tried again, up to `LIGHTHOUSE_ATTEMPTS` times; a page that never gets a report is said so,
 * and the other pages are still measured.
 * `BENCH_LIGHTHOUSE_RUNS` sets the number of Lighthouse runs per page (default 3; 0 skips them);
 * `BENCH_SITE_PAGES` (e.g. `/fr/about/,/fr/lab/`) measures only those paths; `BENCH_SITE_DIST`
 * serves a site built already instead of building one; `BENCH_LIGHTHOUSE_REPORTS` names a folder
 * where each run's full JSON report is kept, to read its diagnostics (main-thread work, long tasks).
 * Beside the scores, each page's median Total Blocking Time, Largest Contentful Paint and layout
 * shift are printed: the performance score moves with them, and they say which one cost points.
 */

const root = join(import.meta.dirname, '..');
const astro = join(root, 'node_modules/astro/bin/astro.mjs');
const lighthouseCli = join(root, 'node_modules/lighthouse/cli/index.js');
const lighthouseRuns = Number(process.env['BENCH_LIGHTHOUSE_RUNS'] ?? 3);
const onlyPages = process.env['BENCH_SITE_PAGES']?.split(',').filter(Boolean) ?? null;
const LIGHTHOUSE_ATTEMPTS = 3;
/** A lesson's address: its number comes first (`/fr/07-to-production/`). */
const LESSON = /^\/(fr|en)\/\d{2}-/;
const reportsDir = process.env['BENCH_LIGHTHOUSE_REPORTS'] || null;
/** The metrics behind the performance score that are printed with it: audit id, name, unit. */
const METRICS = [
  ['total-blocking-time', 'total blocking time', 'ms'],
  ['largest-contentful-paint', 'largest contentful paint', 'ms'],
  ['cumulative-layout-shift', 'layout shift', ''],
] as const;
const results = new Results('site');
// A build of its own, outside the project: the bench neither disturbs nor is disturbed by a
// `dist/` that tests or a preview are using at the same time.
const workDir = mkdtempSync(join(tmpdir(), 'site-bench-'));
const outDir = process.env['BENCH_SITE_DIST'] || join(workDir, 'dist');

/** Prints one figure and keeps it for the JSON summary. */
function figure(name: string, value: number, unit: string, decimals = 0): void {
  results.add({ name, value: Number(value.toFixed(decimals)), unit });
}

function build(): void {
  const started = performance.now();
  const { status, stderr } = spawnSync(process.execPath, [astro, 'build', '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (status !== 0) throw new Error(`The site did not build:\n${stderr}`);
  figure('build', (performance.now() - started) / 1000, 's', 2);
}

/**
 * Serves the build as a real static host does: compressed (Brotli, else gzip, as Vercel, Netlify
 * and GitHub Pages send text) and with the headers vercel.json asks for (COOP and COEP). Lighthouse
 * then measures what a reader's browser gets, not an uncompressed development preview.
 */
async function host(): Promise<ServedSite> {
  const config = JSON.parse(readFileSync(join(root, 'vercel.json'), 'utf8')) as {
    headers: { source: string; headers: { key: string; value: string }[] }[];
  };
  // Vercel's sources here are plain patterns such as `/(.*)` and `/_astro/(.*)`, which read the
  // same as regular expressions anchored at both ends; later rules win, as on Vercel.
  const rules = config.headers.map((rule) => ({
    match: new RegExp(`^${rule.source}$`),
    headers: Object.fromEntries(rule.headers.map(({ key, value }) => [key, value])),
  }));
  const headers = (pathname: string): Record<string, string> =>
    Object.assign({}, ...rules.filter((rule) => rule.match.test(pathname)).map((r) => r.headers));
  const site = await serveStatic(outDir, { compress: true, headers });
  console.log('site: serving the build compressed (br/gzip) with the headers of vercel.json');
  return site;
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
    figure(`page ${label(page)} ${kind}, raw`, totals[kind].raw, 'bytes');
    figure(`page ${label(page)} ${kind}, gzip`, totals[kind].gzip, 'bytes');
  }
  await context.close();
}

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

/** What one Lighthouse run ended with: its four scores, or why it gave none. */
type LighthouseRun =
  { scores: Record<string, number>; metrics: Record<string, number> } | { error: string };

/**
 * One Lighthouse run against a URL, in a process group of its own. It is stopped with SIGINT,
 * on which Lighthouse closes the Chromium it launched (that Chromium has a group of its own).
 */
async function lighthouseOnce(url: string, chromePath: string): Promise<LighthouseRun> {
  const child = startChild(
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
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CHROME_PATH: chromePath } },
    'SIGINT',
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) {
      const reason = /Runtime error encountered: (.*)/.exec(stderr)?.[1] ?? stderr.trim();
      return { error: `exit ${code}: ${reason.split('\n')[0]}` };
    }
    const report = JSON.parse(stdout) as {
      runtimeError?: { code: string; message: string };
      categories: Record<string, { score: number | null }>;
      audits: Record<string, { numericValue?: number }>;
    };
    if (report.runtimeError)
      return { error: `${report.runtimeError.code}: ${report.runtimeError.message}` };
    if (reportsDir) {
      mkdirSync(reportsDir, { recursive: true });
      const name = `${new URL(url).pathname.replace(/\W+/g, '_')}${Date.now()}.json`;
      writeFileSync(join(reportsDir, name), stdout);
    }
    return {
      metrics: Object.fromEntries(
        METRICS.map(([id]) => [id, report.audits[id]?.numericValue ?? Number.NaN]),
      ),
      scores: Object.fromEntries(
        CATEGORIES.map((category) => [
          category,
          Math.round((report.categories[category]?.score ?? 0) * 100),
        ]),
      ),
    };
  } finally {
    await stopChild(child);
  }
}

/** A Lighthouse run, tried again when it ends on an error; null when every attempt failed. */
async function lighthouse(
  url: string,
  chromePath: string,
): Promise<{ scores: Record<string, number>; metrics: Record<string, number> } | null> {
  for (let attempt = 1; attempt <= LIGHTHOUSE_ATTEMPTS; attempt++) {
    const run = await lighthouseOnce(url, chromePath);
    if ('scores' in run) return run;
    console.error(
      `site: Lighthouse on ${url}, attempt ${attempt} of ${LIGHTHOUSE_ATTEMPTS}: ${run.error}`,
    );
  }
  return null;
}

async function main(): Promise<void> {
  const chromePath = findChromium();
  if (!chromePath) throw new Error(CHROMIUM_MISSING);

  if (!process.env['BENCH_SITE_DIST']) build();
  const pages = discoverPages(outDir);
  const site = await host();
  const origin = site.origin;
  try {
    const browser = await chromium.launch({ executablePath: chromePath, args: CHROMIUM_FLAGS });
    try {
      for (const page of pages) {
        if (!onlyPages || onlyPages.includes(page.url)) await measureAssets(browser, origin, page);
      }
    } finally {
      await browser.close();
    }

    // The home page of each language, every lesson (a numbered page: the goal is 100 on each,
    // with or without a lab) and every other page that embeds a lab, found by its marker; first
    // the anchor, a page of the same layout without a lab.
    const anchor =
      pages.find((page) => page.url === '/fr/about/') ??
      pages.find((page) => !page.hasLab && /^\/(fr|en)\/.+/.test(page.url));
    const audited = onlyPages
      ? onlyPages.map(
          (url) => pages.find((page) => page.url === url) ?? { url, lang: '', hasLab: false },
        )
      : [
          ...(anchor ? [anchor] : []),
          ...pages.filter(
            (page) =>
              page.url === '/fr/' || page.url === '/en/' || LESSON.test(page.url) || page.hasLab,
          ),
        ];
    const unmeasured: string[] = [];
    for (const page of lighthouseRuns > 0 ? audited : []) {
      const runs: Record<string, number>[] = [];
      const metrics: Record<string, number>[] = [];
      for (let run = 0; run < lighthouseRuns; run++) {
        const report = await lighthouse(origin + page.url, chromePath);
        if (report) {
          runs.push(report.scores);
          metrics.push(report.metrics);
        }
      }
      if (runs.length === 0) {
        unmeasured.push(page.url);
        continue;
      }
      const isAnchor = page === anchor && !page.hasLab;
      for (const category of CATEGORIES) {
        results.add({
          name: `${isAnchor ? 'anchor (same layout, no lab): ' : ''}Lighthouse ${label(page)} ${category}, median of ${runs.length}`,
          value: median(runs.map((run) => run[category]!)),
          unit: 'points',
          ...(isAnchor ? {} : { goal: { at: 'least' as const, value: 100 } }),
        });
      }
      for (const [id, name, unit] of METRICS) {
        results.add({
          name: `${isAnchor ? 'anchor (same layout, no lab): ' : ''}Lighthouse ${label(page)} ${name}, median of ${metrics.length}`,
          value: Number(median(metrics.map((run) => run[id]!)).toFixed(unit === 'ms' ? 0 : 3)),
          unit,
        });
      }
    }
    if (unmeasured.length > 0) {
      console.error(
        `site: no Lighthouse report for ${unmeasured.join(', ')} after ${LIGHTHOUSE_ATTEMPTS} attempts per run.`,
      );
      process.exitCode = 1;
    }
  } finally {
    await site.close();
  }
  results.save();
}

try {
  await main();
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
