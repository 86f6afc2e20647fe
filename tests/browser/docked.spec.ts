// The lab beside the lesson: dock it, walk every step of the memory-sessions experiment by doing
// it in the dashboard and see each step tick itself (judged by the real step engine from the
// frames the real dashboard posts), do something else and see the step say so, undock and find
// the lab still running in the same, never reloaded, frame; the phone layout; the keyboard only.
// Runs through the local runtime, as tests/browser/sandbox.spec.ts does.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Frame as LabFrame, Scenario } from '../../sandboxes/labs/scenario-model.ts';
import { judgeStep } from '../../sandboxes/platform/dashboard/assets/steps.js';
import { CHROMIUM_FLAGS, findChromium } from '../../scripts/find-chromium.ts';
import { FRAMED_CHROMIUM_ARGS, startFramedSetup } from './framed/harness.ts';
import { expect, test, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { dashboard } from './lab-frame.ts';

test.describe.configure({ mode: 'serial', timeout: 240_000 });
// The framed test's names (`*.test`) reach this machine, with its throwaway certificate; the
// other tests use only 127.0.0.1, which these flags leave alone.
test.use({
  launchOptions: {
    executablePath: findChromium() ?? '',
    args: [...CHROMIUM_FLAGS, ...FRAMED_CHROMIUM_ARGS],
  },
});

const words = {
  fr: {
    local: 'Sur cette machine (npm start)',
    start: 'Démarrer le laboratoire',
    dock: 'Placer à côté de la leçon',
    undock: 'Remettre dans la leçon',
    full: 'Ouvrir le laboratoire en plein écran',
    back: 'Revenir au texte',
    done: 'Fait',
    other: "Autre chose s'est passé",
    retry: 'Reprendre cette étape',
    stop: 'Arrêter',
  },
  en: {
    local: 'On this machine (npm start)',
    start: 'Start the lab',
    dock: 'Dock beside the lesson',
    undock: 'Undock',
    full: 'Open the lab full screen',
    back: 'Back to the text',
    done: 'Done',
    other: 'Something else happened',
    retry: 'Start this step again',
    stop: 'Stop',
  },
} as const;

interface LabState {
  instances: { id: string; status: string }[];
  desired: number;
  rollout?: unknown;
}

async function labState(page: Page): Promise<LabState> {
  return dashboard(page).evaluate(
    async () => (await fetch('lab/state', { cache: 'no-store' })).json() as Promise<LabState>,
  );
}

const settled = (state: LabState): boolean =>
  state.instances.length === state.desired &&
  state.instances.every((instance) => instance.status === 'ready') &&
  (state.rollout ?? null) === null;

async function waitForLab(page: Page, ok: (state: LabState) => boolean): Promise<LabState> {
  let state = await labState(page);
  const deadline = Date.now() + 60_000;
  while (!ok(state)) {
    if (Date.now() > deadline) throw new Error(`the lab never got there: ${JSON.stringify(state)}`);
    await page.waitForTimeout(200);
    state = await labState(page);
  }
  return state;
}

/** Starts the sessions lab of a lesson through the local runtime, from its own files. */
async function startLab(page: Page, lang: 'fr' | 'en', slug: string): Promise<FrameLocator> {
  await page.goto(`/${lang}/${slug}/`);
  await page.evaluate(async () => {
    localStorage.removeItem('lab.dock');
    await fetch('/_labs/sessions/stop', { method: 'POST' });
    await fetch('/_labs/sessions/reset', { method: 'POST' });
  });
  await page.reload();
  // Nothing of the docked layout nor the steps shows before Start.
  await expect(page.locator('[data-steps]')).toBeHidden();
  await expect(page.locator('[data-dockbar]')).toBeHidden();
  await page.getByLabel(words[lang].local).check();
  await page.getByRole('button', { name: words[lang].start }).click();
  const frame = page.frameLocator('[data-preview]');
  await expect(frame.locator('#visit')).toBeVisible({ timeout: 90_000 });
  await waitForLab(page, settled);
  return frame;
}

/** Clicks "Visit" in the dashboard `count` times, each answered before the next. */
async function visit(frame: FrameLocator, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sent = Number((await frame.locator('#session-sent').textContent()) ?? '0');
    await frame.locator('#visit').click();
    await expect(frame.locator('#session-sent')).toHaveText(String(sent + 1));
  }
}

/**
 * Presses Tab until `target` has the focus, as a keyboard user moves through the page (and into
 * the dashboard's frame); fails after `max` presses.
 */
async function tabTo(page: Page, target: Locator, max = 80, key = 'Tab'): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** The step with this id, in the list beside the lab. */
const stepItem = (page: Page, id: string) => page.locator(`li[data-step="${id}"]`);

async function expectDone(page: Page, id: string, lang: 'fr' | 'en'): Promise<void> {
  const item = stepItem(page, id);
  await expect(item).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(item.locator('[data-step-state]')).toHaveText(words[lang].done);
  await expect(item.locator('[data-step-message]')).toBeVisible();
}

async function axeViolations(page: Page): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).include('lab-sandbox').analyze();
  return axe.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((node) => node.target.join(' ')).join(', ')})`,
  );
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate((value) => {
    document.documentElement.dataset['theme'] = value;
  }, theme);
}

test('dock the lab, walk every step of the memory-sessions experiment, undock (en)', async ({
  page,
}) => {
  const say = words.en;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewportSize({ width: 1280, height: 900 });
  const frame = await startLab(page, 'en', '02-memory-sessions');

  // A value set in the dashboard's document before docking: if the frame reloaded, it is gone.
  await dashboard(page).evaluate(() => {
    (window as unknown as { dockProbe: string }).dockProbe = 'same document';
  });
  const steps = page.locator('[data-steps] li');
  await expect(steps).toHaveCount(5);
  await expect(steps.first()).toHaveAttribute('data-state', 'current');
  await expect(steps.first()).toHaveAttribute('aria-current', 'step');

  // Dock: the lab leaves the lesson column for a pane on the right, below the header.
  const toggle = page.locator('[data-dock]');
  await toggle.click();
  await expect(page.locator('html')).toHaveAttribute('data-lab-dock', 'side');
  await expect(toggle).toHaveText(say.undock);
  await expect(toggle).toBeFocused();
  const pane = page.locator('[data-pane]');
  const paneBox = (await pane.boundingBox())!;
  expect(paneBox.x + paneBox.width).toBeCloseTo(1280, 0);
  expect(paneBox.x).toBeGreaterThan(400);
  const lesson = (await page.locator('.sl-markdown-content').boundingBox())!;
  expect(lesson.x + lesson.width).toBeLessThanOrEqual(paneBox.x + 1);
  // Each side scrolls on its own: scrolling the lesson leaves the pane where it is.
  const body = page.locator('[data-pane-body]');
  const paneScroll = await body.evaluate((element) => element.scrollTop);
  const pageScroll = await page.evaluate(() => window.scrollY);
  await page.mouse.move(lesson.x + 100, 500);
  await page.mouse.wheel(0, 600);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(pageScroll);
  expect(await body.evaluate((element) => element.scrollTop)).toBe(paneScroll);
  expect((await pane.boundingBox())?.y).toBe(paneBox.y);
  // And the pane scrolls by itself, the lesson staying where it is.
  const lessonScroll = await page.evaluate(() => window.scrollY);
  await page.mouse.move(paneBox.x + paneBox.width / 2, 300);
  await page.mouse.wheel(0, 300);
  await expect
    .poll(() => body.evaluate((element) => element.scrollTop))
    .toBeGreaterThan(paneScroll);
  expect(await page.evaluate(() => window.scrollY)).toBe(lessonScroll);
  expect(await dashboard(page).evaluate(() => (window as { dockProbe?: string }).dockProbe)).toBe(
    'same document',
  );
  await expect(page.locator('[data-docked-note]')).toBeVisible();

  // The separator widens the pane from the keyboard, and the width is remembered.
  const separator = page.getByRole('separator', { name: 'Width of the lab' });
  await separator.focus();
  const before = Number(await separator.getAttribute('aria-valuenow'));
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(separator).toHaveAttribute('aria-valuenow', String(before + 48));
  await expect.poll(async () => (await pane.boundingBox())?.width).toBeCloseTo(before + 48, 0);
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('lab.dock') ?? '{}'));
  expect(kept).toEqual({ docked: true, width: before + 48 });

  // Docked, light and dark: no accessibility violation.
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    expect(await axeViolations(page), `docked, ${theme}`).toEqual([]);
  }

  // 1. Six visits as a new visitor: the count splits over the three instances.
  await visit(frame, 6);
  await expectDone(page, 'visit-six-times', 'en');
  await expect(stepItem(page, 'kill-last')).toHaveAttribute('data-state', 'current');
  await expect(page.locator('[data-steps-live]')).toContainText('Step 1 done');

  // 2. Something else first: a replacement instead of the kill. The step says what happened.
  await frame.locator('#replace').click();
  const wrong = stepItem(page, 'kill-last');
  await expect(wrong).toHaveAttribute('data-state', 'other', { timeout: 30_000 });
  await expect(wrong.locator('[data-step-state]')).toHaveText(say.other);
  await expect(wrong.locator('[data-step-message]')).toContainText('instead');
  await expect(page.locator('[data-steps-live]')).toContainText('Step 2:');
  await waitForLab(page, settled);
  // Start the step again, then do it: one visit, then kill the instance that answered it.
  await wrong.getByRole('button', { name: say.retry }).click();
  await expect(wrong).toHaveAttribute('data-state', 'current');
  await visit(frame, 1);
  const last = (await frame.locator('#session-instance').textContent())!.trim();
  await frame.locator(`#cards li[data-id="${last}"] button.kill`).click();
  await waitForLab(page, (state) => settled(state) && !state.instances.some((i) => i.id === last));
  await expectDone(page, 'kill-last', 'en');

  // 3. Six more visits: the fresh instance starts again at 1.
  await visit(frame, 6);
  await expectDone(page, 'visit-after-kill', 'en');

  // 4. Replace every instance.
  await frame.locator('#replace').click();
  await waitForLab(page, settled);
  await expectDone(page, 'replace-all', 'en');

  // 5. Three visits: the count starts from 1 everywhere.
  await visit(frame, 3);
  await expectDone(page, 'visit-after-replace', 'en');
  await expect(page.locator('[data-steps-live]')).toContainText('Every step is done.');
  await expect(page.locator('[data-steps] li[data-state="done"]')).toHaveCount(5);

  // Undock: the lab is back in the lesson, still running, in the same document.
  await toggle.click();
  await expect(page.locator('html')).not.toHaveAttribute('data-lab-dock', /.+/);
  await expect(toggle).toHaveText(say.dock);
  await expect(toggle).toBeFocused();
  const inline = (await pane.boundingBox())!;
  expect(inline.x).toBeLessThan(paneBox.x);
  expect(await dashboard(page).evaluate(() => (window as { dockProbe?: string }).dockProbe)).toBe(
    'same document',
  );
  await visit(frame, 1);
  expect((await labState(page)).instances).toHaveLength(3);
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('lab.dock') ?? '{}'))).toEqual({
    docked: false,
    width: before + 48,
  });
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    expect(await axeViolations(page), `inline, ${theme}`).toEqual([]);
  }

  await page.getByRole('button', { name: say.stop, exact: true }).click();
  await expect(page.locator('[data-workspace]')).toBeHidden();
  expect(errors).toEqual([]);
});

test('the docked layout is remembered for the next lab, and only the started lab docks', async ({
  page,
}) => {
  const say = words.en;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/en/exercises/');
  await page.evaluate(() => {
    localStorage.setItem('lab.dock', JSON.stringify({ docked: true, width: 600 }));
  });
  await page.reload();
  const labs = page.locator('lab-sandbox');
  expect(await labs.count()).toBeGreaterThan(1);
  // Nothing moved before Start: the remembered layout is applied to a lab once it runs.
  await expect(page.locator('html')).not.toHaveAttribute('data-lab-dock', /.+/);
  await expect(page.locator('[data-pane][data-layout]')).toHaveCount(0);

  const started = labs.nth(1);
  const lab = (await started.getAttribute('data-lab'))!;
  await page.evaluate(async (id) => {
    await fetch(`/_labs/${id}/stop`, { method: 'POST' });
    await fetch(`/_labs/${id}/reset`, { method: 'POST' });
  }, lab);
  await started.getByLabel(say.local).check();
  await started.getByRole('button', { name: say.start }).click();
  await expect(started.frameLocator('[data-preview]').locator('#visit')).toBeVisible({
    timeout: 90_000,
  });
  // The lab the learner started docks, at the width they left it; the others stay in the text.
  await expect(started.locator('[data-pane]')).toHaveAttribute('data-layout', 'side');
  await expect(page.locator('html')).toHaveAttribute('data-lab-dock', 'side');
  expect((await started.locator('[data-pane]').boundingBox())?.width).toBeCloseTo(600, 0);
  await expect(labs.nth(0).locator('[data-pane]')).not.toHaveAttribute('data-layout', /.+/);
  await expect(started.locator('[data-dock]')).toHaveText(say.undock);
  await started.getByRole('button', { name: say.stop, exact: true }).click();
  await expect(page.locator('html')).not.toHaveAttribute('data-lab-dock', /.+/);
  await expect(started.locator('[data-pane]')).toHaveAttribute('data-layout', 'inline');
});

test('on a phone the lab opens full screen, with the current step and a way back (fr, keyboard only)', async ({
  page,
}) => {
  const say = words.fr;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/fr/02-memory-sessions/');
  await page.evaluate(async () => {
    localStorage.removeItem('lab.dock');
    await fetch('/_labs/sessions/stop', { method: 'POST' });
    await fetch('/_labs/sessions/reset', { method: 'POST' });
  });
  await page.reload();
  // Keyboard only from here: Tab to the runtime choice, the arrows pick "on this machine",
  // Shift+Tab back to Start and Enter presses it.
  await tabTo(page, page.locator('input[type=radio]:checked'));
  while (!(await page.getByLabel(say.local).isChecked())) await page.keyboard.press('ArrowDown');
  await tabTo(page, page.getByRole('button', { name: say.start }), 10, 'Shift+Tab');
  await page.keyboard.press('Enter');
  const frame = page.frameLocator('[data-preview]');
  await expect(frame.locator('#visit')).toBeVisible({ timeout: 90_000 });
  await waitForLab(page, settled);

  // Full screen, the current step in the bar.
  await expect(page.locator('html')).toHaveAttribute('data-lab-dock', 'full');
  const pane = page.locator('[data-pane]');
  const box = (await pane.boundingBox())!;
  expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
  // Nothing of the site covers it: the bar's button is what a tap on it reaches.
  const toggle = page.locator('[data-dock]');
  expect(
    await toggle.evaluate((button) => {
      const box = button.getBoundingClientRect();
      return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === button;
    }),
  ).toBe(true);
  const bar = page.locator('[data-current-step]');
  await expect(bar).toContainText('Étape 1 sur 5');
  await dashboard(page).evaluate(() => {
    (window as unknown as { dockProbe: string }).dockProbe = 'same document';
  });
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    expect(await axeViolations(page), `full screen, ${theme}`).toEqual([]);
  }

  // The first step, from the keyboard in the dashboard: Tab reaches "Visit", Enter presses it.
  await tabTo(page, frame.locator('#visit'));
  for (let i = 1; i <= 6; i++) {
    await page.keyboard.press('Enter');
    await expect(frame.locator('#session-sent')).toHaveText(String(i));
  }
  await expectDone(page, 'visit-six-times', 'fr');
  await expect(bar).toContainText('Étape 2 sur 5');

  // Back to the text, from the keyboard: the focus stays on the button, now in the lesson.
  await expect(toggle).toHaveText(say.back);
  await tabTo(page, toggle, 120, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).not.toHaveAttribute('data-lab-dock', /.+/);
  await expect(toggle).toBeFocused();
  await expect(toggle).toHaveText(say.full);
  expect(await dashboard(page).evaluate(() => (window as { dockProbe?: string }).dockProbe)).toBe(
    'same document',
  );
  // The page scrolls again, and the steps and the lab are in the lesson.
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).overflow)).not.toBe(
    'hidden',
  );
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    expect(await axeViolations(page), `phone, inline, ${theme}`).toEqual([]);
  }
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-lab-dock', 'full');

  await tabTo(page, page.getByRole('button', { name: say.stop, exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-workspace]')).toBeHidden();
  await expect(page.locator('html')).not.toHaveAttribute('data-lab-dock', /.+/);
});

test('the steps tick from the recording as from the live lab (en)', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/en/02-memory-sessions/');
  await expect(page.locator('[data-steps]')).toBeHidden();
  await page.getByRole('button', { name: 'Watch the recording' }).click();
  // The same frames, posted by the same dashboard code from a real run: every step ticks.
  await expect(page.locator('[data-steps]')).toBeVisible();
  await expect(page.locator('[data-steps] li[data-state="done"]')).toHaveCount(5, {
    timeout: 60_000,
  });
  await expect(page.locator('[data-steps-live]')).toContainText('Every step is done.');
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    expect(await axeViolations(page), `recording, ${theme}`).toEqual([]);
  }
});

// WebContainer's condition: the dashboard is another site than the course page. Its frames still
// reach the page, from that frame's window only, and the real engine judges them.
test.describe('the dashboard in a frame of another site', () => {
  test('posts its states, events and visits to the course page, which the engine judges', async ({
    page,
  }) => {
    const setup = await startFramedSetup({ framed: true });
    try {
      await page.goto(setup.course.url('en'));
      const frame = page.frameLocator('iframe');
      await expect(frame.locator('#visit')).toBeVisible();
      await page.evaluate(() => {
        const iframe = document.querySelector('iframe')!;
        const seen: unknown[] = [];
        (window as unknown as { seen: unknown[] }).seen = seen;
        window.addEventListener('message', (event) => {
          if (event.source === iframe.contentWindow) seen.push(event.data);
        });
      });
      // Two sites: the course page's origin is not the dashboard's.
      expect(new URL(page.url()).origin).not.toBe(setup.relay.origin);
      for (let i = 1; i <= 6; i++) {
        await frame.locator('#visit').click();
        await expect(frame.locator('#session-sent')).toHaveText(String(i));
      }
      await expect
        .poll(async () => {
          const seen = (await page.evaluate(
            () => (window as unknown as { seen: unknown[] }).seen,
          )) as { frame: LabFrame }[];
          // The visits pressed; the dashboard also reads the session (GET /api/session) for
          // its expiry readout, which the page receives as frames of their own.
          return seen.filter((m) => m.frame.kind === 'visit' && m.frame.method === 'POST').length;
        })
        .toBe(6);
      const frames = (
        (await page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)) as {
          type: string;
          frame: LabFrame;
        }[]
      ).map((message) => {
        expect(message.type).toBe('lab-dashboard-frame');
        return message.frame;
      });
      const visits = frames.filter((f) => f.kind === 'visit' && f.method === 'POST');
      expect(visits[0]).toMatchObject({ method: 'POST', path: '/api/visit', status: 200 });
      expect(visits.map((v) => v.kind === 'visit' && v.cookie)).toEqual([
        'new',
        'sent',
        'sent',
        'sent',
        'sent',
        'sent',
      ]);
      expect(frames.some((f) => f.kind === 'event' && f.event.type === 'request')).toBe(true);
      // The real engine, on the frames the page received: six visits of a new visitor with
      // Redis sessions climb from 1 on every instance in turn.
      const scenario = JSON.parse(
        readFileSync('sandboxes/labs/sessions/scenarios/03-redis-sessions.json', 'utf8'),
      ) as Scenario;
      const step = scenario.steps.find((one) => one.id === 'visit-six-times')!;
      const judgement = judgeStep(step, frames, []);
      expect(judgement.status, judgement.message.en).toBe('done');
    } finally {
      await setup.stop();
    }
  });
});
