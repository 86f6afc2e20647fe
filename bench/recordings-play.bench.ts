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
import { discoverPages } from '../scripts/site-pages.ts';
import { serveStatic } from '../scripts/static-server.ts';
import { Results, median } from './harness.ts';

const DIST = path.resolve(process.env['RECORDINGS_DIST'] ?? 'dist');
const RUNS = 3;

/** The built pages of `lang` with a `<Sandbox>`: the URL path of each, sorted. */
function pagesWithLabs(lang: string): string[] {
  return discoverPages(DIST)
    .filter((page) => page.hasLab && page.url.startsWith(`/${lang}/`))
    .map((page) => page.url)
    .sort();
}

/** The goal: a recording shows within 3 s of Start, on any device. */
const GOAL_MS = 3000;
const results = new Results('recordings-play');

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
      results.add({
        name: `start to first frame, ${name}`,
        value: Math.round(median(times)),
        unit: 'ms',
        goal: { at: 'most', value: GOAL_MS },
      });
    }
  }
  results.add({
    name: 'start to first frame, median of every page',
    value: Math.round(median(all)),
    unit: 'ms',
    goal: { at: 'most', value: GOAL_MS },
  });
  results.add({
    name: 'start to first frame, slowest',
    value: Math.round(Math.max(...all)),
    unit: 'ms',
    goal: { at: 'most', value: GOAL_MS },
  });
  results.add({
    name: 'bytes of recordings loaded before Start',
    value: before,
    unit: 'B',
    goal: { at: 'most', value: 0 },
  });
  results.save();
} finally {
  await browser.close();
  await site.close();
}
