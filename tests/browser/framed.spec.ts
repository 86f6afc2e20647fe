// The lab's dashboard as WebContainer shows it: in a frame of another site, HTTPS outside and
// plain HTTP inside, through a relay that rewrites Host (see framed/harness.ts). These tests
// drive the dashboard inside that frame and check what the lab promises there: the session
// survives (a partitioned cookie in framed mode, a header otherwise), controls from the dashboard
// work whatever Host the lab sees, a page of another site cannot drive the lab, and a buffered
// event stream makes the dashboard poll. They also show that the conditions are real: a Lax
// cookie set by the lab never comes back, and requests from the course page are cross-site.
import { expect, test as base, type FrameLocator, type Page } from '@playwright/test';
import { strings, type Lang } from '../../sandboxes/platform/dashboard/strings.ts';
import { SESSION_HEADERS } from '../../sandboxes/platform/types.ts';
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, findChromium } from '../../scripts/find-chromium.ts';
import { labState, settled, waitForState } from '../lab/harness.ts';
import {
  cookieValue,
  FOREIGN_HOST,
  FRAMED_CHROMIUM_ARGS,
  INNER_HOST,
  PROBE_COOKIES,
  setCookies,
  startFramedSetup,
  type Exchange,
  type FramedOptions,
  type FramedSetup,
} from './framed/harness.ts';

const chromium = findChromium();
if (!chromium) throw new Error(CHROMIUM_MISSING);

const SESSION_COOKIE = 'lab.sid';

/** Each test gets its own lab, relay and course page, stopped when the test ends, pass or fail. */
const test = base.extend<{ framedOptions: FramedOptions; setup: FramedSetup }>({
  framedOptions: [{ framed: true }, { option: true }],
  setup: async ({ framedOptions }, use) => {
    const setup = await startFramedSetup(framedOptions);
    try {
      await use(setup);
    } finally {
      await setup.stop();
    }
  },
});

// Playwright gives every test a fresh context, where Chromium blocks third-party cookies as in
// an incognito window: the condition WebContainer's preview frame lives in.
test.use({
  launchOptions: { executablePath: chromium, args: [...CHROMIUM_FLAGS, ...FRAMED_CHROMIUM_ARGS] },
});
// Generous, as everywhere here: these machines share two cores with other work, and a rolling
// replacement of three instances, whose POST answers only once it is over, then takes a minute.
test.describe.configure({ mode: 'parallel', timeout: 300_000 });
const ROLLOUT_MS = 120_000;

/** The dashboard inside the course page's frame. */
function dashboard(page: Page): FrameLocator {
  return page.frameLocator('iframe');
}

/** One of the dashboard's figures (a `dt` label and its `dd` value), found by its label. */
function figure(frame: FrameLocator, label: string) {
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  return frame.locator('dt', { hasText: exact }).locator('xpath=following-sibling::dd[1]');
}

/** Opens the course page and waits until the dashboard in its frame has read the lab's state. */
async function openCourse(page: Page, setup: FramedSetup, lang: Lang): Promise<FrameLocator> {
  await page.goto(setup.course.url(lang));
  const frame = dashboard(page);
  const { instances } = await labState(setup.labUrl);
  // A card per instance means the dashboard's script ran and reached the lab through the relay.
  for (const instance of instances) {
    await expect(frame.getByRole('heading', { name: instance.id, exact: true })).toBeVisible();
  }
  return frame;
}

/** Presses Visit and waits for the count the instance gave. */
async function visitAndExpect(frame: FrameLocator, lang: Lang, count: number): Promise<void> {
  await frame.getByRole('button', { name: strings[lang].visit, exact: true }).click();
  await expect(figure(frame, strings[lang].lastCountLabel)).toHaveText(String(count));
}

/** The number of successful visits the dashboard has sent. */
async function sentVisits(frame: FrameLocator, lang: Lang): Promise<number> {
  return Number(await figure(frame, strings[lang].sentLabel).textContent());
}

/** The exchanges for one method and path, as the relay passed them on. */
function exchangesFor(setup: FramedSetup, method: string, path: string): Exchange[] {
  return setup.relay.exchanges.filter(
    (exchange) => exchange.method === method && exchange.path === path,
  );
}

/** Waits until the relay has passed on a request that `matches`, and returns the last such one. */
async function waitForExchange(
  setup: FramedSetup,
  matches: (exchange: Exchange) => boolean,
  description: string,
  timeout = 30_000,
): Promise<Exchange> {
  await expect
    .poll(() => setup.relay.exchanges.filter(matches).length, {
      message: `the relay never passed on ${description}`,
      timeout,
    })
    .toBeGreaterThan(0);
  const found = setup.relay.exchanges.filter(matches);
  return found[found.length - 1] as Exchange;
}

/** Matches one method and path, from `origin` when given (otherwise from anywhere). */
function request(method: string, path: string, origin?: string) {
  return (exchange: Exchange): boolean =>
    exchange.method === method &&
    exchange.path === path &&
    (origin === undefined || exchange.request.origin === origin);
}

/**
 * Presses the frame's dashboard button `name`, waits until the relay has passed on the POST to
 * `path` it sends from the relay's origin, and checks that the lab accepted it; returns it.
 */
async function pressAccepted(
  frame: FrameLocator,
  setup: FramedSetup,
  name: string,
  path: string,
  timeout?: number,
): Promise<Exchange> {
  await frame.getByRole('button', { name, exact: true }).click();
  const what = `POST ${path}`;
  const exchange = await waitForExchange(
    setup,
    request('POST', path, setup.relay.origin),
    what,
    timeout,
  );
  expect(exchange.status, `${what}, asked from the frame, was accepted`).toBe(200);
  return exchange;
}

/**
 * Shows that third-party cookies are blocked in this context, as in WebContainer's frame: of the
 * relay's two probe cookies, only the partitioned one ever came back to the lab.
 */
function expectThirdPartyCookiesBlocked(setup: FramedSetup): void {
  const returned = (name: string): boolean =>
    setup.relay.exchanges.some((exchange) => cookieValue(exchange.request.cookie, name) !== null);
  expect(returned(PROBE_COOKIES.partitioned), 'a partitioned cookie comes back in the frame').toBe(
    true,
  );
  expect(
    returned(PROBE_COOKIES.thirdParty),
    'a SameSite=None; Secure cookie without Partitioned never comes back in the frame',
  ).toBe(false);
}

/** Prints the self-test report once all four findings are in, and returns it. */
async function selfTestReport(setup: FramedSetup, label: string) {
  await expect
    .poll(() => [...new Set(setup.selfTest().map((finding) => finding.name))].sort(), {
      message:
        'the lab did not print all four self-test lines (store-link, sigterm, watcher, cookie)',
      timeout: 45_000,
    })
    .toEqual(['cookie', 'sigterm', 'storeLink', 'watcher']);
  console.log(`Self-test report of the ${label}, as the lab printed it:`);
  for (const line of setup.selfTestLines()) console.log(`  ${line}`);
  return setup.selfTest();
}

test.describe('framed mode (LAB_FRAMED=1), Redis sessions', () => {
  test.use({ framedOptions: { framed: true, selfTest: true } });

  test('six visits count 6, a replacement asked from the frame keeps the session, the feed is live', async ({
    page,
    setup,
  }) => {
    const s = strings.en;
    const frame = await openCourse(page, setup, 'en');
    await expect(figure(frame, s.glanceFeed)).toHaveText(s.feedConnected);

    for (let count = 1; count <= 6; count += 1) await visitAndExpect(frame, 'en', count);
    await expect(figure(frame, s.glanceCarrier)).toHaveText(s.carrierCookie);
    await expect(frame.getByRole('alert').filter({ hasText: s.cookieWarningTitle })).toBeHidden();

    // The session travelled in the partitioned cookie, not in the header fallback.
    const visits = exchangesFor(setup, 'POST', '/api/visit');
    expect(visits).toHaveLength(6);
    const first = visits[0] as Exchange;
    const cookieLine = setCookies(first, SESSION_COOKIE)[0] ?? '';
    expect(cookieLine, 'the first visit sets the session cookie').not.toBe('');
    expect(cookieLine).toMatch(/;\s*SameSite=None/i);
    expect(cookieLine).toMatch(/;\s*Secure/i);
    expect(cookieLine).toMatch(/;\s*Partitioned/i);
    for (const later of visits.slice(1)) {
      expect(cookieValue(later.request.cookie, SESSION_COOKIE), 'the cookie came back').not.toBe(
        null,
      );
      expect(later.response[SESSION_HEADERS.cookie]).toBe('sent');
    }
    // And it had to be partitioned: the same cookie without Partitioned would have been blocked.
    expectThirdPartyCookiesBlocked(setup);

    const before = await labState(setup.labUrl);
    const oldIds = new Set(before.instances.map((instance) => instance.id));
    await pressAccepted(frame, setup, s.replaceAll, '/lab/replace', ROLLOUT_MS);
    const after = await waitForState(
      setup.labUrl,
      (state) =>
        settled(state) &&
        state.rollout === null &&
        state.instances.every((instance) => !oldIds.has(instance.id)),
      ROLLOUT_MS,
    );
    for (const instance of after.instances) {
      await expect(frame.getByRole('heading', { name: instance.id, exact: true })).toBeVisible();
    }
    for (const id of oldIds) {
      await expect(frame.getByRole('heading', { name: id, exact: true })).toHaveCount(0);
    }

    // Every instance is new, and the session lived in Redis: the count goes on.
    await visitAndExpect(frame, 'en', 7);
    // The stream is live through the relay: the lab's heartbeat reaches the browser as it is sent.
    await expect
      .poll(() => setup.relay.deliveredEvents.get('heartbeat') ?? 0, {
        message: 'no heartbeat event reached the browser',
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    await expect(figure(frame, s.glanceFeed)).toHaveText(s.feedConnected);
  });

  test('the self-test’s cookie round trip succeeds in the frame', async ({ page, setup }) => {
    await openCourse(page, setup, 'en');
    const report = await selfTestReport(setup, 'framed lab (LAB_FRAMED=1)');
    const cookie = report.find((finding) => finding.name === 'cookie');
    expect(cookie?.status, cookie?.detail).toBe('ok');
    // The dashboard asked for both rounds, through the relay.
    for (const round of ['1', '2']) {
      const asked = setup.relay.exchanges.filter((exchange) => {
        const url = new URL(exchange.path, setup.relay.origin);
        return url.pathname === '/lab/cookie-test' && url.searchParams.get('round') === round;
      });
      expect(asked.length, `the dashboard asked for round ${round}`).toBeGreaterThan(0);
    }
  });
});

// Nobody knows which Host a server inside WebContainer sees: the inner `localhost:3000`, or a name
// of the preview's that the lab has never heard of. Framed mode must work with either.
for (const innerHost of [INNER_HOST, FOREIGN_HOST]) {
  test.describe(`framed mode, the lab seeing Host ${innerHost}`, () => {
    test.use({ framedOptions: { framed: true, innerHost } });

    test('controls from the frame pass with the relay’s Host; a page of another site is refused', async ({
      page,
      setup,
      framedOptions,
    }) => {
      const s = strings.en;
      const frame = await openCourse(page, setup, 'en');

      await frame.getByLabel(s.scaleLabel).fill('2');
      const scale = await pressAccepted(frame, setup, s.scaleApply, '/lab/scale', ROLLOUT_MS);
      // The lab saw a Host that is not the page's: the condition of WebContainer's relay.
      expect(scale.sentHost).toBe(framedOptions.innerHost);
      expect(scale.request.origin).toBe(setup.relay.origin);
      expect(scale.request['sec-fetch-site']).toBe('same-origin');
      await waitForState(
        setup.labUrl,
        (state) => state.desired === 2 && settled(state),
        ROLLOUT_MS,
      );

      await pressAccepted(frame, setup, s.replaceAll, '/lab/replace', ROLLOUT_MS);
      const before = await waitForState(
        setup.labUrl,
        (state) => settled(state) && state.rollout === null,
        ROLLOUT_MS,
      );

      // The course page's own origin now tries to drive the lab. A bodiless POST needs no CORS
      // preflight, so it reaches the lab, and only the lab's guard can refuse it. The course page
      // cannot read the answer (and COEP blocks it), so the relay's log tells what the lab said.
      const victim = before.instances[0]?.id ?? 'web-1';
      const fromCourse = await page.evaluate(
        async ({ origin, victim }) => {
          const outcomes: string[] = [];
          const attempts: [string, RequestInit][] = [
            [`${origin}/lab/replace`, { method: 'POST', mode: 'no-cors' }],
            [`${origin}/lab/instances/${victim}/kill`, { method: 'POST', mode: 'no-cors' }],
            [
              `${origin}/lab/scale`,
              {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ count: 5 }),
              },
            ],
          ];
          for (const [url, init] of attempts) {
            try {
              const response = await fetch(url, init);
              outcomes.push(`${response.type} ${response.status}`);
            } catch (error) {
              outcomes.push(`rejected: ${String(error)}`);
            }
          }
          return outcomes;
        },
        { origin: setup.relay.origin, victim },
      );
      // The JSON scale needs a preflight, which the lab does not grant: the browser never sends it.
      expect(fromCourse[2]).toMatch(/^rejected/);

      const course = setup.course.origin;
      const crossSite = await Promise.all([
        waitForExchange(
          setup,
          request('POST', '/lab/replace', course),
          'the course page’s replace',
        ),
        waitForExchange(
          setup,
          request('POST', `/lab/instances/${victim}/kill`, course),
          'the course page’s kill',
        ),
      ]);
      for (const exchange of crossSite) {
        expect(exchange.request['sec-fetch-site'], 'the course page is another site').toBe(
          'cross-site',
        );
        expect(exchange.status, `${exchange.path} from the course page was refused`).toBe(403);
      }
      expect(setup.relay.exchanges.filter(request('POST', '/lab/scale', course))).toHaveLength(0);

      // Nothing changed: same instances, same count, no rollout under way.
      const now = await labState(setup.labUrl);
      expect(now.instances.map((instance) => instance.id).sort()).toEqual(
        before.instances.map((instance) => instance.id).sort(),
      );
      expect(now.desired).toBe(2);
      expect(now.rollout).toBe(null);
    });
  });
}

test.describe('framed mode behind a relay that buffers the event stream', () => {
  test.use({ framedOptions: { framed: true, bufferEventStreams: true } });

  test('the dashboard says it is polling and still shows a kill and its replacement', async ({
    page,
    setup,
  }) => {
    const s = strings.fr;
    const frame = await openCourse(page, setup, 'fr');
    // The heartbeat comes every 5 s; a dashboard that hears none must say it fell back to polling.
    await expect(figure(frame, s.glanceFeed)).toHaveText(s.feedPollingSilent, { timeout: 45_000 });
    // The stream really was held: the browser got its headers, and not one byte of its events.
    expect(setup.relay.deliveredEventBytes).toBe(0);
    expect(setup.relay.heldEventBytes).toBeGreaterThan(0);
    expect(setup.relay.deliveredEvents.size).toBe(0);

    const before = await labState(setup.labUrl);
    const victim = before.instances[0]?.id ?? '';
    await pressAccepted(frame, setup, `${s.kill} ${victim}`, `/lab/instances/${victim}/kill`);
    const after = await waitForState(
      setup.labUrl,
      (state) => settled(state) && state.instances.every((instance) => instance.id !== victim),
      ROLLOUT_MS,
    );
    const replacement = after.instances.find(
      (instance) => !before.instances.some((old) => old.id === instance.id),
    );
    expect(replacement, 'the platform started a replacement').toBeDefined();
    // Only polling can bring these to the page: the stream is still held.
    await expect(frame.getByRole('heading', { name: victim, exact: true })).toHaveCount(0, {
      timeout: 20_000,
    });
    await expect(
      frame.getByRole('heading', { name: replacement?.id ?? '', exact: true }),
    ).toBeVisible({ timeout: 20_000 });
    await expect(figure(frame, s.glanceFeed)).toHaveText(s.feedPollingSilent);
    expect(setup.relay.deliveredEventBytes).toBe(0);
  });
});

test.describe('not framed (LAB_FRAMED unset)', () => {
  test.use({ framedOptions: { framed: false, selfTest: true } });

  test('the Lax cookie never comes back: the dashboard warns, then carries the session in a header', async ({
    page,
    setup,
  }) => {
    const s = strings.fr;
    const frame = await openCourse(page, setup, 'fr');
    const warning = frame.getByRole('alert').filter({ hasText: s.cookieWarningTitle });

    // Visit until the dashboard notices that its cookie does not come back.
    for (let attempt = 1; attempt <= 4 && !(await warning.isVisible()); attempt += 1) {
      const sent = await sentVisits(frame, 'fr');
      await frame.getByRole('button', { name: s.visit, exact: true }).click();
      await expect(figure(frame, s.sentLabel)).toHaveText(String(sent + 1));
    }
    await expect(warning).toBeVisible();
    await expect(figure(frame, s.glanceCarrier)).toHaveText(s.carrierHeader);

    // From now on the count goes up by one a visit, as with a cookie.
    // The dashboard may notice before any visit (its self-test's cookie round trip): then no count
    // is shown yet, and the session carried in the header starts at 1.
    const shown = (await figure(frame, s.lastCountLabel).textContent())?.trim() ?? '';
    const start = /^\d+$/.test(shown) ? Number(shown) : 0;
    for (let step = 1; step <= 4; step += 1) await visitAndExpect(frame, 'fr', start + step);

    const visits = exchangesFor(setup, 'POST', '/api/visit');
    // The lab did set its cookie, SameSite=Lax as outside a frame...
    const laxCookies = visits.flatMap((exchange) => setCookies(exchange, SESSION_COOKIE));
    expect(laxCookies.length, 'the lab set its session cookie').toBeGreaterThan(0);
    for (const line of laxCookies) expect(line).toMatch(/;\s*SameSite=Lax/i);
    // ...and the browser never sent it back: the condition is real, not staged.
    for (const exchange of setup.relay.exchanges) {
      expect(cookieValue(exchange.request.cookie, SESSION_COOKIE)).toBe(null);
    }
    expectThirdPartyCookiesBlocked(setup);
    // The last four visits carried the header instead: the first of them perhaps empty (asking
    // the lab for a session), every later one with the session's value.
    const last = visits.slice(-4);
    for (const exchange of last) {
      expect(
        exchange.request[SESSION_HEADERS.session],
        'the visit carried the header',
      ).toBeDefined();
    }
    for (const exchange of last.slice(1)) {
      expect(String(exchange.request[SESSION_HEADERS.session])).not.toBe('');
    }

    const report = await selfTestReport(setup, 'lab without LAB_FRAMED');
    const cookie = report.find((finding) => finding.name === 'cookie');
    expect(cookie?.status, 'the cookie round trip cannot succeed with a Lax cookie').not.toBe('ok');
  });
});
