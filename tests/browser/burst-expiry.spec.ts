// The dashboard's "20 visits at once" and its expiry readout, in a real browser against a real lab
// (Redis sessions in the embedded store): the burst goes through the same session carrier as the
// Visit button, in a cookie or, when the browser refuses the cookie, in the X-Lab-Session header,
// and what the page says it lost is what the lab counted; "Expires in" counts down the key's TTL,
// and a 5 s lifetime makes the session expire in front of the learner.
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { Frame, VisitFrame } from '../../sandboxes/labs/scenario-model.ts';
import { strings } from '../../sandboxes/platform/dashboard/strings.ts';
import {
  control,
  labState,
  settled,
  startLabProcess,
  waitForState,
  type LabProcess,
} from '../lab/harness.ts';
import { startRelay, type Relay } from './dashboard-relay.ts';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

let lab: LabProcess | null = null;
const relays: Relay[] = [];

test.beforeAll(async () => {
  lab = await startLabProcess({ SESSION_STORE: 'redis', INSTANCES: '3' });
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

/** Opens the dashboard at `base` and waits until its script has shown the lab's instances. */
async function open(page: Page, base: string): Promise<void> {
  await page.goto(`${base}?lang=en`);
  const state = await labState(labUrl());
  await expect(page.locator('#cards li')).toHaveCount(state.instances.length);
}

/** Presses "20 visits at once" and reads back how much the page says the count rose. */
async function burst(page: Page): Promise<{ before: number; after: number; rise: number }> {
  await page.locator('#burst').click();
  const result = page.locator('#burst-result');
  await expect(result).toContainText('20 visits sent at once, 20 answered 200', {
    timeout: 20_000,
  });
  const text = (await result.textContent()) ?? '';
  const match = /went from (\d+) to (\d+), up (\d+)/.exec(text);
  if (!match) throw new Error(`the burst's result says no rise: ${text}`);
  const [before, after, rise] = match.slice(1).map(Number) as [number, number, number];
  expect(after - before).toBe(rise);
  // The whole-session writes lost updates, and the page says how many.
  expect(rise).toBeLessThan(20);
  expect(text).toContain(`${20 - rise} update${20 - rise === 1 ? '' : 's'} lost`);
  await expect(page.locator('#burst')).toBeEnabled();
  return { before, after, rise };
}

test('in a cookie: 20 visits at once lose updates, and the lab holds the count the page says', async ({
  page,
  context,
}) => {
  await open(page, labUrl());
  await page.locator('#visit').click();
  await expect(page.locator('#session-visits')).toHaveText('1');
  const { before, after } = await burst(page);
  expect(before).toBe(1);
  // The lab's own count for this browser's session, read with its cookie.
  const cookie = (await context.cookies(labUrl())).find((one) => one.name === 'lab.sid');
  expect(cookie).toBeDefined();
  const seen = await fetch(new URL('api/session', labUrl()), {
    headers: { cookie: `lab.sid=${cookie?.value ?? ''}` },
  });
  expect(((await seen.json()) as { visits: number }).visits).toBe(after);
});

test('in the X-Lab-Session header (the cookie refused): the burst stays in one session', async ({
  page,
}) => {
  const relay = await startRelay(labUrl(), { stripSetCookie: 'all' });
  relays.push(relay);
  await open(page, relay.url);
  // Two visits whose cookie never comes back: the page carries the session in the header from then on.
  await page.locator('#visit').click();
  await expect(page.locator('#session-sent')).toHaveText('1');
  await page.locator('#visit').click();
  await expect(page.locator('#cookie-warning')).toBeVisible();
  // No visit yet in the header: the burst starts the session with one visit, then sends 20.
  const { before, after } = await burst(page);
  expect(before).toBe(1);
  // The session the header carries, as the page kept it, holds the count the page reported.
  const carried = await page.evaluate(() => sessionStorage.getItem('lab.session-header'));
  expect(carried).toBeTruthy();
  const seen = await fetch(new URL('api/session', labUrl()), {
    headers: { 'x-lab-session': carried ?? '' },
  });
  expect(((await seen.json()) as { visits: number }).visits).toBe(after);
});

test('"Expires in" counts the TTL down, and a 5 s lifetime makes the session expire', async ({
  page,
}) => {
  await open(page, labUrl());
  const expires = page.locator('#session-expires');
  await page.locator('#visit').click();
  await expect(expires).toHaveText(/^2[34]:\d\d:\d\d$/);
  await expect(page.locator('#expiry-note')).toContainText('read in Redis');
  const first = (await expires.textContent()) ?? '';
  await expect(expires).not.toHaveText(first, { timeout: 5000 });

  // A lifetime of 5 s, through the configuration form, then a new session that gets it.
  await page.locator('#config-max-age').fill('5');
  await page.locator('#config-form button[type=submit]').click();
  await expect(page.locator('#action-status')).toContainText(
    strings.en.done.replace('{action}', strings.en.configAction),
    { timeout: 60_000 },
  );
  expect((await labState(labUrl())).sessionMaxAgeSeconds).toBe(5);
  await page.locator('#new-session').click();
  await expect(page.locator('#session-result')).toHaveText(strings.en.sessionEnded);
  await page.locator('#visit').click();
  await expect(page.locator('#session-visits')).toHaveText('1');
  await expect(expires).toHaveText(/^0:0[1-5]$/);

  // The countdown ends, the page asks the lab again, and the store no longer has the session.
  await expect(expires).toHaveText(strings.en.expiresNone, { timeout: 15_000 });
  await expect(page.locator('#session-result')).toHaveText(strings.en.sessionExpired);
  await page.locator('#visit').click();
  await expect(page.locator('#session-visits')).toHaveText('1');
  await expect(page.locator('#timeline .tl-lost')).toHaveCount(0);
  await control(labUrl(), 'PUT', 'lab/config', { sessionMaxAgeSeconds: 86_400 });
});

test("a recording's 20 visits at once replay without a lost session: they overlapped", async ({
  page,
}) => {
  // The visits of a real run's burst (tests/scenarios/fixtures), replayed through the dashboard's
  // session panel as the recording's player replays them, in the order of their start.
  const fixture = JSON.parse(
    fs.readFileSync(
      new URL('../scenarios/fixtures/burst-expiry-run.json', import.meta.url),
      'utf8',
    ),
  ) as { frames: Frame[]; marks: { id: string; at: number }[] };
  const end = fixture.marks.find((mark) => mark.id === 'short-lifetime')?.at ?? Infinity;
  const visits = fixture.frames
    .filter((frame): frame is VisitFrame => frame.kind === 'visit' && frame.at < end)
    .sort((a, b) => a.at - b.at);
  const counts = visits.map((visit) => Number(visit.body['visits']));
  // The burst's answers do not climb one by one: replayed naively, they would read as lost sessions.
  expect(counts.some((count, i) => i > 0 && count <= (counts[i - 1] ?? 0))).toBe(true);
  await open(page, labUrl());
  // The page's own module (the same instance its script uses), from the page's address.
  await page.evaluate(
    async ({ frames, module }) => {
      const session = (await import(module)) as { showAnswer(frame: unknown): void };
      for (const frame of frames) session.showAnswer(frame);
    },
    { frames: visits, module: './lab/assets/session.js' },
  );
  await expect(page.locator('#timeline li')).toHaveCount(visits.length);
  await expect(page.locator('#timeline .tl-lost')).toHaveCount(0);
  await expect(page.locator('#session-sent')).toHaveText(String(visits.length));
});
