// @ts-check
/**
 * The admin tasks control: pick one of the app's one-off tasks (`GET lab/tasks`), run it
 * (`POST lab/tasks/{name}`) as a process of its own beside the instances, and read what it
 * printed and its exit code. Its lines also arrive as `task` events while it runs.
 *
 * @typedef {import('../../types.ts').TaskEvent} TaskEvent
 * @typedef {import('../../types.ts').TaskResult} TaskResult
 */
import { byId, errorOf, readJson, t } from './format.js';
import { postFrame } from './observer.js';

/** The run whose lines the panel shows, so that another run's lines do not mix in. */
let shownRun = 0;

/**
 * Fills the list of tasks with the names given, keeping the one picked if it is still there.
 * @param {string[]} names
 */
function listTasks(names) {
  const select = /** @type {HTMLSelectElement} */ (byId('task-name'));
  const picked = select.value;
  select.replaceChildren(...names.map((name) => new Option(name, name, false, name === picked)));
  byId('task-none').hidden = names.length > 0;
}

/**
 * Says how a run ended, from its answer or its `finished` event.
 * @param {{ task: string, exitCode: number | null, signal: string | null, timedOut: boolean, ms: number }} end
 */
function showEnd(end) {
  const result = byId('task-result');
  result.textContent = end.timedOut
    ? t('taskTimedOut', { task: end.task, seconds: Math.round(end.ms / 1000) })
    : end.exitCode === null
      ? t('taskKilled', { task: end.task, signal: end.signal })
      : t('taskExited', { task: end.task, code: end.exitCode });
  result.className = end.exitCode === 0 ? 'result ok' : 'result bad';
}

/**
 * Shows a task's event: its lines as they come, then how it ended. A recording replays them too.
 * @param {TaskEvent} event
 */
export function showTaskEvent(event) {
  const output = byId('task-output');
  if (event.phase === 'started') {
    shownRun = event.run;
    output.textContent = '';
    output.hidden = false;
    byId('task-result').textContent = t('taskRunning', { task: event.task });
    // A recording's page lists no task of its own: the ones it plays are the ones there are.
    const select = /** @type {HTMLSelectElement} */ (byId('task-name'));
    if (![...select.options].some((option) => option.value === event.task)) {
      listTasks([...[...select.options].map((option) => option.value), event.task].sort());
    }
  } else if (event.run !== shownRun) {
    return;
  } else if (event.phase === 'output') {
    output.textContent += `${output.textContent ? '\n' : ''}${event.line}`;
  } else {
    showEnd(event);
  }
}

/** Lists the app's tasks and wires the Run button. */
export function setUpTasks() {
  void fetch('lab/tasks', { cache: 'no-store' })
    .then((response) => readJson(response))
    .then((data) => listTasks(Array.isArray(data['tasks']) ? data['tasks'] : []))
    .catch(() => listTasks([]));
  const form = /** @type {HTMLFormElement} */ (byId('task-form'));
  form.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const name = /** @type {HTMLSelectElement} */ (byId('task-name')).value;
    if (!name) return;
    const button = /** @type {HTMLButtonElement} */ (byId('task-run'));
    button.disabled = true;
    byId('task-result').textContent = t('taskRunning', { task: name });
    try {
      const response = await fetch(`lab/tasks/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      const data = await readJson(response);
      if (!response.ok) {
        byId('task-result').textContent = t('taskFailed', { error: errorOf(response, data) });
        return;
      }
      const end = /** @type {TaskResult} */ (/** @type {unknown} */ (data));
      // The whole output, even where the event stream did not pass (polling).
      const output = byId('task-output');
      output.textContent = end.output;
      output.hidden = false;
      showEnd(end);
      // The line a recording keeps, so that a page's guided steps see the run without events.
      postFrame({
        at: Date.now(),
        kind: 'output',
        line: `task ${name} exited with code ${end.exitCode}`,
      });
    } catch {
      byId('task-result').textContent = t('unreachable');
    } finally {
      button.disabled = false;
    }
  });
}
