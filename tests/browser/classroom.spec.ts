// A classroom as the room lives it: a real `npm run classroom` process (scripts/classroom.ts),
// several browser contexts as phones on /join (390 px wide) and one as the instructor, who opens
// the Instructor URL and drives the lab with the cookie it sets. With memory sessions, a kill
// makes the phones that instance had served say that their session is lost; after the switch to
// Redis, a kill and a replacement lose nothing. The lab is reached through 127.0.0.1 only.
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { readClassroomLines } from '../../sandboxes/platform/classroom/lines.ts';
import { classroomStrings } from '../../sandboxes/platform/classroom/strings.ts';
import type { Lang } from '../../sandboxes/platform/dashboard/strings.ts';
import type { ParticipantView, RoomState } from '../../sandboxes/platform/types.ts';
import {
  copyApp,
  labState,
  root,
  settled,
  startLabProcess,
  waitForState,
  type LabProcess,
} from '../lab/harness.ts';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

const KEY = 'browser-classroom-key-77';
let lab: LabProcess | null = null;
let appDir = '';
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  appDir = copyApp();
  lab = await startLabProcess(
    { CLASSROOM_KEY: KEY, LAB_HOST: '', LAB_APP_DIR: appDir, INSTANCES: '3', SESSION_STORE: '' },
    path.join(root, 'scripts/classroom.ts'),
    90_000,
  );
  await waitForState(lab.url, settled, 60_000);
});

test.afterAll(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await lab?.stop();
  if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
});

function base(): string {
  if (!lab) throw new Error('the classroom did not start');
  return lab.url;
}

interface Phone {
  page: Page;
  lang: Lang;
  sent: number;
}

async function phone(browser: Browser, lang: Lang): Promise<Phone> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: lang === 'fr' ? 'fr-FR' : 'en-GB',
    isMobile: true,
    hasTouch: true,
  });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(new URL('join', base()).href);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  return { page, lang, sent: 0 };
}

/** One press of Visit, waiting until the page shows it counted. */
async function visit(p: Phone): Promise<void> {
  await p.page.getByRole('button', { name: classroomStrings[p.lang].visit, exact: true }).click();
  p.sent += 1;
  await expect(p.page.locator('#sent')).toHaveText(String(p.sent));
}

async function me(p: Phone): Promise<ParticipantView> {
  const response = await p.page.request.get(new URL('lab/room/me', base()).href);
  return (await response.json()) as ParticipantView;
}

const LOST = { fr: 'votre session était dans sa mémoire', en: 'your session was in its memory' };
const KEPT = { fr: 'votre session est dans Redis', en: 'your session is in Redis' };

let instructor: Page;

/** The instructor kills instance `victim`; resolves once the platform has replaced it. */
async function killAndAwaitReplacement(victim: string): Promise<void> {
  const killed = await instructor.request.post(
    new URL(`lab/instances/${victim}/kill`, base()).href,
  );
  expect(killed.status()).toBe(200);
  await waitForState(
    base(),
    (state) => settled(state) && !state.instances.some((i) => i.id === victim),
  );
}
let projector: Page;
let phones: Phone[] = [];
let bystander: Phone;

test('the instructor opens the printed URL; the phones join; only the key drives the lab', async ({
  browser,
}) => {
  const lines = readClassroomLines(lab!.output());
  expect(lines).not.toBeNull();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'fr-FR',
  });
  contexts.push(context);
  instructor = await context.newPage();
  // The printed URL is 127.0.0.1 with the key; it leaves the address bar once the cookie is set.
  await instructor.goto(lines!.instructor);
  await expect(instructor).toHaveURL(new URL(base()).href);
  projector = await context.newPage();
  await projector.goto(new URL('projector', base()).href);
  await expect(projector.getByRole('heading', { level: 1 })).toBeVisible();

  phones = [
    await phone(browser, 'fr'),
    await phone(browser, 'en'),
    await phone(browser, 'fr'),
    await phone(browser, 'en'),
  ];
  // A phone may not drive the lab, even from the lab's own page.
  const state = await labState(base());
  const refused = await phones[0]!.page.request.post(
    new URL(`lab/instances/${state.instances[0]!.id}/kill`, base()).href,
  );
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: string }).error).toMatch(/instructor/);
  expect((await labState(base())).instances.map((i) => i.id)).toEqual(
    state.instances.map((i) => i.id),
  );

  const results = await new AxeBuilder({ page: phones[0]!.page }).analyze();
  expect(results.violations.map((violation) => violation.id)).toEqual([]);
  await expect(phones[0]!.page.locator('#news')).toHaveAttribute('aria-live', 'polite');
});

test('memory sessions: a kill makes the phones on that instance say their session is lost', async ({
  browser,
}) => {
  // Three visits in a row from each phone meet the three instances, round-robin.
  for (const p of phones) for (let n = 0; n < 3; n += 1) await visit(p);
  // One more phone visits once: the instance killed below never had its session.
  bystander = await phone(browser, 'en');
  await visit(bystander);
  const spared = (await me(bystander)).instance!;
  const victim = (await labState(base())).instances.find((i) => i.id !== spared)!.id;

  await killAndAwaitReplacement(victim);

  for (const p of phones) {
    // Visit until the replacement answers: the phone then learns what happened to its session.
    for (let n = 0; n < 3; n += 1) await visit(p);
    await expect(p.page.locator('#news')).toContainText(LOST[p.lang]);
    await expect(p.page.locator('#news')).toContainText(victim);
    expect((await me(p)).lost).toBe(1);
  }
  for (let n = 0; n < 3; n += 1) await visit(bystander);
  await expect(bystander.page.locator('#news')).not.toContainText(LOST.en);
  expect((await me(bystander)).lost).toBe(0);

  // The projector shows the room: five participants, and the kill that cost four sessions.
  const room = (await (
    await instructor.request.get(new URL('lab/room', base()).href)
  ).json()) as RoomState;
  expect(room.stops.at(-1)).toMatchObject({ instance: victim, reason: 'killed', lost: 4, kept: 0 });
  await expect(projector.locator('#participants')).toHaveText('5');
  await expect(projector.locator('#stops li').first()).toContainText(victim);
  await expect(projector.locator('#stops li').first()).toContainText('4');
  await projector.getByRole('button', { name: classroomStrings.fr.largeType }).click();
  await expect(projector.locator('body')).toHaveClass(/large/);
});

test('Redis sessions: a kill and a replacement lose nothing on any phone', async () => {
  const switched = await instructor.request.put(new URL('lab/config', base()).href, {
    data: { sessionStore: 'redis' },
  });
  expect(switched.status()).toBe(200);
  await waitForState(
    base(),
    (state) => settled(state) && state.sessionStore === 'redis' && state.rollout === null,
  );
  await expect(projector.locator('#session-store')).toHaveText(classroomStrings.fr.storeRedis);

  // After the switch the count starts again once, in Redis; from then on it only goes up.
  const counts = new Map<Phone, number>();
  for (const p of phones) {
    for (let n = 0; n < 3; n += 1) await visit(p);
    counts.set(p, Number(await p.page.locator('#count').textContent()));
  }
  const lostBefore = new Map<Phone, number>();
  for (const p of phones) lostBefore.set(p, (await me(p)).lost);

  const victim = (await labState(base())).instances[1]!.id;
  await killAndAwaitReplacement(victim);
  for (const p of phones) {
    for (let n = 0; n < 3; n += 1) await visit(p);
    counts.set(p, counts.get(p)! + 3);
    await expect(p.page.locator('#count')).toHaveText(String(counts.get(p)));
    await expect(p.page.locator('#news')).toContainText(KEPT[p.lang]);
  }

  const replaced = await instructor.request.post(new URL('lab/replace', base()).href);
  expect(replaced.status()).toBe(200);
  for (const p of phones) {
    for (let n = 0; n < 2; n += 1) await visit(p);
    counts.set(p, counts.get(p)! + 2);
    await expect(p.page.locator('#count')).toHaveText(String(counts.get(p)));
    expect((await me(p)).lost).toBe(lostBefore.get(p));
  }
  const room = (await (
    await instructor.request.get(new URL('lab/room', base()).href)
  ).json()) as RoomState;
  const sinceKill = room.stops.slice(room.stops.findIndex((stop) => stop.instance === victim));
  expect(sinceKill.length).toBeGreaterThanOrEqual(4);
  expect(sinceKill.every((stop) => stop.lost === 0)).toBe(true);

  // Two quick presses are two visits: the second is kept while the first is on its way or being
  // explained, never dropped (a phone in a hurry, or a test that clicks again at once).
  // Both presses land in one task, so the second surely comes while the first is on its way.
  const hurried = phones[0]!;
  await hurried.page.evaluate(() => {
    const button = document.getElementById('visit')!;
    button.click();
    button.click();
  });
  hurried.sent += 2;
  counts.set(hurried, counts.get(hurried)! + 2);
  await expect(hurried.page.locator('#sent')).toHaveText(String(hurried.sent));
  await expect(hurried.page.locator('#count')).toHaveText(String(counts.get(hurried)));
});

// `npm start -- --preview` (Playwright's web server): the site's proxy appends the address it saw
// to X-Forwarded-For, so the lab host can tell this machine from a phone of the room. A request
// that claims another address is still this machine's: the proxy wrote 127.0.0.1 after the claim.
test("the site's proxy tells the lab host who asks", async ({ request }) => {
  const claimed = await request.get('/_labs/', { headers: { 'x-forwarded-for': '192.0.2.50' } });
  expect(claimed.status()).toBe(200);
  expect(((await claimed.json()) as { labs: unknown[] }).labs.length).toBeGreaterThan(0);
});
