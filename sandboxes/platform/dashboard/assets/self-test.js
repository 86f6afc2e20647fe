// @ts-check
/**
 * The dashboard's part of the lab's self-test: whether this browser sends the lab's cookie
 * back. Only the browser can tell, so the lab asks the dashboard: round 1 sets a cookie, round 2
 * says whether it came back, and the lab records the finding in its report.
 */
import { readJson } from './format.js';

let asked = false;

/**
 * Runs the cookie test once per page, when the lab is framed or runs a self-test.
 * @param {import('../../types.ts').LabState} state
 * @returns {Promise<boolean | null>} whether the cookie came back; null when not run or unknown
 */
export async function testCookieOnce(state) {
  if (asked || (!state.framed && (state.selfTest ?? null) === null)) return null;
  asked = true;
  try {
    /** @type {unknown} */
    let returned = null;
    for (const round of [1, 2]) {
      const response = await fetch(`lab/cookie-test?round=${round}`, { cache: 'no-store' });
      if (!response.ok) return null;
      returned = (await readJson(response))['returned'];
    }
    return typeof returned === 'boolean' ? returned : null;
  } catch {
    // The lab will report the cookie as still pending; nothing else depends on it.
    return null;
  }
}
