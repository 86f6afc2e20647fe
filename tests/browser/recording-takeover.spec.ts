// The recording and the live lab together, on the suite's own server (`npm start -- --preview`:
// the build and its lab host): a reader watching the recording presses Start, and the live lab
// takes its place once ready. Apart from recordings.spec.ts, whose tests need only a static file
// server and so run beside the lab specs: this one drives the preview's lab host, one spec at a
// time with the others that do (playwright.config.ts).
import { expect, test } from '@playwright/test';
import { watchProblems } from './page-problems.ts';

// The live lab takes over from the recording when it is ready, in its place, and says so.
// Skipped where no such server runs (a configuration that serves only the static build).
test('the live lab takes over from the recording when it is ready, saying so', async ({
  page,
  baseURL,
}) => {
  test.skip(!baseURL, "needs the suite's preview server and its lab host");
  const problems = watchProblems(page, { errorAnswers: true });
  await page.goto(`${baseURL}/en/02-memory-sessions/`);
  const sandbox = page.locator('lab-sandbox').first();
  await sandbox.locator('[data-watch]').click();
  const recording = sandbox.locator('[data-recording]');
  await expect(
    sandbox.frameLocator('iframe[data-recording-frame]').locator('#cards li').first(),
  ).toBeVisible();
  await expect(sandbox.locator('[data-recording-note]')).toHaveText(/recording of a real run/);
  await sandbox.locator('input[value="local"]').check();
  await sandbox.locator('[data-start]').click();
  try {
    await expect(recording).toBeHidden({ timeout: 60_000 });
    await expect(sandbox.locator('iframe[data-recording-frame]')).toHaveCount(0);
    await expect(sandbox.locator('[data-workspace]')).toBeVisible();
    await expect(sandbox.locator('[data-status]')).toContainText(
      'The live lab is ready and takes over from the recording.',
    );
  } finally {
    // The lab is a real one on this machine: stop it whatever happened.
    const stop = sandbox.locator('[data-action="stop"]');
    if (await stop.isVisible()) await stop.click();
    await expect(sandbox.locator('[data-status]')).toHaveText('The lab is stopped.', {
      timeout: 30_000,
    });
  }
  expect(problems).toEqual([]);
});
