// @ts-check
/**
 * The platform's controls: kill, replace, scale, configure, stop and start the backing
 * service. Each sends one write to the control API and says how it went.
 */
import { byId, errorOf, lang, readJson, t } from './format.js';
import { onKillInstance, setFormDirty } from './state-view.js';

/**
 * Shows an error that an action ran into, in the banner above the panels.
 * @param {string} message
 */
export function showActionError(message) {
  const box = byId('action-error');
  box.textContent = message;
  box.hidden = false;
}

function clearActionError() {
  byId('action-error').hidden = true;
}

/** @type {() => void} */
let afterAction = () => {};

/**
 * Sends one write to the control API and reports the outcome.
 * @param {'POST' | 'PUT'} method
 * @param {string} url
 * @param {unknown} body
 * @param {string} label the action's name, as the learner saw it on its button
 */
async function send(method, url, body, label) {
  // Rollouts answer only once they are over, which takes a few seconds: say that it is under way.
  const status = byId('action-status');
  status.textContent = t('pending', { action: label });
  let response;
  try {
    response = await fetch(url, {
      method,
      // The lab answers an error in the language asked for: this page's, not the browser's.
      headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
      body: JSON.stringify(body),
    });
  } catch {
    status.textContent = '';
    showActionError(t('unreachable'));
    return false;
  }
  if (!response.ok) {
    const error = errorOf(response, await readJson(response));
    status.textContent = '';
    showActionError(t('failed', { action: label, error }));
    return false;
  }
  clearActionError();
  status.textContent = t('done', { action: label });
  afterAction();
  return true;
}

/**
 * Wires every control of the page.
 * @param {{ refresh: () => void }} options `refresh` shows the lab's state again after an action
 */
export function setUpControls({ refresh }) {
  afterAction = refresh;
  onKillInstance((id) => {
    void send('POST', `lab/instances/${encodeURIComponent(id)}/kill`, {}, `${t('kill')} ${id}`);
  });
  byId('replace').addEventListener('click', () => {
    void send('POST', 'lab/replace', {}, t('replaceAll'));
  });
  byId('store-stop').addEventListener('click', () => {
    void send('POST', 'lab/store/stop', {}, t('storeStop'));
  });
  byId('store-start').addEventListener('click', () => {
    void send('POST', 'lab/store/start', {}, t('storeStart'));
  });

  const scaleForm = /** @type {HTMLFormElement} */ (byId('scale-form'));
  scaleForm.addEventListener('input', () => setFormDirty('scale', true));
  scaleForm.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const count = Number(/** @type {HTMLInputElement} */ (byId('scale-count')).value);
    if (await send('POST', 'lab/scale', { count }, t('scaleAction'))) setFormDirty('scale', false);
  });

  const configForm = /** @type {HTMLFormElement} */ (byId('config-form'));
  configForm.addEventListener('input', () => setFormDirty('config', true));
  configForm.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const data = new FormData(configForm);
    const body = {
      sessionStore: data.get('sessionStore'),
      sticky: data.get('sticky') !== null,
      sessionMaxAgeSeconds: Number(data.get('sessionMaxAgeSeconds')),
    };
    if (await send('PUT', 'lab/config', body, t('configAction'))) setFormDirty('config', false);
  });
}
