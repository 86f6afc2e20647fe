// @ts-check
/**
 * The lab's state on the page: the glance, the instances' cards, the forms that follow the
 * configuration, the rollout under way or failed, how edits are watched and what the lab's
 * self-test found.
 *
 * This module keeps the last state it was given; events that change one detail (a request
 * served, the store going down) update it here so that the page and the state agree.
 *
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').InstanceView} InstanceView
 * @typedef {import('../../types.ts').InstanceStatus} InstanceStatus
 * @typedef {import('../../types.ts').SelfTestReport} SelfTestReport
 * @typedef {import('../../types.ts').SelfTestName} SelfTestName
 */
import {
  byId,
  colourClass,
  el,
  hiddenText,
  inPageLanguage,
  rolloutReasonText,
  t,
  timeText,
} from './format.js';

/** @type {LabState | null} */
let state = null;
/** @type {Map<string, HTMLLIElement>} */
const cards = new Map();
// The forms stop following the platform's state once the learner starts editing them.
let configDirty = false;
let scaleDirty = false;
/** When the last `rollout-started` event came: a rollout due before it is now under way. */
let rolloutSeenAt = 0;
/** @type {((id: string) => void) | null} */
let onKill = null;

/** The state the page shows now, or null before the first one. */
export function currentState() {
  return state;
}

/**
 * Says what a Kill button on a card does; the controls module owns the request.
 * @param {(id: string) => void} kill
 */
export function onKillInstance(kill) {
  onKill = kill;
}

/**
 * Marks a form as edited by the learner, or as following the lab again.
 * @param {'config' | 'scale'} form
 * @param {boolean} dirty
 */
export function setFormDirty(form, dirty) {
  if (form === 'config') configDirty = dirty;
  else scaleDirty = dirty;
}

/**
 * Shows a whole state, replacing what the page showed.
 * @param {LabState} next
 */
export function renderState(next) {
  state = next;
  byId('glance-session-store').textContent = t(
    next.sessionStore === 'redis' ? 'storeRedis' : 'storeMemory',
  );
  byId('glance-sticky').textContent = t(next.sticky ? 'stickyOn' : 'stickyOff');
  renderStore();
  byId('glance-desired').textContent = String(next.desired);
  renderCards(next.instances);
  if (!configDirty) {
    const form = /** @type {HTMLFormElement} */ (byId('config-form'));
    for (const radio of form.querySelectorAll('input[name="sessionStore"]')) {
      const input = /** @type {HTMLInputElement} */ (radio);
      input.checked = input.value === next.sessionStore;
    }
    /** @type {HTMLInputElement} */ (byId('config-sticky')).checked = next.sticky;
    // A recording made before the lifetime could be set shows the default, a day.
    /** @type {HTMLInputElement} */ (byId('config-max-age')).value = String(
      next.sessionMaxAgeSeconds ?? 86400,
    );
  }
  if (!scaleDirty)
    /** @type {HTMLInputElement} */ (byId('scale-count')).value = String(next.desired);
  showRolloutError(next.lastError);
  renderRollout();
  renderWatcher();
  renderSelfTest(next.selfTest ?? null);
}

/** Shows the backing service's kind and whether it is up. */
function renderStore() {
  if (!state) return;
  const { store } = state;
  const where =
    store.kind === 'embedded' ? t('storeEmbedded', { port: store.port }) : t('storeExternal');
  const glance = byId('glance-store');
  glance.textContent = `${store.up ? '●' : '✕'} ${t(store.up ? 'storeUp' : 'storeDown')} (${where})`;
  glance.className = store.up ? 'ok' : 'bad';
}

/**
 * Follows a `store-down` or `store-up` event until the next whole state.
 * @param {boolean} up
 */
export function setStoreUp(up) {
  if (!state) return;
  state.store.up = up;
  renderStore();
}

/**
 * Shows the error of the last failed rollout, or hides the banner.
 * @param {string | null} error
 */
export function showRolloutError(error) {
  const banner = byId('rollout-failed');
  if (error === null) {
    banner.hidden = true;
    return;
  }
  byId('rollout-error').textContent = error;
  banner.hidden = false;
}

/**
 * Notes a `rollout-started` event, so the line says the rollout is under way rather than due.
 * @param {number} at
 */
export function noteRolloutStarted(at) {
  rolloutSeenAt = at;
  renderRollout();
}

// A rollout is due from the moment the lab sees a reason for it (an edit, a config change, a
// replace) and under way once it starts replacing instances: the learner who just saved a file
// sees at once that the lab noticed, and why.
function renderRollout() {
  const line = byId('rollout-line');
  const rollout = state?.rollout ?? null;
  if (rollout === null) {
    line.hidden = true;
    return;
  }
  const underWay =
    rolloutSeenAt >= rollout.startedAt ||
    (state?.instances ?? []).some((i) => i.status === 'starting' || i.status === 'stopping');
  line.textContent = t(underWay ? 'rolloutRunning' : 'rolloutDue', {
    reason: rolloutReasonText(rollout.reason),
    time: timeText(rollout.startedAt),
  });
  line.hidden = false;
}

/** @type {Record<import('../../types.ts').WatcherState['mode'], string>} */
const WATCHER_KEY = {
  recursive: 'watcherRecursive',
  'per-file': 'watcherPerFile',
  polling: 'watcherPolling',
  off: 'watcherOff',
};

/** Shows how the lab sees edits of the app's files, and why it fell back if it did. */
function renderWatcher() {
  const glance = byId('glance-watcher');
  const watcher = state?.watcher;
  if (!watcher) {
    glance.textContent = t('unknown');
    return;
  }
  glance.replaceChildren(t(WATCHER_KEY[watcher.mode]));
  // Per-file watching is the usual way; only a fallback (or no watching at all) stands out.
  glance.className = watcher.error !== null || watcher.mode === 'off' ? 'notice' : '';
  if (watcher.error !== null) glance.append(el('span', 'why', watcher.error));
}

/** @type {Record<SelfTestName, string>} */
const CHECK_LABEL = {
  storeLink: 'checkStoreLink',
  sigterm: 'checkSigterm',
  watcher: 'checkWatcher',
  cookie: 'checkCookie',
};
const CHECK_STATUS = {
  ok: { symbol: '●', key: 'checkOk', className: 'ok' },
  fallback: { symbol: '◐', key: 'checkFallback', className: 'notice' },
  failed: { symbol: '✕', key: 'checkFailed', className: 'bad' },
  pending: { symbol: '…', key: 'checkPending', className: '' },
};

/**
 * Shows the findings of the lab's self-test, one line each; hidden when the lab ran none.
 * @param {SelfTestReport | null} report
 */
export function renderSelfTest(report) {
  const section = byId('selftest');
  if (state) state.selfTest = report;
  if (report === null) {
    section.hidden = true;
    return;
  }
  const list = byId('selftest-list');
  list.replaceChildren();
  for (const name of /** @type {SelfTestName[]} */ (Object.keys(CHECK_LABEL))) {
    const check = report[name];
    if (!check) continue;
    const look = CHECK_STATUS[check.status] ?? CHECK_STATUS.pending;
    const item = el('div');
    const value = el('dd', look.className, `${look.symbol} ${t(look.key)}`);
    // What works needs no explanation; a fallback or a failure says what the lab does instead.
    const detail = inPageLanguage(check.details, check.detail);
    if (detail && check.status !== 'ok') value.append(el('span', 'why', detail));
    else if (detail) item.title = detail;
    item.append(el('dt', undefined, t(CHECK_LABEL[name])), value);
    list.append(item);
  }
  section.hidden = false;
}

const STATUS_SYMBOL = { starting: '◐', ready: '●', unready: '○', stopping: '■' };
const STATUS_KEY = {
  starting: 'statusStarting',
  ready: 'statusReady',
  unready: 'statusUnready',
  stopping: 'statusStopping',
};

/** @param {InstanceView[]} instances */
function renderCards(instances) {
  const list = byId('cards');
  const seen = new Set(instances.map((instance) => instance.id));
  for (const [id, card] of cards) {
    if (seen.has(id)) continue;
    // A killed card takes the keyboard focus with it: move focus to the section, not the page's top.
    if (card.contains(document.activeElement)) byId('h-instances').focus();
    card.remove();
    cards.delete(id);
  }
  for (const [index, instance] of instances.entries()) {
    let card = cards.get(instance.id);
    if (!card) {
      card = createCard(instance.id);
      cards.set(instance.id, card);
    }
    // Move a card only when it is out of place: moving a node takes the keyboard focus away
    // from the Kill button inside it, and state updates arrive all the time.
    const current = list.children[index] ?? null;
    if (current !== card) list.insertBefore(card, current);
    updateCard(card, instance);
  }
  byId('instances-empty').hidden = instances.length > 0;
}

/** @param {string} id */
function createCard(id) {
  const card = el('li', `card ${colourClass(id)}`);
  card.dataset['id'] = id;
  const title = el('h3');
  title.append(el('span', 'swatch'), id);
  const status = el('p', 'status');
  const served = el('p', 'served');
  served.append(`${t('servedLabel')} `, el('strong', 'served-count', '0'));
  const process = el('p', 'process');
  const kill = el('button', 'kill', t('kill'));
  kill.type = 'button';
  kill.append(hiddenText(` ${id}`));
  kill.addEventListener('click', () => onKill?.(id));
  card.append(title, status, served, process, kill);
  return card;
}

/** @param {HTMLLIElement} card @param {InstanceView} instance */
function updateCard(card, instance) {
  paintStatus(card, instance.status);
  paintServed(card, instance.served);
  const process = card.querySelector('.process');
  // An instance reports its port once it listens (it asks the system for a free one): 0 until then.
  const port = instance.port || '…';
  if (process) process.textContent = t('processLabel', { port, pid: instance.pid });
}

/** @param {HTMLLIElement} card @param {InstanceStatus} status */
function paintStatus(card, status) {
  const line = card.querySelector('.status');
  if (!line) return;
  line.textContent = `${STATUS_SYMBOL[status]} ${t(STATUS_KEY[status])}`;
  card.classList.remove('st-starting', 'st-ready', 'st-unready', 'st-stopping');
  card.classList.add(`st-${status}`);
}

/** @param {HTMLLIElement} card @param {number} served */
function paintServed(card, served) {
  const count = card.querySelector('.served-count');
  if (count) count.textContent = String(served);
}

/**
 * Follows an `instance-ready` or `instance-unready` event until the next whole state.
 * @param {string} id
 * @param {InstanceStatus} status
 */
export function setInstanceStatus(id, status) {
  const card = cards.get(id);
  const view = state?.instances.find((instance) => instance.id === id);
  if (view) view.status = status;
  if (card) paintStatus(card, status);
}

/**
 * Counts one request served by an instance, from a `request` event.
 * @param {string | null} id
 */
export function countServed(id) {
  const card = id === null ? undefined : cards.get(id);
  const view = state?.instances.find((instance) => instance.id === id);
  if (card && view) {
    view.served += 1;
    paintServed(card, view.served);
  }
}
