import { expect, test, type Locator, type Page } from '@playwright/test';

/** What a reader sees in each language: the quiz's strings and a question from lesson 1. */
const CASES = [
  {
    lang: 'fr',
    url: '/fr/01-factor/',
    question: 'Pourquoi des instances sans état rendent-elles le remplacement progressif sûr ?',
    wrong: 'Parce que le répartiteur de charge garde les sessions pendant le remplacement',
    right: "Parce qu'arrêter une instance ne perd rien",
    check: 'Vérifier',
    incorrect: 'Pas tout à fait',
    correct: 'Bonne réponse.',
    wrongFeedback: 'Un répartiteur de charge transmet les requêtes',
  },
  {
    lang: 'en',
    url: '/en/01-factor/',
    question: 'Why do stateless instances make a rolling replacement safe?',
    wrong: 'Because the load balancer holds on to sessions during the replacement',
    right: 'Because stopping an instance loses nothing',
    check: 'Check',
    incorrect: 'Not quite',
    correct: 'Correct.',
    wrongFeedback: 'A load balancer forwards requests',
  },
] as const;

/** Moves the keyboard focus onto `target` with Tab alone, as a keyboard user would. */
async function tabTo(page: Page, target: Locator) {
  for (let step = 0; step < 200; step += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('The element was never reached with Tab.');
}

for (const c of CASES) {
  test(`a quiz answered wrongly, then rightly, with the keyboard (${c.lang})`, async ({ page }) => {
    await page.goto(c.url);
    const quiz = page.locator('course-quiz', {
      has: page.getByRole('group', { name: c.question }),
    });
    await expect(quiz).toHaveCount(1);
    // The script has enhanced the form: the check button shows, the fallback list does not.
    const check = quiz.getByRole('button', { name: c.check });
    await expect(check).toBeVisible();
    await expect(quiz.locator('details')).toBeHidden();

    const wrong = quiz.getByRole('radio', { name: c.wrong });
    const right = quiz.getByRole('radio', { name: c.right });
    const status = quiz.getByRole('status');

    // Tab into the group lands on its first radio; the arrow keys move to the wrong answer.
    await tabTo(page, quiz.getByRole('radio').first());
    for (let step = 0; step < 3 && !(await wrong.isChecked()); step += 1) {
      await page.keyboard.press('ArrowDown');
    }
    await expect(wrong).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(check).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(status).toContainText(c.incorrect);
    await expect(status).toContainText(c.wrongFeedback);
    await expect(quiz.locator('.feedback').getByText(c.wrongFeedback)).toBeVisible();
    await expect(wrong).toHaveAccessibleDescription(new RegExp(c.wrongFeedback));

    // Back to the group, pick the right answer with the arrows, then check with Space.
    await page.keyboard.press('Shift+Tab');
    for (let step = 0; step < 3 && !(await right.isChecked()); step += 1) {
      await page.keyboard.press('ArrowUp');
    }
    await expect(right).toBeChecked();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await expect(status).toContainText(c.correct);
    // Once it is right, every answer is explained, the wrong ones too.
    await expect(quiz.locator('.feedback:visible')).toHaveCount(3);
  });
}
