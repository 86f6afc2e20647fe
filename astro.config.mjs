// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { listLessonSlugs } from './src/utils/lessons.ts';
import { isolationHeaders } from './src/utils/isolation.ts';
import { labs } from './src/integrations/labs.ts';
import { coiServiceWorker, coiServiceWorkerHead } from './src/integrations/coi-serviceworker.ts';
import { deferredCodeBlocksHead } from './src/integrations/deferred-code-blocks.ts';
import { fasterTocObserve } from './src/integrations/toc-observe.ts';
import { searchOnDemand } from './src/integrations/search-on-demand.ts';

// The sidebar lists every lesson found in the French folder; English mirrors it file by file, and
// Starlight shows each slug's title in the reader's language.
const lessons = listLessonSlugs(new URL('./content/docs/fr/', import.meta.url).pathname);

// The path the site is served under. Where a host cannot send the isolation headers, a service
// worker served at this path's root adds them (src/integrations/coi-serviceworker.ts), and its
// scope is that folder: the pages load it from here, so its file and its scope follow this value.
const base = '/';

// Expressive Code's own strings (the copy button, the label read out for a terminal frame) come
// from Starlight's UI strings, which it reads while the config is set up from `src/content/i18n/`:
// our strings live in `content/i18n/`, so English had none of its own and fell back to the default
// language, and English pages announced every terminal as "Fenêtre de terminal". This small
// Starlight plugin hands over the English strings; French already has them built in.
/** @type {import('@astrojs/starlight/types').StarlightPlugin} */
const englishCodeFrameStrings = {
  name: 'course-code-frame-strings',
  hooks: {
    'i18n:setup': ({ injectTranslations }) => {
      injectTranslations({
        en: {
          'expressiveCode.copyButtonCopied': 'Copied!',
          'expressiveCode.copyButtonTooltip': 'Copy to clipboard',
          'expressiveCode.terminalWindowFallbackTitle': 'Terminal window',
        },
      });
    },
    // Starlight requires this hook of every plugin; there is nothing to configure.
    'config:setup': () => {},
  },
};

export default defineConfig({
  base,
  // Both languages live under their own prefix (`/fr/…`, `/en/…`) so that `content/docs/fr/` and
  // `content/docs/en/` mirror each other exactly; a French "root" locale would instead put French
  // pages at the top of `content/docs/`. `/` then has no page of its own and redirects to the
  // default language: Astro writes a small redirecting page for static hosts, and `_redirects`
  // and `vercel.json` turn it into a real HTTP redirect where the host supports it.
  redirects: { '/': '/fr/' },
  // COOP + COEP (see src/utils/isolation.ts), applied by both `astro dev` and `astro preview`;
  // Vite's own `server.headers` would miss the pages in dev.
  server: { headers: isolationHeaders },
  // The table of contents finds what to watch with a cheaper walk (see the module).
  vite: { plugins: [fasterTocObserve(), searchOnDemand()] },
  integrations: [
    labs(),
    coiServiceWorker(base),
    starlight({
      title: { fr: 'Processus sans état', en: 'Stateless processes' },
      favicon: '/favicon.svg',
      // A few bytes in every page that isolate it through the service worker where the headers
      // are missing, and do nothing where they are present.
      // Code blocks out of sight are rendered after the page is up (see the module).
      head: [coiServiceWorkerHead(base), ...deferredCodeBlocksHead()],
      // Long lines wrap instead of scrolling: a scrolling code block becomes an unnamed landmark
      // region, and two on a page fail axe's landmark-unique rule.
      expressiveCode: {
        defaultProps: { wrap: true },
        // Expressive Code resets every element of a block with `all: revert`, which makes the
        // browser work out each of its hundreds of properties for each span of code: half the
        // style work of a page full of code. Inside a block's frame (`not-content`), Starlight's
        // text styles do not apply anyway.
        useStyleReset: false,
        // Starlight finds a code block's language from its file's path under `src/content/docs/`;
        // our pages live in `content/docs/`, so every block fell back to French and English pages
        // announced their terminal frames as "Fenêtre de terminal". The page's URL (for blocks
        // rendered by a component) or the locale folder in the file's path says which language it is.
        getBlockLocale: ({ file }) => {
          const where = file.url && file.url.protocol !== 'file:' ? file.url.pathname : file.path;
          return /(^|[\\/])en[\\/]/.test(where ?? '') ? 'en' : 'fr';
        },
      },
      plugins: [englishCodeFrameStrings],
      components: { Search: './src/components/Search.astro' },
      defaultLocale: 'fr',
      locales: {
        fr: { label: 'Français', lang: 'fr' },
        en: { label: 'English', lang: 'en' },
      },
      sidebar: [
        {
          label: 'Le cours',
          translations: { en: 'The course' },
          items: [{ slug: 'index', label: 'Accueil', translations: { en: 'Home' } }],
        },
        // An empty group would render an empty list, so the group appears with its first lesson.
        ...(lessons.length > 0
          ? [
              {
                label: 'Leçons',
                translations: { en: 'Lessons' },
                items: lessons.map((slug) => ({ slug })),
              },
            ]
          : []),
        // Pages for those who run the course or script the lab, kept apart from the lessons.
        {
          label: 'Pour les formateurs',
          translations: { en: 'For instructors' },
          items: [{ slug: 'instructor-guide' }],
        },
        {
          label: 'Référence',
          translations: { en: 'Reference' },
          items: [{ slug: 'lab-reference' }],
        },
        {
          label: 'À propos',
          translations: { en: 'About' },
          items: [
            {
              slug: 'about',
              label: 'Sources et licences',
              translations: { en: 'Sources and licences' },
            },
          ],
        },
      ],
    }),
  ],
});
