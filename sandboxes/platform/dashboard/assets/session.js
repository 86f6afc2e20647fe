// @ts-check
/**
 * The learner's own session: the visits they send, what each instance answered, the timeline
 * that shows when the session was lost, and which way the session travels.
 *
 * @typedef {import('./session-carrier.js').Carried} Carried
 * @typedef {'counted' | 'lost' | 'fresh' | 'refused'} VisitKind
 * @typedef {object} Visit one box of the timeline
 * @property {string | null} instance the instance that answered, null when none did
 * @property {number | null} visits the count it gave
 * @property {VisitKind} kind
 * @property {string | null} error why the visit failed, null when it did not
 * @property {number} [status] the HTTP status of a failed visit
 */
import {
  byId,
  colourClass,
  el,
  errorOf,
  hiddenText,
  readJson,
  t,
  timeText,
  visitsText,
} from './format.js';
import { showActionError } from './controls.js';
import { carrierMode, onCarrierChange, prepareRequest, readAnswer } from './session-carrier.js';
import { currentState } from './state-view.js';

/** How often automatic traffic sends a visit, in milliseconds. */
const AUTO_INTERVAL = 700;
/** How many visits the timeline keeps, so that a long session stays light. */
const TIMELINE_MAX = 60;

/** What each instance answered last, which shows memory sessions splitting across instances. */
/** @type {Map<string, number>} */
const known = new Map();
let sent = 0;
/** The count of the last answer, which the next one is compared with. */
/** @type {number | null} */
let lastVisits = null;
let visitInFlight = false;
/** @type {ReturnType<typeof setInterval> | null} */
let autoTimer = null;
/** @type {Array<(visits: number) => void>} */
const visitListeners = [];

/** Calls `listener` with the count of every visit answered. @param {(visits: number) => void} listener */
export function onVisitAnswered(listener) {
  visitListeners.push(listener);
}

/** Whether the page knows of a session to send visits in (a burst needs one first). */
export function hasSession() {
  return lastVisits !== null;
}

/**
 * Takes in a burst (burst.js): `answers`, each instance's highest count; `copies`, what each
 * copy of the session (one in Redis, one per instance in memory) holds now.
 * @param {number} answered @param {Map<string, number>} answers @param {Map<string, number>} copies
 */
export function noteBurst(answered, answers, copies) {
  sent += answered;
  byId('session-sent').textContent = String(sent);
  for (const [instance, visits] of answers) known.set(instance, visits);
  for (const [instance, visits] of copies) {
    known.set(instance, visits);
    lastVisits = visits;
    byId('session-visits').textContent = String(visits);
    byId('session-instance').textContent = instance;
  }
  renderKnown();
}

/**
 * Forgets the session, ended or expired: the next visit starts one at 1, no lost session.
 * @param {'sessionEnded' | 'sessionExpired'} reason
 */
export function forgetSession(reason) {
  lastVisits = null;
  known.clear();
  const result = byId('session-result');
  result.textContent = t(reason);
  result.classList.remove('lost');
  byId('session-visits').textContent = '–';
  renderKnown();
}

/** Shows, per instance of the current state, the count it gave last. */
export function renderKnown() {
  const list = byId('known');
  list.replaceChildren();
  for (const instance of currentState()?.instances ?? []) {
    const count = known.get(instance.id);
    const text =
      count === undefined
        ? t('knownNothing', { instance: instance.id })
        : t('knownCount', { instance: instance.id, visits: visitsText(count) });
    const item = el('li', colourClass(instance.id));
    item.append(el('span', 'swatch'), text);
    list.append(item);
  }
}

/**
 * Sends one request of the app with the session, however it travels, and reads what its answer
 * says about the session.
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} url
 * @returns {Promise<{ response: Response, carried: Carried }>}
 */
export async function appRequest(method, url) {
  const prepared = prepareRequest();
  /** @type {Record<string, string>} */
  const headers = { ...prepared.headers };
  /** @type {RequestInit} */
  const init = { method, headers, cache: 'no-store' };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = '{}';
  }
  const response = await fetch(url, init);
  return { response, carried: readAnswer(response, prepared) };
}

/**
 * Reads the session without counting a visit (GET /api/session): the answer and its body, or
 * null when the app is unreachable.
 * @returns {Promise<{ response: Response, data: Record<string, unknown> } | null>}
 */
export async function readSessionAnswer() {
  try {
    const { response } = await appRequest('GET', 'api/session');
    return { response, data: await readJson(response) };
  } catch {
    return null;
  }
}

/** Counts one visit in the learner's session and shows the answer. */
export async function visit() {
  // Automatic traffic never piles requests up behind a slow one.
  if (visitInFlight) return;
  visitInFlight = true;
  try {
    let answer;
    try {
      answer = await appRequest('POST', 'api/visit');
    } catch {
      showActionError(t('unreachable'));
      addToTimeline({ instance: null, visits: null, kind: 'counted', error: t('unreachable') });
      return;
    }
    const { response, carried } = answer;
    const data = await readJson(response);
    if (!response.ok) {
      const error = errorOf(response, data);
      byId('session-result').textContent = t('sessionError', { status: response.status, error });
      addToTimeline({
        instance: null,
        visits: null,
        kind: 'counted',
        error: `${response.status}: ${error}`,
        status: response.status,
      });
      return;
    }
    recordVisit(String(data['instance']), Number(data['visits']), String(data['store']), carried);
  } finally {
    visitInFlight = false;
  }
}

/**
 * Asks the app, without counting a visit, what the session holds, so that a reloaded page
 * compares its next visit with the count the session already has.
 */
export async function readSession() {
  const answer = await readSessionAnswer();
  if (!answer) return;
  const { response, data } = answer;
  const visits = Number(data['visits']);
  // No session yet, an instance still starting, or a visit already answered: nothing to show.
  if (!response.ok || !(visits > 0) || sent > 0) return;
  const instance = String(data['instance']);
  lastVisits = visits;
  known.set(instance, visits);
  byId('session-result').textContent = t('sessionKnown', {
    instance,
    visits: visitsText(visits),
  });
  byId('session-visits').textContent = String(visits);
  byId('session-instance').textContent = instance;
  renderKnown();
}

/** When the last recorded visit's answer came, in the recording's time: a visit sent before it was sent together with it. */
let recordedAnswerAt = -Infinity;
/** Whether the last recorded visit overlapped the one before it. */
let overlapped = false;

/**
 * Shows a recorded visit's answer exactly as a visit of the learner's would have shown: a
 * recording (source-recording.js) replays the visits of a real run through here. A visit sent
 * before the previous one was answered (20 visits at once) is no lost session when its count is
 * lower: the visits overlapped, and the next visit is compared with nothing.
 * @param {{ status: number, body: Record<string, unknown>, cookie: 'sent' | 'new' | 'none', at?: number, ms?: number }} answer
 */
export function showAnswer({ status, body, cookie, at, ms }) {
  const together = at !== undefined && at < recordedAnswerAt;
  if (at !== undefined) recordedAnswerAt = Math.max(recordedAnswerAt, at + (ms ?? 0));
  // The first visit after overlapping ones is compared with nothing either: which of them wrote
  // last is unknown.
  if (together || overlapped) lastVisits = null;
  overlapped = together;
  if (status !== 200) {
    const error = typeof body['error'] === 'string' ? body['error'] : t('httpStatus', { status });
    byId('session-result').textContent = t('sessionError', { status, error });
    addToTimeline({
      instance: null,
      visits: null,
      kind: 'counted',
      error: `${status}: ${error}`,
      status,
    });
    return;
  }
  const carried = { cookie, fresh: cookie === 'new', refused: false };
  recordVisit(String(body['instance']), Number(body['visits']), String(body['store']), carried);
}

/** Forgets every visit shown, as a fresh page would: a recording played again from earlier. */
export function forgetVisits() {
  recordedAnswerAt = -Infinity;
  overlapped = false;
  known.clear();
  sent = 0;
  lastVisits = null;
  byId('timeline').replaceChildren();
  byId('timeline-empty').hidden = false;
  const result = byId('session-result');
  result.textContent = t('sessionNone');
  result.classList.remove('lost');
  byId('session-sent').textContent = '0';
  byId('session-visits').textContent = '–';
  byId('session-instance').textContent = '–';
  renderKnown();
}

/**
 * Compares a visit with the one before: a count that did not grow means the session was lost,
 * unless no session reached the app at all, which loses nothing that a process kept: a first
 * visit, a browser refusing the cookie, or the switch to the header.
 * @param {string} instance @param {number} visits @param {string} store @param {Carried} carried
 */
function recordVisit(instance, visits, store, carried) {
  sent += 1;
  const expected = lastVisits === null ? null : lastVisits + 1;
  const lost = !carried.fresh && expected !== null && visits < expected;
  lastVisits = visits;
  known.set(instance, visits);

  /** @type {VisitKind} */
  let kind = 'counted';
  let message;
  if (carried.refused) {
    kind = 'refused';
    message = t('sessionRefused', { instance, visits: visitsText(visits) });
  } else if (lost) {
    kind = 'lost';
    message =
      visits === 1
        ? t('sessionLostFresh', { instance, expected })
        : t('sessionLostStale', { instance, visits: visitsText(visits), expected });
  } else {
    if (carried.fresh && expected !== null) kind = 'fresh';
    const where = t(store === 'redis' ? 'sessionStoreRedis' : 'sessionStoreMemory');
    message = t(kind === 'fresh' ? 'sessionStarted' : 'sessionAnswered', {
      instance,
      visits: visitsText(visits),
      store: where,
    });
  }
  const result = byId('session-result');
  result.textContent = message;
  result.classList.toggle('lost', lost);
  byId('session-sent').textContent = String(sent);
  byId('session-visits').textContent = String(visits);
  byId('session-instance').textContent = instance;
  renderKnown();
  addToTimeline({ instance, visits, kind, error: null });
  for (const listener of visitListeners) listener(visits);
}

/** The mark each kind of visit gets in the timeline, beside its count. */
const TIMELINE_MARK = {
  lost: { className: 'tl-lost', symbol: '✕', key: 'timelineLost' },
  refused: { className: 'tl-refused', symbol: '⊘', key: 'timelineRefused' },
  fresh: { className: 'tl-fresh', symbol: '↺', key: 'timelineFresh' },
};

/** @param {Visit} entry */
function addToTimeline(entry) {
  const list = byId('timeline');
  const item = el('li', `tl ${colourClass(entry.instance)}`);
  const time = timeText(Date.now());
  item.append(el('span', 'tl-id', entry.instance ?? '?'));
  if (entry.error !== null) {
    item.classList.add('tl-error');
    item.append(
      el('span', 'tl-n', String(entry.status ?? '!')),
      hiddenText(`, ${t('timelineError')}: ${entry.error}`),
    );
    item.title = `${time} ${entry.error}`;
  } else {
    const visits = entry.visits ?? 0;
    item.append(el('span', 'tl-n', String(visits)), hiddenText(`, ${visitsText(visits)}`));
    item.title = `${time} ${entry.instance}: ${visitsText(visits)}`;
    const mark = entry.kind === 'counted' ? null : TIMELINE_MARK[entry.kind];
    if (mark) {
      item.classList.add(mark.className);
      item.append(el('span', 'tl-flag', mark.symbol), hiddenText(`, ${t(mark.key)}`));
      item.title += `, ${t(mark.key)}`;
    }
  }
  list.append(item);
  while (list.children.length > TIMELINE_MAX) list.firstElementChild?.remove();
  byId('timeline-empty').hidden = true;
}

/** @param {boolean} on */
function setAutoTraffic(on) {
  const button = byId('auto');
  button.setAttribute('aria-pressed', String(on));
  // A visit every 0.7 s would make a screen reader talk without pause: stop announcing them.
  byId('session-result').setAttribute('aria-live', on ? 'off' : 'polite');
  if (autoTimer !== null) clearInterval(autoTimer);
  autoTimer = on ? setInterval(() => void visit(), AUTO_INTERVAL) : null;
}

/**
 * Says which way the session travels and, when it is the header, why, with the way out: the
 * dashboard in its own tab, where the browser sends the cookie back.
 */
function renderCarrier() {
  const header = carrierMode() === 'header';
  const glance = byId('glance-carrier');
  glance.textContent = t(header ? 'carrierHeader' : 'carrierCookie');
  glance.className = header ? 'notice' : '';
  // The page's own address, query included, so the new tab opens the same dashboard.
  /** @type {HTMLAnchorElement} */ (byId('cookie-open')).href = window.location.href;
  byId('cookie-warning').hidden = !header;
}

/** Wires the session's buttons and shows how the session travels. */
export function setUpSession() {
  byId('visit').addEventListener('click', () => void visit());
  byId('auto').addEventListener('click', () => {
    setAutoTraffic(byId('auto').getAttribute('aria-pressed') !== 'true');
  });
  onCarrierChange(renderCarrier);
  renderCarrier();
}
