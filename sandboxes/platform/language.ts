/**
 * The lab's two languages, and how each message it shows picks one.
 *
 * The pattern, for every sentence the platform writes for a person: write it once in both
 * languages where it is made, as a `Localized` pair (`{ fr: '…', en: '…' }`), and choose the
 * language at the last moment, where it is shown. A control API answer takes the request's
 * `Accept-Language` (the dashboard sends its page's language), else the lab's `LAB_LANG`; what
 * the lab prints takes `LAB_LANG`; the dashboard takes its page's language. Lines that programs
 * read (lines.ts) and codes such as a rollout's `reason` never change with the language.
 */
import { messageOf } from './errors.ts';
import type { LabLanguage } from './types.ts';

/** The languages the lab speaks: French (the default) and English (`LAB_LANG`, see types.ts). */
export type Lang = LabLanguage;

/** One sentence for a person, in both languages. */
export type Localized = Readonly<Record<Lang, string>>;

/** The language a locale or language tag names (`fr_FR.UTF-8`, `en-GB`, `fr`), or null. */
export function languageOfTag(tag: string | undefined): Lang | null {
  const primary = (tag ?? '')
    .trim()
    .toLowerCase()
    .split(/[-_.@]/)[0];
  return primary === 'fr' || primary === 'en' ? primary : null;
}

/**
 * The lab's language from its environment: `LAB_LANG`, else the system's locale (`LC_ALL`,
 * `LC_MESSAGES`, `LANG`, in POSIX's order), else French. A `LAB_LANG` that is neither `fr` nor
 * `en` is ignored here; config.ts refuses it when the lab starts.
 */
export function labLanguage(env: NodeJS.ProcessEnv = process.env): Lang {
  const asked = languageOfTag(env['LAB_LANG']);
  if (asked) return asked;
  // The first locale variable that is set decides, as it does for any program: C.UTF-8 or
  // de_DE say "not French, not English", which leaves the course's default.
  const locale = env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'];
  return languageOfTag(locale) ?? 'fr';
}

/**
 * The language an `Accept-Language` header prefers among the lab's, or null when it names
 * neither (no header, `*`, another language). A higher weight wins; on a tie, the first.
 */
export function acceptedLanguage(header: string | undefined): Lang | null {
  let best: Lang | null = null;
  let bestWeight = 0;
  for (const part of (header ?? '').split(',')) {
    const [tag = '', ...params] = part.split(';').map((piece) => piece.trim());
    const lang = languageOfTag(tag);
    if (lang === null) continue;
    let weight = 1;
    for (const param of params) {
      const match = /^q=([0-9.]+)$/i.exec(param);
      if (match?.[1] !== undefined) weight = Number(match[1]);
    }
    if (Number.isFinite(weight) && weight > bestWeight) {
      best = lang;
      bestWeight = weight;
    }
  }
  return best;
}

/** The language to answer a request in: its `Accept-Language`, else the lab's own. */
export function requestLanguage(header: string | undefined, fallback: Lang): Lang {
  return acceptedLanguage(header) ?? fallback;
}

/**
 * An error whose message exists in both languages. Its `message` is the lab's language (for
 * logs and for code that only knows `Error`); `text(lang)` gives either one.
 */
export class LocalizedError extends Error {
  readonly texts: Localized;
  constructor(texts: string | Localized, lang: Lang = labLanguage()) {
    const both = typeof texts === 'string' ? { fr: texts, en: texts } : texts;
    super(both[lang]);
    this.texts = both;
  }

  /** The message in one language. */
  text(lang: Lang): string {
    return this.texts[lang];
  }
}

/** The message of anything thrown, in `lang` when it was written in both. */
export function textOf(error: unknown, lang: Lang): string {
  return error instanceof LocalizedError ? error.text(lang) : messageOf(error);
}

/** Joins pairs and plain text into one pair, piece by piece (e.g. a cause and what follows). */
export function joinLocalized(...pieces: (string | Localized)[]): Localized {
  const pick = (lang: Lang): string =>
    pieces.map((piece) => (typeof piece === 'string' ? piece : piece[lang])).join('');
  return { fr: pick('fr'), en: pick('en') };
}
