// How soon a reader sees an experiment where no lab runs: the static build served by a plain
// file server (no COOP/COEP, no lab host), a phone's viewport with touch, in Chromium. For each
// page that embeds a lab (its first embed), in French and in English: Start tapped to the
// recording's first frame shown (the recorded instances on the dashboard), median of a few runs
// (goal: under 3 s). Also the bytes a page loads before Start for the recordings (goal: none).
//   node bench/recordings-play.bench.ts            the build in dist/
//   RECORDINGS_DIST=/tmp/site node bench/recordings-play.bench.ts
import { chromium, type Browser } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from '../scripts/find-chromium.ts';
import { serveStatic } from '../scripts/static-server.ts';

const DIST = path.resolve(process.env['RECORDINGS_DIST'] ?? 'dist');
const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The built pages of `lang` with a `<Sandbox>`: the URL path of each, sorted. */
function pagesWithLabs(lang: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const name of fs.readdirSync(folder)) {
      const file = path.join(folder, name);
      if (fs.statSync(file).isDirectory()) walk(file);
      else if (name === 'index.html' && fs.readFileSync(file, 'utf8').includes('<lab-sandbox')) {
        found.push(`/${path.relative(DIST, folder).split(path.sep).join('/')}/`);
      }
    }
  };
  walk(path.join(DIST, lang));
  return found.sort();
}

/** Start tapped to the first recorded frame shown, in milliseconds, on a fresh phone. */
async function startToFirstFrame(
  browser: Browser,
  url: string,
): Promise<{ ms: number; before: number }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    const page = await context.newPage();
    let recordingBytes = 0;
    let started = false;
    page.on('response', (response) => {
      if (!started && /\/labs\/(recordings|scenarios|dashboard)\//.test(response.url())) {
        recordingBytes += Number(response.headers()['content-length'] ?? 1);
      }
    });
    await page.goto(url);
    // The site's service worker reloads the page once to isolate it: wait until it controls it.
    for (let i = 0; i < 100; i += 1) {
      const controlled = await page
        .evaluate(() => navigator.serviceWorker?.controller !== null)
        .catch(() => false);
      if (controlled) break;
      await page.waitForTimeout(100);
    }
    await page.waitForLoadState('load');
    const sandbox = page.locator('lab-sandbox').first();
    await sandbox.scrollIntoViewIfNeeded();
    started = true;
    const began = performance.now();
    await sandbox.locator('[data-start]').tap();
    await sandbox
      .frameLocator('iframe[data-recording-frame]')
      .locator('#cards li')
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    return { ms: performance.now() - began, before: recordingBytes };
  } finally {
    await context.close();
  }
}

const executablePath = findChromium();
if (!executablePath) throw new Error(CHROMIUM_MISSING);
if (!fs.existsSync(path.join(DIST, 'labs', 'dashboard', 'fr.html'))) {
  throw new Error(`${DIST} has no labs/dashboard/fr.html: build the site first (npx astro build).`);
}
const site = await serveStatic(DIST);
const origin = site.origin;
const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
try {
  const all: number[] = [];
  let before = 0;
  for (const lang of ['fr', 'en']) {
    for (const page of pagesWithLabs(lang)) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const result = await startToFirstFrame(browser, `${origin}${page}`);
        times.push(result.ms);
        before = Math.max(before, result.before);
      }
      all.push(...times);
      const name = page.replace(/^\/|\/$/g, '').replace(/\//g, '_');
      console.log(`recording_start_to_first_frame_ms_${name} ${Math.round(median(times))}`);
    }
  }
  console.log(`recording_start_to_first_frame_ms_median ${Math.round(median(all))}`);
  console.log(`recording_start_to_first_frame_ms_max ${Math.round(Math.max(...all))}`);
  console.log(`recording_bytes_before_start ${before}`);
} finally {
  await browser.close();
  await site.close();
}
