/** The check results of an exercise: a summary and one line per check, in the page's language. */
import type { CheckResult, Lang } from '../runtime.ts';
import type { Translate } from '../strings.ts';

/** Shows `results` in the workspace's `[data-results]` box; returns the summary sentence. */
export function showResults(
  workspace: HTMLElement,
  results: CheckResult[],
  lang: Lang,
  text: Translate,
): string {
  const box = workspace.querySelector<HTMLElement>('[data-results]')!;
  const passed = results.filter((result) => result.ok).length;
  const summary = text(passed === results.length ? 'sandbox.checkPassed' : 'sandbox.checkFailed', {
    passed,
    total: results.length,
  });
  const heading = document.createElement('h3');
  heading.textContent = text('sandbox.checkResults');
  const sentence = document.createElement('p');
  sentence.textContent = summary;
  const list = document.createElement('ul');
  list.className = 'sandbox-result-list';
  for (const result of results) {
    const item = document.createElement('li');
    item.className = result.ok ? 'pass' : 'fail';
    item.dataset['check'] = result.id;
    item.dataset['ok'] = String(result.ok);
    const verdict = document.createElement('strong');
    verdict.textContent = `${result.ok ? '✓' : '✗'} ${text(result.ok ? 'sandbox.pass' : 'sandbox.fail')}`;
    item.append(verdict, ` — ${result.message[lang]}`);
    list.append(item);
  }
  box.replaceChildren(heading, sentence, list);
  return summary;
}

/** Empties the results box (after Reset). */
export function clearResults(workspace: HTMLElement): void {
  workspace.querySelector<HTMLElement>('[data-results]')?.replaceChildren();
}
