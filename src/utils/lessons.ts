import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Pages that the sidebar places by hand, around the lessons: the home page first, then the
 * instructor's guide and the lab reference in groups of their own (they are not lessons), About last.
 */
const FIXED_PAGES = new Set(['index', 'instructor-guide', 'lab-reference', 'about']);

/** File extensions that Starlight reads as pages. */
const PAGE_EXTENSION = /\.(md|mdx)$/;

/**
 * Lists the lesson slugs of one language folder, sorted by path, so that a lesson appears in the
 * sidebar as soon as its file exists and its number prefix (`01-…`, `02-…`) sets its place.
 */
export function listLessonSlugs(languageDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(languageDir, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    // A language folder that does not exist yet simply has no lessons.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => PAGE_EXTENSION.test(entry))
    .map((entry) =>
      relative(languageDir, join(languageDir, entry))
        .split(sep)
        .join('/')
        .replace(PAGE_EXTENSION, ''),
    )
    .filter(
      (slug) => !FIXED_PAGES.has(slug) && !slug.split('/').some((part) => part.startsWith('_')),
    )
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Lists the page files (relative paths) of one language folder, to compare two languages. */
export function listPageFiles(languageDir: string): string[] {
  return readdirSync(languageDir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => PAGE_EXTENSION.test(entry))
    .map((entry) => entry.split(sep).join('/'))
    .sort();
}
