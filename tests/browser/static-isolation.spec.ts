// Cross-origin isolation on a static host that sends no headers (GitHub Pages and the like): the
// built site, served by a plain file server, must become isolated through the coi-serviceworker
// that the build ships, after exactly one reload, and keep working. On the suite's preview server,
// which sends COOP and COEP itself, the same pages must neither register the worker nor reload.
import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serveStatic, type ServedSite } from '../../scripts/static-server.ts';
import { searchResultPaths } from './search-results.ts';

const DIST = path.resolve('dist');
const WORKER = 'coi-serviceworker.js';

/** What a page did: the documents its main frame loaded, and what went wrong on the way. */
interface Watch {
  /** Every document the main frame loaded, in order: a reload shows as one more entry. */
  loads: string[];
  /**
   * What a reader's console would show as broken: errors logged, uncaught exceptions, requests
   * that failed (a resource blocked by COEP fails this way) and answers of 400 or more. A request
   * aborted because its document was replaced (by the reload, or by following a link) is not a
   * fault, and is left out.
   */
  problems(): string[];
}

/** Starts watching a page before it loads anything. */
function watch(page: Page): Watch {
  const loads: string[] = [];
  const problems: { text: string; document: number; aborted: boolean }[] = [];
  // The document a request belongs to: the one committed when it was sent.
  const documentOf = new WeakMap<object, number>();
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) loads.push(frame.url());
  });
  page.on('request', (request) => documentOf.set(request, loads.length));
  const add = (text: string, aborted = false, document = loads.length): void => {
    problems.push({ text, document, aborted });
  };
  page.on('console', (message) => {
    if (message.type() === 'error') add(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => add(`exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown';
    add(
      `failed: ${request.url()} (${reason})`,
      reason === 'net::ERR_ABORTED',
      documentOf.get(request),
    );
  });
  page.on('response', (response) => {
    if (response.status() >= 400) add(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    loads,
    problems: () =>
      problems
        .filter(({ aborted, document }) => !aborted || document >= loads.length)
        .map(({ text }) => text),
  };
}

/** How the current document was reached: `navigate` for a visit, `reload` for a reload. */
async function navigationType(page: Page): Promise<string> {
  return page.evaluate(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type,
  );
}

/**
 * Waits until the page has settled: loaded, the network quiet, and a moment more in which a
 * late reload would have shown.
 */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1_500);
}

const cases = [
  { url: '/fr/', heading: 'Des processus sans état', switchTo: 'English', other: '/en/' },
  {
    url: '/en/01-factor/',
    heading: 'The factor on one page',
    switchTo: 'Français',
    other: '/fr/01-factor/',
  },
] as const;

test.describe('on a static host without isolation headers', () => {
  let site: ServedSite | undefined;
  let origin = '';

  test.beforeAll(async () => {
    if (!existsSync(path.join(DIST, WORKER))) {
      throw new Error(
        `dist/${WORKER} is missing: the build is older than the isolation service worker. ` +
          'Run `npm run build`, then the tests again.',
      );
    }
    site = await serveStatic(DIST);
    origin = site.origin;
  });

  test.afterAll(async () => {
    await site?.close();
  });

  for (const { url, heading, switchTo, other } of cases) {
    test(`${url} becomes cross-origin isolated after exactly one reload, and still works`, async ({
      page,
    }) => {
      const { loads, problems } = watch(page);
      const response = await page.goto(`${origin}${url}`);
      // The server really sends no isolation header: whatever isolates the page is the worker.
      expect(response?.headers()['cross-origin-opener-policy']).toBeUndefined();
      expect(response?.headers()['cross-origin-embedder-policy']).toBeUndefined();

      await expect.poll(() => loads.length, { timeout: 20_000 }).toBe(2);
      await settle(page);
      expect(loads).toEqual([`${origin}${url}`, `${origin}${url}`]);
      expect(await navigationType(page)).toBe('reload');
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      // The worker controls the page, from the site's own origin, with a scope that holds it.
      const worker = await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return {
          controller: navigator.serviceWorker.controller?.scriptURL ?? null,
          scope: registration?.scope ?? null,
        };
      });
      expect(worker).toEqual({ controller: `${origin}/${WORKER}`, scope: `${origin}/` });

      // The page still works: its heading, the theme switch and the language switch.
      await expect(page.locator('h1')).toHaveText(heading);
      await page.locator('header starlight-theme-select select').first().selectOption('dark');
      await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
      const languages = page.locator('header starlight-lang-select select').first();
      await expect(languages.locator('option')).toHaveText(['Français', 'English']);
      await languages.selectOption({ label: switchTo });
      await expect(page).toHaveURL(`${origin}${other}`);
      await settle(page);
      // The next page is isolated from its first load: the worker already controls it.
      expect(loads).toHaveLength(3);
      expect(await navigationType(page)).toBe('navigate');
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(problems()).toEqual([]);
    });
  }

  test('search works in a page isolated by the worker', async ({ page }) => {
    const { loads, problems } = watch(page);
    await page.goto(`${origin}/fr/`);
    await expect.poll(() => loads.length, { timeout: 20_000 }).toBe(2);
    await settle(page);
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    // Pagefind loads a worker script and WebAssembly, which COEP would block if the service
    // worker left them without its headers.
    await page.locator('site-search button[data-open-modal]').click();
    await page.locator('site-search dialog input').fill('vivacité préparation');
    await expect
      .poll(() => searchResultPaths(page), { timeout: 30_000 })
      .toContain('/fr/05-health-checks/');
    expect(problems()).toEqual([]);
  });
});

test.describe('on a host that sends the isolation headers', () => {
  for (const { url } of cases) {
    test(`${url} registers no service worker and does not reload`, async ({ page, context }) => {
      const { loads, problems } = watch(page);
      const workerRequests: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith(`/${WORKER}`)) workerRequests.push(request.url());
      });
      const response = await page.goto(url);
      expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
      await settle(page);
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(loads).toHaveLength(1);
      expect(await navigationType(page)).toBe('navigate');
      // The headers isolate the page, so its inline check never even fetches the worker's script.
      expect(workerRequests).toEqual([]);
      expect(context.serviceWorkers()).toEqual([]);
      const registrations = await page.evaluate(
        async () => (await navigator.serviceWorker.getRegistrations()).length,
      );
      expect(registrations).toBe(0);
      await expect(page.locator('h1')).toBeVisible();
      expect(problems()).toEqual([]);
    });
  }
});
