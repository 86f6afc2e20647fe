import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listPageFiles } from '../../src/utils/lessons.ts';

const LANGUAGES = ['fr', 'en'] as const;
type Lang = (typeof LANGUAGES)[number];

/** The sections every lesson of this part of the course has, by their heading in each language. */
const REQUIRED_SECTIONS: Record<Lang, string[]> = {
  fr: ['Objectifs', 'Expérience guidée', 'Quiz', 'À retenir'],
  en: ['Objectives', 'Guided experiment', 'Quiz', 'What to remember'],
};

/** Lessons 1 to 4, which embed the sessions lab and follow the sections above. */
const SESSIONS_LESSONS = [
  '01-factor.mdx',
  '02-memory-sessions.mdx',
  '03-redis-sessions.mdx',
  '04-sticky-sessions.mdx',
];

// Where the live lab sits in each of these lessons: its embed, in the guided experiment.
const LAB_MARKER = '<Sandbox lab="sessions" />';

const read = (lang: Lang, file: string) => readFileSync(`content/docs/${lang}/${file}`, 'utf8');

/** The `##` and `###` headings of an MDX page, outside code fences, as `[level, text]`. */
function headings(source: string): [number, string][] {
  const found: [number, string][] = [];
  let inFence = false;
  for (const line of source.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const match = inFence ? null : /^(#{2,3})\s+(.+?)\s*$/.exec(line);
    if (match) found.push([match[1]!.length, match[2]!]);
  }
  return found;
}

/** A glossary term as a pattern that also matches its plural ("sessions collantes"). */
function termPattern(term: string): RegExp {
  const words = term.split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(
    `(?<![\\p{L}])${words.map((word) => `${word}[sx]?`).join('\\s+')}(?![\\p{L}])`,
    'iu',
  );
}

const pages = listPageFiles('content/docs/fr');
const lessons = pages.filter((file) => /^\d+-/.test(file));

describe('every page in both languages', () => {
  it('has the lessons 1 to 4 and the glossary', () => {
    for (const lang of LANGUAGES) {
      const files = listPageFiles(`content/docs/${lang}`);
      for (const file of [...SESSIONS_LESSONS, 'glossary.mdx']) expect(files).toContain(file);
    }
  });

  it.each(pages)('%s has the same heading levels in French and English', (file) => {
    const levels = (lang: Lang) => headings(read(lang, file)).map(([level]) => level);
    expect(levels('en')).toEqual(levels('fr'));
  });
});

describe('lessons', () => {
  it.each(lessons)('%s has at least one quiz in each language', (file) => {
    for (const lang of LANGUAGES) expect(read(lang, file)).toMatch(/<Quiz\b/);
  });

  it.each(SESSIONS_LESSONS)(
    '%s has objectives, a guided experiment with the lab, a quiz and what to remember',
    (file) => {
      for (const lang of LANGUAGES) {
        const source = read(lang, file);
        const sections = headings(source)
          .filter(([level]) => level === 2)
          .map(([, text]) => text);
        const required = REQUIRED_SECTIONS[lang];
        // In this order, with the explanation between the objectives and the experiment.
        expect(sections.filter((text) => required.includes(text))).toEqual(required);
        expect(sections[0]).toBe(required[0]);
        expect(sections.at(-1)).toBe(required[3]);
        // Exactly one place for the live lab, inside the experiment section.
        const lines = source.split('\n');
        expect(lines.filter((line) => line === LAB_MARKER)).toHaveLength(1);
        const experiment = source.slice(source.indexOf(`## ${required[1]}`));
        expect(experiment.slice(0, experiment.indexOf(`## ${required[2]}`))).toContain(LAB_MARKER);
        // The page must read well without the embedded lab: it says how to run it locally.
        expect(source).toContain('npm run lab');
        expect((source.match(/<Quiz\b/g) ?? []).length).toBeGreaterThanOrEqual(2);
        expect((source.match(/<Quiz\b/g) ?? []).length).toBeLessThanOrEqual(4);
      }
    },
  );
});

describe('glossary', () => {
  for (const lang of LANGUAGES) {
    const terms = headings(read(lang, 'glossary.mdx'))
      .filter(([level]) => level === 2)
      .map(([, text]) => text);
    const lessonText = SESSIONS_LESSONS.map((file) => read(lang, file)).join('\n');

    it(`defines the course's terms (${lang})`, () => {
      expect(terms.length).toBeGreaterThanOrEqual(12);
    });

    it.each(terms)(`"%s" is used in lessons 1 to 4 (${lang})`, (term) => {
      expect(lessonText).toMatch(termPattern(term));
    });
  }
});
