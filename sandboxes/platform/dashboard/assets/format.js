// @ts-check
/**
 * What every module of the dashboard shares: the page's strings, their formatting, and a few
 * small helpers to find and make elements.
 *
 * The strings come from the JSON block that the server renders into the page, in the page's
 * language, so the script itself holds no text a reader sees.
 */

/** Each instance keeps one of this many colours for its whole life. */
const PALETTE_SIZE = 8;

/**
 * Finds an element that the server-rendered page must have.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The dashboard page has no #${id}`);
  return element;
}

/** The page's language, as the server chose it. */
export const lang = document.documentElement.lang;

/** @type {Record<string, string>} */
const strings = JSON.parse(byId('lab-strings').textContent ?? '{}');
const plural = new Intl.PluralRules(lang);

/**
 * Looks a string up and fills its `{placeholders}`.
 * @param {string} key
 * @param {Record<string, string | number | null>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  return (strings[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? '?'));
}

/**
 * "1 visit", "2 visits", with the plural rules of the page's language.
 * @param {number} n
 */
export function visitsText(n) {
  return t(plural.select(n) === 'one' ? 'visitsOne' : 'visitsOther', { n });
}

/**
 * A time of day in the page's language, for the log and the timeline.
 * @param {number} at milliseconds since the epoch
 */
export function timeText(at) {
  return new Date(at).toLocaleTimeString(lang);
}

/**
 * Creates an element with a class and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * A rollout's reason in the page's language. The lab sends it as a code in English that tools
 * read (`replace requested`, `the app files changed`, `session store: memory → redis`); any
 * other reason, from a newer lab, is shown as it came.
 * @param {string} reason
 * @returns {string}
 */
export function rolloutReasonText(reason) {
  // A change of several settings gives their reasons one after another.
  if (reason.includes(', ')) return reason.split(', ').map(rolloutReasonText).join(', ');
  if (reason === 'replace requested') return t('reasonReplace');
  if (reason === 'the app files changed') return t('reasonEdit');
  const store = /^session store: (\w+) → (\w+)$/.exec(reason);
  if (store) return t('reasonStore', { from: store[1] ?? '', to: store[2] ?? '' });
  const maxAge = /^session max age: (\d+) s → (\d+) s$/.exec(reason);
  if (maxAge) return t('reasonMaxAge', { from: maxAge[1] ?? '', to: maxAge[2] ?? '' });
  return reason;
}

/**
 * A sentence the lab wrote in both languages (`{fr, en}`), in the page's; else the one it has.
 * @param {{ fr: string, en: string } | undefined} both
 * @param {string} fallback
 */
export function inPageLanguage(both, fallback) {
  return (lang === 'en' ? both?.en : both?.fr) ?? fallback;
}

/**
 * Text that screen readers read and that the eye does not see, for what a colour or a symbol shows.
 * @param {string} text
 */
export function hiddenText(text) {
  return el('span', 'visually-hidden', text);
}

// The id is always written next to the colour, so the colour only helps and never carries
// meaning alone.
/** @type {Map<string, number>} */
const colours = new Map();

/**
 * The colour class of an instance, the same for its whole life; `cx` when no instance answered.
 * @param {string | null} id
 */
export function colourClass(id) {
  if (id === null) return 'cx';
  let index = colours.get(id);
  if (index === undefined) {
    index = colours.size % PALETTE_SIZE;
    colours.set(id, index);
  }
  return `c${index}`;
}

/**
 * Reads a JSON answer; an answer that is not JSON reads as an empty object.
 * @param {Response} response
 * @returns {Promise<Record<string, unknown>>}
 */
export async function readJson(response) {
  try {
    const data = await response.json();
    return data !== null && typeof data === 'object' ? data : {};
  } catch {
    return {};
  }
}

/**
 * The error an answer explains itself with, or its HTTP status in words.
 * @param {Response} response
 * @param {Record<string, unknown>} data the answer's JSON
 */
export function errorOf(response, data) {
  return typeof data['error'] === 'string'
    ? data['error']
    : t('httpStatus', { status: response.status });
}
