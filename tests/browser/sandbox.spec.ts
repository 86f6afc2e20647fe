// The sandbox in a lesson, through the local runtime (WebContainer cannot boot offline): start
// the lab, drive it from its dashboard, edit the app in the editor, break it, reset it.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

test.describe.configure({ mode: 'serial', timeout: 240_000 });

const words = {
  fr: {
    local: 'Sur cette machine (npm start)',
    start: 'Démarrer le laboratoire',
    apply: 'Appliquer',
    reset: 'Réinitialiser',
    stop: 'Arrêter',
  },
  en: {
    local: 'On this machine (npm start)',
    start: 'Start the lab',
    apply: 'Apply',
    reset: 'Reset',
    stop: 'Stop',
  },
} as const;

interface LabState {
  instances: { id: string; status: string }[];
  sessionStore: string;
  desired: number;
  lastError: string | null;
}

/** The lab's state, read through the site's own origin as the dashboard does. */
async function labState(page: Page): Promise<LabState> {
  return page.evaluate(
    async () => (await fetch('/_labs/sessions/app/lab/state')).json() as Promise<LabState>,
  );
}

async function waitForLab(page: Page, test: (state: LabState) => boolean): Promise<LabState> {
  let state = await labState(page);
  const deadline = Date.now() + 60_000;
  while (!test(state)) {
    if (Date.now() > deadline)
      throw new Error(`lab never reached the expected state: ${JSON.stringify(state)}`);
    await page.waitForTimeout(200);
    state = await labState(page);
  }
  return state;
}

const settled = (state: LabState): boolean =>
  state.instances.length === state.desired &&
  state.instances.every((instance) => instance.status === 'ready');

for (const lang of ['fr', 'en'] as const) {
  test(`a learner runs the sessions lab from a lesson page (${lang})`, async ({ page }) => {
    const say = words[lang];
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`/${lang}/lab/`);

    // Nothing of the sandbox runs before Start.
    await expect(page.locator('[data-workspace]')).toBeHidden();
    await page.getByLabel(say.local).check();
    await page.getByRole('button', { name: say.start }).click();
    const frame = page.frameLocator('[data-preview]');
    await expect(frame.locator('#visit')).toBeVisible({ timeout: 90_000 });
    await expect(page.locator('.xterm-rows')).toContainText('Lab ready at', { timeout: 30_000 });
    await waitForLab(page, settled);

    // Memory store, round-robin: each instance counts its own visits for us.
    for (let i = 0; i < 3; i++) {
      await frame.locator('#visit').click();
      await expect(frame.locator('#session-sent')).toHaveText(String(i + 1));
    }
    await expect(frame.locator('#session-visits')).toHaveText('1');

    // Kill an instance from its card: the platform replaces it.
    const before = await labState(page);
    await frame.locator('#cards button').first().click();
    await waitForLab(
      page,
      (state) => settled(state) && !state.instances.some((i) => i.id === before.instances[0]!.id),
    );

    // Switch the session store to Redis: from then on, the count carries on across instances.
    await frame.locator('input[name="sessionStore"][value="redis"]').check();
    await frame.locator('#config-form button[type="submit"]').click();
    await waitForLab(page, (state) => state.sessionStore === 'redis' && settled(state));
    const served = new Set<string>();
    for (let i = 1; i <= 4; i++) {
      await frame.locator('#visit').click();
      await expect(frame.locator('#session-visits')).toHaveText(String(i));
      served.add((await frame.locator('#session-instance').textContent()) ?? '');
    }
    expect(served.size).toBeGreaterThan(1);
    await frame.locator('#replace').click();
    const replaced = await waitForLab(
      page,
      (state) => settled(state) && !state.instances.some((i) => served.has(i.id)),
    );
    expect(replaced.instances).toHaveLength(3);
    await frame.locator('#visit').click();
    await expect(frame.locator('#session-visits')).toHaveText('5');

    // Edit the app in the editor and see the change live.
    await page.locator('[data-file="server.js"]').click();
    await page.locator('.cm-content').getByText('const app = express();').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type(
      `app.get('/api/hello', (req, res) => res.json({ hello: '${lang}' }));`,
    );
    await page.getByRole('button', { name: say.apply, exact: true }).click();
    await expect
      .poll(
        async () =>
          page.evaluate(async () => (await fetch('/_labs/sessions/app/api/hello')).text()),
        { timeout: 60_000 },
      )
      .toContain(`"hello":"${lang}"`);

    // A syntax error: the rollout stops, the error shows, and the old instances keep serving.
    await page.locator('.cm-content').getByText('const app = express();').click();
    await page.keyboard.press('End');
    await page.keyboard.type(' {{{');
    await page.keyboard.press('Control+s');
    const broken = await waitForLab(page, (state) => state.lastError !== null);
    expect(broken.lastError).toContain('SyntaxError');
    await expect(frame.locator('#rollout-error')).toBeVisible({ timeout: 10_000 });
    await frame.locator('#visit').click();
    await expect(frame.locator('#session-visits')).toHaveText('6');

    // The page, sandbox open, is still accessible.
    const axe = await new AxeBuilder({ page }).include('lab-sandbox').analyze();
    expect(
      axe.violations.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((node) => node.target.join(' ')).join(', ')})`,
      ),
    ).toEqual([]);

    // Reset restores the starting files, and the platform rolls them out.
    await page.getByRole('button', { name: say.reset, exact: true }).click();
    await expect(page.locator('.cm-content')).not.toContainText('api/hello');
    await waitForLab(page, (state) => state.lastError === null && settled(state));
    const files = await page.evaluate(
      async () =>
        (await fetch('/_labs/sessions/files')).json() as Promise<{ files: Record<string, string> }>,
    );
    expect(files.files['server.js']).not.toContain('api/hello');

    await page.getByRole('button', { name: say.stop, exact: true }).click();
    await expect(page.locator('[data-workspace]')).toBeHidden();
    expect(errors).toEqual([]);
  });
}
