// @ts-check
/**
 * How the learner's session travels between this page and the app: in a cookie, as any web
 * app's would, or in a header that this script carries itself.
 *
 * The header exists for one case: the dashboard shown in a frame of another site (WebContainer's
 * preview) by a browser that blocks third-party cookies. Such a browser takes the session
 * cookie and never sends it back, so every visit would start a new session and the lab would
 * seem to lose sessions that the app never had. The balancer tells us what happened to each
 * request in `X-Lab-Cookie`: `sent` (the cookie came with it), `new` (it came without one and
 * the app started a session) or `none`. One `new` is a first visit; two in a row mean the
 * cookie does not come back. From then on the script asks for a session in `X-Lab-Session`
 * (empty), keeps the value the answer carries in the same header, and sends it on every later
 * app request; the balancer turns it into the cookie the app reads, so the app is unchanged.
 */

/** The request and response header that carries the session, and the balancer's report. */
const SESSION_HEADER = 'X-Lab-Session';
const COOKIE_REPORT = 'X-Lab-Cookie';
/** Where the header's value is kept, so that a reload of this tab keeps its session. */
const STORAGE_KEY = 'lab.session-header';

/**
 * What one app answer says about the session.
 * - `cookie`: the balancer's `X-Lab-Cookie`, or null from a lab that does not send it;
 * - `fresh`: no session reached the app, so the app started one and nothing kept can be lost;
 * - `refused`: this answer showed that the browser does not send the cookie back.
 * @typedef {{ cookie: 'sent' | 'new' | 'none' | null, fresh: boolean, refused: boolean }} Carried
 */

/** @typedef {'cookie' | 'header'} CarrierMode */

/** @type {CarrierMode} */
let mode = 'cookie';
/** The session's cookie value, in header mode; null until the lab has given one. */
/** @type {string | null} */
let value = null;
/** How many app answers in a row said `new` while the session travelled in the cookie. */
let newInARow = 0;
/** @type {Array<(mode: CarrierMode) => void>} */
const listeners = [];

// A frame whose browser blocks third-party cookies may block its storage too: then the
// session lives in this page's memory only, and a reload starts a new one.
function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Takes up a session that this tab carried in a header before a reload. */
function restore() {
  try {
    const kept = storage()?.getItem(STORAGE_KEY);
    if (kept === null || kept === undefined) return;
    mode = 'header';
    value = kept === '' ? null : kept;
  } catch {
    // Unreadable storage: start in cookie mode, which detects the refused cookie again.
  }
}

function persist() {
  try {
    storage()?.setItem(STORAGE_KEY, value ?? '');
  } catch {
    // The value stays in memory.
  }
}

/** How the session travels now. */
export function carrierMode() {
  return mode;
}

/**
 * Calls `listener` whenever the way the session travels changes.
 * @param {(mode: CarrierMode) => void} listener
 */
export function onCarrierChange(listener) {
  listeners.push(listener);
}

/**
 * Switches to carrying the session in the header: the next app request asks for a new session.
 * @returns {boolean} whether this changed anything
 */
export function carryInHeader() {
  if (mode === 'header') return false;
  mode = 'header';
  value = null;
  persist();
  for (const listener of listeners) listener(mode);
  return true;
}

/**
 * What an app request adds so that its session travels: its headers, and whether it asks for a
 * new session (an empty header, whose answer carries the new session's value).
 * @typedef {{ headers: Record<string, string>, asksForNew: boolean }} Prepared
 */

/**
 * Prepares an app request (`api/visit`, `api/session`) so that its session travels.
 * @returns {Prepared}
 */
export function prepareRequest() {
  if (mode === 'cookie') return { headers: {}, asksForNew: false };
  return { headers: { [SESSION_HEADER]: value ?? '' }, asksForNew: value === null };
}

/**
 * Reads what an app answer says about the session, keeps a value it carries, and notices a
 * cookie that the browser does not send back.
 * @param {Response} response
 * @param {Prepared} prepared what the request carried
 * @returns {Carried}
 */
export function readAnswer(response, prepared) {
  const report = response.headers.get(COOKIE_REPORT);
  const cookie = report === 'sent' || report === 'new' || report === 'none' ? report : null;
  if (mode === 'header') {
    // `X-Lab-Cookie` speaks of the cookie only, which this browser never sends: in a header,
    // the session is new only when this request asked for a new one.
    // The app may start a new session for any request (an instance that lost it, with memory
    // sessions): keep whatever value comes back, as a browser keeps the last cookie it got.
    const carried = response.headers.get(SESSION_HEADER);
    if (carried) {
      value = carried;
      persist();
    }
    return { cookie, fresh: prepared.asksForNew, refused: false };
  }
  if (cookie === 'new') newInARow += 1;
  else if (cookie === 'sent') newInARow = 0;
  const refused = newInARow >= 2;
  if (refused) carryInHeader();
  return { cookie, fresh: cookie === 'new', refused };
}

restore();
