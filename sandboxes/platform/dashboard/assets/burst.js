// @ts-check
/**
 * "20 visits at once": twenty visits of the learner's session sent together, then how much the
 * count rose compared with twenty. express-session writes the whole session back: visits that
 * overlap read the same count and the last write wins, with Redis as with memory sessions.
 *
 * @typedef {{ status: number, instance: string | null, visits: number | null, store: string | null, error: string | null }} BurstAnswer
 */
import { byId, errorOf, lang, readJson, t } from './format.js';
import { prepareRequest } from './session-carrier.js';
import { appRequest, hasSession, noteBurst, readSessionAnswer, visit } from './session.js';

/** How many visits the button sends together. */
export const BURST_SIZE = 20;

const plural = new Intl.PluralRules(lang);

/**
 * `one` or `other` of a string, by the plural rules of the page's language.
 * @param {string} one @param {string} other @param {number} n @param {string} [error]
 */
function counted(one, other, n, error = '') {
  return t(plural.select(n) === 'one' ? one : other, { n, error });
}

/** Sends one visit of the burst and reads its answer. @returns {Promise<BurstAnswer>} */
async function sendOne() {
  try {
    const { response } = await appRequest('POST', 'api/visit');
    const data = await readJson(response);
    if (!response.ok) {
      return {
        status: response.status,
        instance: null,
        visits: null,
        store: null,
        error: errorOf(response, data),
      };
    }
    return {
      status: response.status,
      instance: String(data['instance']),
      visits: Number(data['visits']),
      store: String(data['store']),
      error: null,
    };
  } catch {
    return { status: 0, instance: null, visits: null, store: null, error: t('unreachable') };
  }
}

/**
 * How much the count rose, from the answers: the smallest is the count before + 1 (the first to
 * read read it), the highest where it got; per instance with memory sessions (one copy each).
 * @param {BurstAnswer[]} answered the visits answered 200
 * @returns {{ before: number, after: number, rise: number, copies: Map<string, number> }}
 */
export function measureRise(answered) {
  /** @type {Map<string, { low: number, high: number, instance: string }>} */
  const groups = new Map();
  for (const answer of answered) {
    const visits = answer.visits ?? 0;
    const key = answer.store === 'redis' ? 'redis' : (answer.instance ?? '?');
    const group = groups.get(key);
    if (!group) groups.set(key, { low: visits, high: visits, instance: answer.instance ?? '?' });
    else {
      group.low = Math.min(group.low, visits);
      group.high = Math.max(group.high, visits);
    }
  }
  let rise = 0;
  let before = 0;
  let after = 0;
  /** @type {Map<string, number>} */
  const copies = new Map();
  for (const [key, group] of groups) {
    rise += group.high - group.low + 1;
    before += group.low - 1;
    after += group.high;
    if (key !== 'redis') copies.set(group.instance, group.high);
  }
  return { before, after, rise, copies };
}

/** Sends the burst and says how it went. */
async function burst() {
  const button = /** @type {HTMLButtonElement} */ (byId('burst'));
  const result = byId('burst-result');
  button.disabled = true;
  result.hidden = false;
  result.classList.remove('lost');
  result.textContent = t('burstSending', { n: BURST_SIZE });
  try {
    // Twenty visits without a session would start twenty sessions: one visit starts it first,
    // also when the session travels in the header and the page has no value for it yet.
    if (!hasSession() || prepareRequest().asksForNew) await visit();
    const answers = await Promise.all(Array.from({ length: BURST_SIZE }, sendOne));
    const answered = answers.filter((answer) => answer.status === 200);
    const failed = answers.length - answered.length;
    const failure = answers.find((answer) => answer.error !== null)?.error ?? '';
    if (answered.length === 0) {
      result.textContent = t('burstFailed', { n: BURST_SIZE, error: failure });
      return;
    }
    let { before, after, rise, copies } = measureRise(answered);
    const redis = answered.some((answer) => answer.store === 'redis');
    if (redis) {
      // One shared session: its count read now is exact (a slower write may have undone the highest).
      const now = await readCount();
      if (now !== null) {
        after = now.visits;
        rise = after - before;
        copies = new Map([[now.instance, now.visits]]);
      }
    }
    const lost = answered.length - rise;
    const parts = [
      t(copies.size > 1 ? 'burstRoseCopies' : 'burstRose', {
        n: BURST_SIZE,
        answered: answered.length,
        before,
        after,
        rise,
        copies: copies.size,
      }),
      lost > 0 ? counted('burstLostOne', 'burstLostOther', lost) : t('burstNoneLost'),
    ];
    if (failed > 0) parts.push(counted('burstFailuresOne', 'burstFailuresOther', failed, failure));
    result.textContent = parts.join(' ');
    result.classList.toggle('lost', lost > 0);
    /** @type {Map<string, number>} */
    const highest = new Map();
    for (const { instance, visits } of answered) {
      const key = instance ?? '?';
      highest.set(key, Math.max(highest.get(key) ?? 0, visits ?? 0));
    }
    noteBurst(answered.length, highest, copies);
  } finally {
    button.disabled = false;
  }
}

/** The session's count, read without counting a visit. @returns {Promise<{ instance: string, visits: number } | null>} */
async function readCount() {
  const answer = await readSessionAnswer();
  if (!answer?.response.ok) return null;
  return { instance: String(answer.data['instance']), visits: Number(answer.data['visits']) };
}

/** Wires the burst button. */
export function setUpBurst() {
  byId('burst').addEventListener('click', () => void burst());
}
