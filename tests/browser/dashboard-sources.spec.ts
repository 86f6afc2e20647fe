// The lab's dashboard under the conditions a WebContainer preview or a classroom network puts it
// in, opened straight from a real lab process: an event stream that a relay holds back, a
// browser that never sends the session cookie back, and, for comparison, the lab reached directly.
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { strings, type Lang } from '../../sandboxes/platform/dashboard/strings.ts';
import type { LabState } from '../../sandboxes/platform/types.ts';
import {
  copyApp,
  labState,
  settled,
  startLabProcess,
  waitForState,
  type LabProcess,
} from '../lab/harness.ts';
import { startRelay, type Relay, type RelayOptions } from './dashboard-relay.ts';
import { watchProblems } from './page-problems.ts';

// One lab for the whole file, so the tests run one after the other.
test.describe.configure({ mode: 'serial', timeout: 120_000 });
// The narrowest screen the dashboard is made for.
test.use({ viewport: { width: 390, height: 844 } });

let lab: LabProcess | null = null;
const relays: Relay[] = [];

test.beforeAll(async () => {
  // Redis (the embedded store), so that a session counts on across instances; the self-test, so
  // that the dashboard runs the cookie round trip and shows the lab's findings.
  lab = await startLabProcess({ SESSION_STORE: 'redis', INSTANCES: '3', LAB_SELF_TEST: '1' });
  await waitForState(lab.url, settled, 30_000);
});

test.afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
});

test.afterAll(async () => {
  await lab?.stop();
});

function labUrl(): string {
  if (!lab) throw new Error('the lab did not start');
  return lab.url;
}

async function relay(options: RelayOptions): Promise<Relay> {
  const started = await startRelay(labUrl(), options);
  relays.push(started);
  return started;
}

/** A string of the dashboard with its placeholders filled, as the page shows it. */
function say(lang: Lang, key: keyof (typeof strings)['fr'], values: Record<string, string> = {}) {
  return strings[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '?');
}

/** Opens the dashboard and waits until its script has shown the lab's instances. */
async function openDashboard(page: Page, base: string, lang: Lang): Promise<void> {
  await page.goto(`${base}?lang=${lang}`);
  const state = await labState(labUrl());
  await expect(page.locator('#cards li')).toHaveCount(state.instances.length);
}

/**
 * Opens the dashboard through a new relay between the browser and the lab, watching for errors
 * from before the first load; returns the relay and what the console showed as broken.
 */
async function openThroughRelay(
  page: Page,
  options: RelayOptions,
  lang: Lang,
): Promise<{ between: Relay; problems: string[] }> {
  const problems = watchProblems(page);
  const between = await relay(options);
  await openDashboard(page, between.url, lang);
  return { between, problems };
}

/** Presses Visit and returns the count the instance gave. */
async function visit(page: Page): Promise<string> {
  const sent = Number(await page.locator('#session-sent').textContent());
  await page.locator('#visit').click();
  await expect(page.locator('#session-sent')).toHaveText(String(sent + 1));
  return (await page.locator('#session-visits').textContent()) ?? '';
}

/** The page is accessible in light and dark, and fits 390 px without scrolling sideways. */
async function expectAccessible(page: Page): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const axe = await new AxeBuilder({ page }).analyze();
    expect(
      axe.violations.map(
        (v) =>
          `${colorScheme} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
      ),
    ).toEqual([]);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${colorScheme}: page width`).toBeLessThanOrEqual(390);
  }
}

test('behind a relay that buffers the event stream, the dashboard polls and still shows a kill and its replacement', async ({
  page,
}) => {
  const { between: buffering, problems } = await openThroughRelay(
    page,
    { bufferEvents: true },
    'en',
  );
  await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedPollingSilent'), {
    timeout: 15_000,
  });

  const before = await labState(labUrl());
  const victim = before.instances[0]!.id;
  await page.locator(`#cards li[data-id="${victim}"] button.kill`).click();
  const after = await waitForState(
    labUrl(),
    (state) => settled(state) && !state.instances.some((instance) => instance.id === victim),
  );
  const replacement = after.instances.find(
    (instance) => !before.instances.some((old) => old.id === instance.id),
  )!.id;

  // Only polling can tell the page: the stream's bytes are still held by the relay.
  await expect(page.locator(`#cards li[data-id="${victim}"]`)).toHaveCount(0);
  await expect(page.locator(`#cards li[data-id="${replacement}"] .status`)).toContainText(
    say('en', 'statusReady'),
  );
  await expect(page.locator('#events')).toContainText(say('en', 'evSeenGone', { id: victim }));
  await expect(page.locator('#events')).toContainText(
    say('en', 'evSeenStarted', { id: replacement }),
  );
  await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedPollingSilent'));
  await expectAccessible(page);

  // The relay lets go: the stream's held events arrive late, in a burst, then flow as they
  // come. The dashboard goes back to the stream and still shows the lab as it is now.
  buffering.release();
  await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedConnected'), {
    timeout: 10_000,
  });
  await expect(page.locator(`#cards li[data-id="${victim}"]`)).toHaveCount(0);
  await expect(page.locator('#cards li')).toHaveCount(after.instances.length);
  const current = await labState(labUrl());
  for (const instance of current.instances) {
    await expect(page.locator(`#cards li[data-id="${instance.id}"] .status`)).toContainText(
      say('en', 'statusReady'),
    );
  }
  expect(problems).toEqual([]);
});

test('when the browser never sends the cookie back, the session travels in a header and keeps counting', async ({
  page,
}) => {
  const { problems } = await openThroughRelay(page, { stripSetCookie: 'app' }, 'fr');
  const warning = page.locator('#cookie-warning');
  await expect(page.locator('#glance-carrier')).toHaveText(say('fr', 'carrierCookie'));

  // The first visit starts a session, as any first visit does: no warning yet.
  expect(await visit(page)).toBe('1');
  await expect(warning).toBeHidden();
  // The second starts one again: the cookie did not come back.
  expect(await visit(page)).toBe('1');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(say('fr', 'cookieWarningTitle'));
  await expect(page.locator('#glance-carrier')).toHaveText(say('fr', 'carrierHeader'));
  const link = page.locator('#cookie-open');
  await expect(link).toHaveAttribute('target', '_blank');
  expect(await link.evaluate((a) => (a as HTMLAnchorElement).href)).toBe(page.url());

  // From now on the dashboard carries the session itself: a new one, then it counts on.
  const asked = page.waitForRequest((request) => request.url().endsWith('/api/visit'));
  expect(await visit(page)).toBe('1');
  expect((await asked).headers()['x-lab-session']).toBe('');
  const carried = page.waitForRequest((request) => request.url().endsWith('/api/visit'));
  expect(await visit(page)).toBe('2');
  expect((await carried).headers()['x-lab-session']).toMatch(/^s%3A/);
  expect(await visit(page)).toBe('3');

  // Neither the refused cookie nor the switch counts as a lost session.
  await expect(page.locator('#timeline .tl-lost')).toHaveCount(0);
  await expect(page.locator('#timeline .tl-refused')).toHaveCount(1);
  await expect(page.locator('#timeline .tl-fresh')).toHaveCount(1);
  await expect(page.locator('#session-result')).not.toHaveClass(/lost/);
  await expectAccessible(page);

  // A reload of the tab keeps the session that travels in the header.
  await page.reload();
  await expect(page.locator('#glance-carrier')).toHaveText(say('fr', 'carrierHeader'));
  await expect(page.locator('#session-visits')).toHaveText('3');
  expect(await visit(page)).toBe('4');
  await expect(page.locator('#timeline .tl-lost')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('reached directly, the session travels in a cookie, with no warning, and the feed stays live', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await openDashboard(page, labUrl(), 'en');
  await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedConnected'));
  for (const expected of ['1', '2', '3']) expect(await visit(page)).toBe(expected);
  await expect(page.locator('#glance-carrier')).toHaveText(say('en', 'carrierCookie'));
  await expect(page.locator('#cookie-warning')).toBeHidden();
  await expect(
    page.locator('#timeline .tl-lost, #timeline .tl-refused, #timeline .tl-fresh'),
  ).toHaveCount(0);

  // The cookie round trip came back, and the lab says so in its self-test.
  const cookieCheck = page.locator('#selftest-list > div').filter({
    hasText: say('en', 'checkCookie'),
  });
  await expect(cookieCheck).toContainText(say('en', 'checkOk'), { timeout: 15_000 });
  const state: LabState = await labState(labUrl());
  expect(state.selfTest?.cookie.status).toBe('ok');
  await expect(page.locator('#glance-watcher')).not.toHaveText(say('en', 'unknown'));

  // A quiet lab still sends heartbeats: past two of them, the feed has not fallen back to polling.
  await page.waitForTimeout(13_000);
  await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedConnected'));
  await expect(page.locator('#events')).not.toContainText('heartbeat');
  await expectAccessible(page);
  expect(problems).toEqual([]);
});

test('when the cookie test says the browser refuses every cookie, the header is used from the first visit', async ({
  page,
}) => {
  const { problems } = await openThroughRelay(page, { stripSetCookie: 'all' }, 'fr');
  await expect(page.locator('#cookie-warning')).toBeVisible();
  await expect(page.locator('#glance-carrier')).toHaveText(say('fr', 'carrierHeader'));
  for (const expected of ['1', '2', '3']) expect(await visit(page)).toBe(expected);
  await expect(page.locator('#timeline .tl-lost, #timeline .tl-refused')).toHaveCount(0);
  const cookieCheck = page.locator('#selftest-list > div').filter({
    hasText: say('fr', 'checkCookie'),
  });
  await expect(cookieCheck).toContainText(say('fr', 'checkFallback'));
  expect(problems).toEqual([]);
});

test('an instance that ignores SIGTERM: the rollout shows as under way, and the log says it had to be killed', async ({
  page,
}) => {
  const problems = watchProblems(page);
  // A copy of the app whose processes never stop on SIGTERM, as in a runtime where the signal
  // does not arrive; one instance and a one-second grace keep the test short.
  const app = copyApp();
  const server = path.join(app, 'server.js');
  const source = fs.readFileSync(server, 'utf8');
  const graceful = "process.on('SIGTERM', () => shutDownGracefully(server, store));";
  expect(source).toContain(graceful);
  fs.writeFileSync(server, source.replace(graceful, "process.on('SIGTERM', () => {});"));
  const stubborn = await startLabProcess({
    LAB_APP_DIR: app,
    LAB_STOP_GRACE_MS: '1000',
    LAB_WATCH: '0',
    INSTANCES: '1',
  });
  try {
    const before = await waitForState(stubborn.url, settled, 30_000);
    expect(before.stopGraceMs).toBe(1000);
    await page.goto(`${stubborn.url}?lang=en`);
    await expect(page.locator('#cards li')).toHaveCount(1);
    await expect(page.locator('#glance-feed')).toHaveText(say('en', 'feedConnected'));

    await page.locator('#replace').click();
    const underWay = strings.en.rolloutRunning.split('(')[0]!.trim();
    await expect(page.locator('#rollout-line')).toContainText(underWay);
    const old = before.instances[0]!.id;
    await expect(page.locator('#events')).toContainText(
      `${say('en', 'evReplaced', { id: old })} ${say('en', 'evForced', { seconds: '1' })}`,
      { timeout: 20_000 },
    );
    await expect(page.locator('#events li.warn').filter({ hasText: 'SIGKILL' })).toHaveCount(1);
    await expect(page.locator('#rollout-line')).toBeHidden({ timeout: 20_000 });
    expect(problems).toEqual([]);
  } finally {
    await stubborn.stop();
    fs.rmSync(app, { recursive: true, force: true });
  }
});
