// @ts-check
/**
 * How long the learner's session has before it expires (`expiresInSeconds` of
 * `GET /api/session`: the key's TTL in Redis, the MemoryStore's expiry in memory, `null` when the
 * store holds no such session), and a way to start a new one. No store pushes the expiry back
 * (the app's session-store.js), so the page reads it once and counts down by itself; it reads
 * again when a session starts and when the countdown ends, not every second (a request each).
 */
import { byId, readJson, t, timeText } from './format.js';
import { appRequest, forgetSession, onVisitAnswered, readSessionAnswer } from './session.js';

/**
 * The last reading: how many seconds were left (`null`: the store holds no such session), when,
 * which instance answered and from which store; `null` before any reading.
 * @type {{ seconds: number | null, at: number, instance: string, store: string } | null}
 */
let reading = null;
/** Whether the countdown has already asked the store again at zero. */
let checkedAtZero = false;
let reads = 0;

/** Seconds as the readout shows them: `0:42`, `23:59:58`. @param {number} seconds */
export function durationText(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** @param {Record<string, unknown>} data an answer of `/api/session` */
function readingOf(data) {
  const seconds = data['expiresInSeconds'];
  return {
    seconds: typeof seconds === 'number' ? seconds : null,
    at: Date.now(),
    instance: String(data['instance']),
    store: String(data['store']),
  };
}

/** Asks the app how long the session has left and shows it. */
export async function readExpiry() {
  const mine = ++reads;
  const answer = await readSessionAnswer();
  if (!answer) return;
  const { response, data } = answer;
  // A slower answer to an older reading must not undo a newer one.
  if (mine !== reads || !response.ok) return;
  const had = reading;
  reading = readingOf(data);
  checkedAtZero = false;
  // The store held the session at the last reading and no longer does: it expired. With memory
  // sessions only the instance that held it can tell: another never had this copy.
  const sameStore = had?.store === 'redis' || had?.instance === reading.instance;
  if (had?.seconds != null && reading.seconds === null && sameStore) {
    forgetSession('sessionExpired');
  }
  render();
}

/** Shows what is left of the session, counted down from the last reading. */
function render() {
  const figure = byId('session-expires');
  const note = byId('expiry-note');
  if (reading === null) {
    figure.textContent = '–';
    note.textContent = '';
    return;
  }
  if (reading.seconds === null) {
    figure.textContent = t('expiresNone');
    note.textContent = t(reading.store === 'redis' ? 'expiryNoneRedis' : 'expiryNoneMemory', {
      instance: reading.instance,
    });
    return;
  }
  const left = reading.seconds - (Date.now() - reading.at) / 1000;
  figure.textContent = durationText(left);
  note.textContent = t(reading.store === 'redis' ? 'expiryFromRedis' : 'expiryFromMemory', {
    instance: reading.instance,
    time: timeText(reading.at),
  });
  if (left <= 0 && !checkedAtZero) {
    // The countdown is over: what does the store say now? Redis answers -2 once the key is gone.
    checkedAtZero = true;
    void readExpiry();
  }
}

/** Ends the session (`DELETE /api/session`): the next visit starts a new one. */
async function newSession() {
  try {
    const { response } = await appRequest('DELETE', 'api/session');
    const data = await readJson(response);
    if (!response.ok) return;
    // The answer says what is left (nothing): no need to ask the store again.
    reading = readingOf(data);
    forgetSession('sessionEnded');
    render();
  } catch {
    // The figures stay as they were; the next visit says whether the lab answers.
  }
}

/** Wires the readout: a first reading, a tick a second, a new reading when a session starts. */
export function setUpExpiry() {
  byId('new-session').addEventListener('click', () => void newSession());
  // A count of 1 is a session that has just started, with the lifetime configured now.
  onVisitAnswered((visits) => {
    if (visits === 1 || reading?.seconds == null) void readExpiry();
  });
  setInterval(render, 1000);
  void readExpiry();
}
