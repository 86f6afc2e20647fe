import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { discoverPages } from '../../scripts/site-pages.ts';
import { watchProblems } from './page-problems.ts';
import { searchResultPaths } from './search-results.ts';

// Every page of the production build, found in the build itself so that a new lesson is tested
// the day it is written.
const pages = discoverPages('dist');
const LOCALES = ['fr', 'en'] as const;

// Every test opens its own page and changes nothing on the server, so they may run side by side.
test.describe.configure({ mode: 'parallel' });

/** Errors logged, uncaught exceptions, requests that failed (a resource blocked by COEP fails
 * this way) and answers of 400 or more. */
function watchForErrors(page: Page): string[] {
  return watchProblems(page, { failedRequests: true, errorAnswers: true });
}

/**
 * Runs axe on the page as it stands and lists its violations, one line each. axe's default way
 * gathers every frame's results and merges them in a blank page it opens for the purpose, which
 * costs seconds a run; its legacy way runs in the page itself and finds the same (on these pages:
 * the same rules pass, on the same nodes), but cannot look into a frame of another origin, so a
 * page that has one gets the default way.
 */
async function accessibilityViolations(page: Page): Promise<string[]> {
  const origin = new URL(page.url()).origin;
  const foreignFrame = page
    .frames()
    .some((frame) => frame.url() !== 'about:blank' && new URL(frame.url()).origin !== origin);
  const { violations } = await new AxeBuilder({ page }).setLegacyMode(!foreignFrame).analyze();
  return violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

test.describe('languages', () => {
  test('the build has pages in both languages, mirrored one for one', () => {
    const byLocale = LOCALES.map((locale) =>
      pages
        .filter((page) => page.url.startsWith(`/${locale}/`))
        .map((page) => page.url.slice(locale.length + 1)),
    );
    expect(byLocale[0]!.length).toBeGreaterThanOrEqual(2);
    expect(byLocale[1]).toEqual(byLocale[0]);
  });

  test('the site root lands on the French home page', async ({ page }) => {
    const problems = watchForErrors(page);
    await page.goto('/');
    await expect(page).toHaveURL(/\/fr\/$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.locator('h1')).toHaveText('Des processus sans état');
    expect(problems).toEqual([]);
  });

  test('UI strings come from content/i18n, where French overrides a Starlight default', async ({
    page,
  }) => {
    await page.goto('/fr/');
    await expect(page.locator('header starlight-lang-select').first()).toContainText(
      'Sélectionner la langue',
    );
    await page.goto('/en/');
    await expect(page.locator('header starlight-lang-select').first()).toContainText(
      'Select language',
    );
  });

  test('the site title and sidebar are translated', async ({ page }) => {
    await page.goto('/fr/');
    await expect(page.locator('.site-title')).toContainText('Processus sans état');
    await expect(page.locator('nav[aria-label] .sidebar-content')).toContainText('Le cours');
    await page.goto('/en/');
    await expect(page.locator('.site-title')).toContainText('Stateless processes');
    await expect(page.locator('nav[aria-label] .sidebar-content')).toContainText('The course');
  });

  for (const [from, to] of [
    ['fr', 'en'],
    ['en', 'fr'],
  ] as const) {
    test(`the language switch from ${from} to ${to} keeps the reader on the same page`, async ({
      page,
    }) => {
      await page.goto(`/${from}/about/`);
      // The header's switcher is the visible one on a desktop-sized window.
      const select = page.locator('header starlight-lang-select select').first();
      await select.selectOption({ label: to === 'fr' ? 'Français' : 'English' });
      await expect(page).toHaveURL(new RegExp(`/${to}/about/$`));
      await expect(page.locator('html')).toHaveAttribute('lang', to);
    });
  }
});

test.describe('cross-origin isolation', () => {
  for (const locale of LOCALES) {
    test(`/${locale}/ is cross-origin isolated`, async ({ page }) => {
      const response = await page.goto(`/${locale}/`);
      expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
      expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    });
  }
});

test.describe('every page', () => {
  for (const { url } of pages) {
    // Each page is opened once, in one tab that its checks share: loading a page costs more than
    // any one check of it, and nothing a check does (reading the DOM, switching the colour scheme)
    // changes what the next one should find. The checks stay separate tests, run in this order in
    // one worker; a failing one gets a fresh worker, whose tab the remaining checks open anew.
    test.describe(url, () => {
      test.describe.configure({ mode: 'default' });
      let tab: Page;
      let problems: string[] = [];

      test.beforeAll(async ({ browser }, testInfo) => {
        // A context made here does not get the config's `use`, so its base URL is passed on.
        const { baseURL } = testInfo.project.use;
        const context = await browser.newContext(baseURL ? { baseURL } : {});
        tab = await context.newPage();
        problems = watchForErrors(tab);
        await tab.emulateMedia({ colorScheme: 'light' });
        await tab.goto(url);
      });

      test.afterAll(async () => {
        await tab?.context().close();
      });

      if (/^\/(fr|en)\//.test(url)) {
        const locale = url.split('/')[1]!;
        test(`declares <html lang="${locale}">`, async () => {
          await expect(tab.locator('html')).toHaveAttribute('lang', locale);
        });
      }

      // Starlight follows the system's colour scheme, so contrast is checked in both themes.
      for (const colorScheme of ['light', 'dark'] as const) {
        test(`has no accessibility violation (${colorScheme})`, async () => {
          await tab.emulateMedia({ colorScheme });
          // Starlight's theme script follows the change: wait until the page has taken it.
          await expect(tab.locator('html')).toHaveAttribute('data-theme', colorScheme);
          expect(await accessibilityViolations(tab)).toEqual([]);
        });
      }

      // Last, so that it has watched the page through every check above: an error logged late, by
      // a script that runs after the load or by the switch of theme, is counted too.
      test('loads with no console error', async () => {
        await tab.waitForLoadState('networkidle');
        expect(problems).toEqual([]);
      });
    });
  }
});

// src/integrations/deferred-code-blocks.ts: on a fresh visit to the top of a page, the code blocks
// out of sight are rendered as they come near; everywhere a position must be exact, all of them are.
test.describe('code blocks out of sight', () => {
  const lesson = '/en/07-to-production/';
  /** Whether each code block's content is rendered now (false: skipped by content-visibility). */
  const rendered = (page: Page) =>
    page
      .locator('.sl-markdown-content .expressive-code pre')
      .evaluateAll((blocks) =>
        blocks.map((block) => block.checkVisibility({ contentVisibilityAuto: true })),
      );

  test('a fresh visit renders the first screen and the rest as the reader scrolls', async ({
    page,
  }) => {
    const problems = watchForErrors(page);
    await page.setViewportSize({ width: 412, height: 823 });
    await page.goto(lesson);
    await expect(page.locator('html')).toHaveAttribute('data-deferred-code', '');
    const before = await rendered(page);
    expect(before.length).toBeGreaterThan(10);
    expect(before.at(-1)).toBe(false);
    await page.locator('.sl-markdown-content .expressive-code').last().scrollIntoViewIfNeeded();
    await expect.poll(async () => (await rendered(page)).at(-1)).toBe(true);
    expect(problems).toEqual([]);
  });

  test('the text past the first screen too, then it is shown as any other once seen', async ({
    page,
  }) => {
    const problems = watchForErrors(page);
    await page.setViewportSize({ width: 412, height: 823 });
    await page.goto(lesson);
    await expect(page.locator('html')).toHaveAttribute('data-deferred-text', '');
    // A list far down the page: what is skipped is an element's content, so its first item is
    // what tells whether it is rendered.
    const late = page.locator('.sl-markdown-content > ul').last();
    const state = () =>
      late.evaluate((element) => ({
        rendered: element.firstElementChild!.checkVisibility({ contentVisibilityAuto: true }),
        contentVisibility: getComputedStyle(element).contentVisibility,
      }));
    expect(await state()).toEqual({ rendered: false, contentVisibility: 'auto' });
    // The first screen's text is never skipped.
    const first = page.locator('.sl-markdown-content > p').first();
    expect(await first.evaluate((element) => getComputedStyle(element).contentVisibility)).toBe(
      'visible',
    );
    await late.scrollIntoViewIfNeeded();
    // Once rendered, it no longer clips what it paints (a focus ring at its edge, say).
    await expect.poll(state).toEqual({ rendered: true, contentVisibility: 'visible' });
    expect(problems).toEqual([]);
  });

  // Starlight makes a table a scroll container, whose scroll size a skipped one misreports: axe
  // then counted it as a region a keyboard cannot scroll (CI, on /03, /exercises, /lab-reference).
  test('a table far down the page is never skipped, nor what holds one', async ({ page }) => {
    await page.setViewportSize({ width: 412, height: 823 });
    await page.goto('/en/03-redis-sessions/');
    await expect(page.locator('html')).toHaveAttribute('data-deferred-text', '');
    const far = page.locator('.sl-markdown-content > :nth-child(n + 10):is(table, :has(table))');
    expect(await far.count()).toBeGreaterThan(0);
    const styles = await far.evaluateAll((elements) =>
      elements.map((element) => getComputedStyle(element).contentVisibility),
    );
    expect(styles).toEqual(styles.map(() => 'visible'));
    // A paragraph as far down is skipped, so the page was indeed deferring.
    const paragraph = page.locator('.sl-markdown-content > p:nth-child(n + 10)').last();
    expect(await paragraph.evaluate((element) => getComputedStyle(element).contentVisibility)).toBe(
      'auto',
    );
  });

  test('an address with a #fragment, and a reload, render every block', async ({ page }) => {
    await page.goto(`${lesson}#what-to-remember`);
    await expect(page.locator('html')).not.toHaveAttribute('data-deferred-code');
    await expect(page.locator('html')).not.toHaveAttribute('data-deferred-text');
    expect(await rendered(page)).not.toContain(false);
    await page.goto(lesson);
    await expect(page.locator('html')).toHaveAttribute('data-deferred-code', '');
    await page.reload();
    await expect(page.locator('html')).not.toHaveAttribute('data-deferred-code');
    expect(await rendered(page)).not.toContain(false);
  });

  test('a link to a place in the page lands exactly there', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(lesson);
    await expect(page.locator('html')).toHaveAttribute('data-deferred-code', '');
    await page.locator('starlight-toc a[href="#what-to-remember"]').click();
    await expect(page.locator('html')).not.toHaveAttribute('data-deferred-code');
    await expect(page.locator('html')).not.toHaveAttribute('data-deferred-text');
    const heading = page.locator('#what-to-remember');
    // Where the heading ends up once the scroll is over, and that it stays there: no block above
    // it changes height afterwards.
    const top = () =>
      heading.evaluate((element) => Math.round(element.getBoundingClientRect().top));
    await expect.poll(top).toBeLessThan(200);
    const landed = await top();
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    expect(await top()).toBe(landed);
    expect(landed).toBeGreaterThanOrEqual(0);
    expect(await rendered(page)).not.toContain(false);
  });
});

test.describe('a lab before Start', () => {
  test('its code downloads when a pointer comes over Start, and nothing starts', async ({
    page,
  }) => {
    const problems = watchForErrors(page);
    const sandboxCode: string[] = [];
    const labCalls: string[] = [];
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (/\/_astro\/(ui|workspace)\.[\w-]+\.js$/.test(pathname)) sandboxCode.push(pathname);
      if (pathname.startsWith('/_labs/')) labCalls.push(`${request.method()} ${pathname}`);
    });
    await page.goto('/fr/lab/');
    await page.waitForLoadState('networkidle');
    expect(sandboxCode).toEqual([]);
    await page.getByRole('button', { name: 'Démarrer le laboratoire' }).hover();
    await expect.poll(() => sandboxCode.length).toBeGreaterThan(0);
    await page.waitForLoadState('networkidle');
    // Only the download: no workspace, no lab asked for anything.
    await expect(page.locator('[data-workspace]')).toBeHidden();
    expect(labCalls).toEqual([]);
    expect(problems).toEqual([]);
  });
});

test.describe('search', () => {
  const cases = [
    // The lesson on health checks is the page about liveness and readiness.
    { locale: 'fr', query: 'vivacité préparation', expected: '/fr/05-health-checks/' },
    { locale: 'en', query: 'liveness readiness', expected: '/en/05-health-checks/' },
    { locale: 'fr', query: 'licence québec', expected: '/fr/about/' },
    { locale: 'en', query: 'licence québec', expected: '/en/about/' },
  ] as const;

  for (const { locale, query, expected } of cases) {
    test(`searching "${query}" on a ${locale} page finds ${expected} and only ${locale} pages`, async ({
      page,
    }) => {
      const problems = watchForErrors(page);
      await page.goto(`/${locale}/`);
      await page.locator('site-search button[data-open-modal]').click();
      await page.locator('site-search dialog input').fill(query);
      const paths = () => searchResultPaths(page);
      // Pagefind fetches its WebAssembly and index on first use, which takes a while on a busy
      // machine, and shows results as they arrive: wait for the expected one.
      await expect.poll(paths, { timeout: 30_000 }).toContain(expected);
      const hrefs = await paths();
      expect(hrefs.every((href) => href.startsWith(`/${locale}/`))).toBe(true);
      expect(problems).toEqual([]);
    });
  }

  // The search box is built when the reader reaches for it (src/integrations/search-on-demand.ts),
  // not in the first idle moment of every page.
  test('Pagefind is not loaded until the reader reaches for the search', async ({ page }) => {
    const problems = watchForErrors(page);
    const pagefindScripts: string[] = [];
    page.on('request', (request) => {
      if (/ui-core|pagefind/.test(request.url())) pagefindScripts.push(request.url());
    });
    await page.goto('/en/02-memory-sessions/');
    await page.waitForLoadState('networkidle');
    // Starlight's own script would have built the box by now: idle after the load.
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
    expect(pagefindScripts).toEqual([]);
    await expect(page.locator('#starlight__search input')).toHaveCount(0);
    // A pointer over the button is enough to start building it, before any click.
    await page.locator('site-search button[data-open-modal]').hover();
    await expect(page.locator('#starlight__search .pagefind-ui__form input')).toHaveCount(1);
    expect(pagefindScripts.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  test('Ctrl+K and a word typed at once: no letter lost while the box is built, accents too', async ({
    page,
  }) => {
    const problems = watchForErrors(page);
    await page.goto('/fr/02-memory-sessions/');
    await page.waitForLoadState('networkidle');
    // Pagefind's script is held back until the word is typed, as a slow phone would keep it.
    let release = () => {};
    const typed = new Promise<void>((resolve) => (release = resolve));
    await page.route(/ui-core\.[\w-]+\.js$/, async (route) => {
      await typed;
      await route.continue();
    });
    // Pagefind's field, and the plain one that stands in for it while it is built.
    const input = page.locator('#starlight__search input:not([data-course-stand-in])');
    const standIn = page.locator('#starlight__search input[data-course-stand-in]');
    await page.keyboard.press('Control+k');
    await expect(standIn).toBeFocused();
    await page.keyboard.type('vivacitx');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('é');
    await expect(input).toHaveCount(0);
    release();
    await expect(input).toHaveValue('vivacité');
    await expect(input).toBeFocused();
    await expect(standIn).toHaveCount(0);
    await expect
      .poll(() => searchResultPaths(page), { timeout: 30_000 })
      .toContain('/fr/05-health-checks/');
    expect(problems).toEqual([]);
  });
});
