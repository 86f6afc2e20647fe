import { defineCollection } from 'astro:content';
import { z } from 'astro/zod';
import type { Loader } from 'astro/loaders';
import { glob } from 'astro/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { SANDBOX_KEYS, type SandboxKey } from './sandbox/strings.ts';

/** Where authors write: outside `src/`, so that writing a lesson never means touching the site. */
const CONTENT_DIR = 'content';

/**
 * Loads `content/i18n/{fr,en}.json` as entries named after their language.
 *
 * Starlight finds a language's UI strings by the entry's file path relative to `src/content/i18n`,
 * which our files do not live under. An entry without a file path is found by its id instead, so
 * this loader stores each file under its language code and leaves the file path out.
 */
function i18nFolderLoader(directory: string): Loader {
  return {
    name: 'course-i18n-loader',
    async load({ store, parseData, watcher, config }) {
      const folder = new URL(`${directory}/`, config.root);
      const sync = async () => {
        store.clear();
        for (const file of await readdir(folder)) {
          if (extname(file) !== '.json') continue;
          const id = basename(file, '.json');
          const text = await readFile(new URL(file, folder), 'utf8');
          const data = await parseData({ id, data: JSON.parse(text) as Record<string, unknown> });
          store.set({ id, data });
        }
      };
      await sync();
      // In `astro dev`, an edited string shows up without a restart.
      watcher?.add(join(folder.pathname));
      watcher?.on('change', (path) => {
        if (path.startsWith(folder.pathname)) void sync();
      });
    },
  };
}

export const collections = {
  docs: defineCollection({
    // Lessons are mirrored in `content/docs/fr/` and `content/docs/en/`; the folder is the locale.
    loader: glob({ base: `${CONTENT_DIR}/docs`, pattern: '**/[^_]*.{md,mdx}' }),
    schema: docsSchema(),
  }),
  i18n: defineCollection({
    loader: i18nFolderLoader(`${CONTENT_DIR}/i18n`),
    schema: i18nSchema({
      // Strings of our own, beside Starlight's: the lab host reads them to speak the reader's language.
      extend: z.object({
        // The sandbox's strings, listed in one place (src/sandbox/strings.ts).
        ...(Object.fromEntries(SANDBOX_KEYS.map((key) => [key, z.string()])) as Record<
          SandboxKey,
          z.ZodString
        >),
        'lab.start': z.string(),
        'lab.starting': z.string(),
        'lab.unavailable': z.string(),
        'lab.runLocally': z.string(),
        // The Quiz component's strings: its button, hints, verdicts and the no-script fallback.
        'quiz.check': z.string(),
        'quiz.hintSingle': z.string(),
        'quiz.hintMultiple': z.string(),
        'quiz.empty': z.string(),
        'quiz.correct': z.string(),
        'quiz.partial': z.string(),
        'quiz.incorrect': z.string(),
        'quiz.isCorrect': z.string(),
        'quiz.isWrong': z.string(),
        'quiz.showAnswers': z.string(),
      }),
    }),
  }),
};
