import type { Plugin } from 'vite';

/**
 * Starlight builds its search box (Pagefind's interface: 94 KB of script, then a form and its
 * styles) in the first idle moment after every page loads, whether or not the reader ever
 * searches. On the phone Lighthouse imitates, that idle moment falls inside the page's first
 * seconds and was counted as blocking time (a 70 to 225 ms task on the lessons).
 *
 * This Vite plugin changes Starlight's script, at build time, so that the interface is built when
 * the reader first reaches for it: on the first pointer over, touch of, or focus on the search
 * button (which gives it a head start before the click), or when the dialog opens (the button or
 * Ctrl/Cmd+K). The dialog opens at once, with a plain field that takes what the reader types until
 * Pagefind's own is there (see STAND_IN). Searching
 * itself is unchanged: Pagefind still fetches its index on the first query.
 *
 * If Starlight's code changes, the build stops and says so, as src/integrations/toc-observe.ts
 * does, rather than shipping a search that never loads.
 */

/**
 * The module of Starlight's `<site-search>` element's script, as Vite names it: the dev server puts
 * a version first in the query (`Search.astro?v=28318870&astro&type=script…`), a build does not.
 */
const SEARCH_MODULE =
  /@astrojs[\\/]starlight[\\/].*components[\\/]Search\.astro\?(?:v=\w+&)?astro&type=script&index=0&lang\.ts$/;

/**
 * Where Starlight 0.42 builds the interface: on DOMContentLoaded, then the first idle moment. The
 * patterns take either quote, since Astro prints a component's script again before Vite sees it.
 */
const ON_IDLE =
  /window\.addEventListener\(['"]DOMContentLoaded['"], \(\) => \{\s*if \(import\.meta\.env\.DEV\) return;\s*const onIdle = window\.requestIdleCallback \|\| \(\(cb\) => setTimeout\(cb, 1\)\);\s*onIdle\(async \(\) => \{([\s\S]*new PagefindUI\(\{[\s\S]*)\}\);\s*\}\);(\s*\}\s*\}\s*customElements\.define\(['"]site-search['"])/;

/** The statement of Starlight's `openModal` that focuses the field, which may not exist yet. */
const FOCUS = /(dialog\.showModal\(\);[\s\S]*?)this\.querySelector\(['"]input['"]\)\?\.focus\(\);/;

/** The line after which the button's listeners are added. */
const OPEN_BUTTON = /openBtn\.addEventListener\(['"]click['"], openModal\);/;

/**
 * Added to Starlight's module. While the box is being built, the dialog holds a plain field in its
 * place, focused at once (in the click's own turn, so that a phone opens its keyboard): what the
 * reader types there, accents and all, moves to Pagefind's field when it exists, with the `input`
 * event Pagefind listens to, and the focus with it. Ctrl+K followed at once by a word loses no
 * letter. The label is Starlight's own, in the page's language.
 */
const STAND_IN = `function courseSearchStandIn(dialog, root, built) {
  const box = root.querySelector('#starlight__search');
  if (!box || box.querySelector('input:not([data-course-stand-in])')) return;
  let field = box.querySelector('input[data-course-stand-in]');
  if (!field) {
    field = document.createElement('input');
    field.type = 'text';
    field.dataset.courseStandIn = '';
    field.className = 'pagefind-ui__search-input';
    let label = '';
    try {
      label = JSON.parse(root.dataset.translations || '{}').placeholder || '';
    } catch {}
    field.placeholder = label;
    if (label) field.setAttribute('aria-label', label);
    // Pagefind's field's measures, so that the real one takes its place without a jump.
    field.style.cssText =
      'box-sizing:border-box;width:calc(100% - var(--sl-search-cancel-space, 0px));' +
      'appearance:none;font:inherit;' +
      'height:calc(64px * var(--pagefind-ui-scale));font-size:calc(21px * var(--pagefind-ui-scale));' +
      'padding:0 calc(70px * var(--pagefind-ui-scale)) 0 calc(54px * var(--pagefind-ui-scale));' +
      'border:var(--pagefind-ui-border-width) solid var(--pagefind-ui-border);' +
      'border-radius:var(--pagefind-ui-border-radius);background:var(--pagefind-ui-background)';
    box.prepend(field);
  }
  field.focus();
  const stop = () => field.isConnected && field.remove();
  built.then(
    () => {
      const input = box.querySelector('input:not([data-course-stand-in])');
      const typed = field.value;
      const hadFocus = document.activeElement === field;
      stop();
      if (!input) return;
      if (typed) {
        input.value = typed;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      if (dialog.open && (hadFocus || !(document.activeElement instanceof HTMLInputElement))) input.focus();
    },
    (error) => {
      stop();
      console.error('The search could not be loaded:', error);
    },
  );
}
`;

export function searchOnDemand(): Plugin {
  return {
    name: 'course-search-on-demand',
    enforce: 'pre',
    transform(code, id, options) {
      // The dev server also loads the module for server rendering, where Astro gives it an empty
      // placeholder ("client script, empty in SSR"): only the browser's copy holds the code.
      if (options?.ssr || !SEARCH_MODULE.test(id)) return null;
      const missing = [ON_IDLE, FOCUS, OPEN_BUTTON].filter((pattern) => !pattern.test(code));
      if (missing.length > 0) {
        throw new Error(
          `${id}: Starlight's search no longer holds the code src/integrations/search-on-demand.ts ` +
            'changes; check what Starlight does now, then update or remove the plugin.',
        );
      }
      const changed =
        STAND_IN +
        code
          // Built once, on first need; the promise says when the field exists. A build that failed
          // (the script could not be fetched) is tried again at the next opening.
          .replace(
            ON_IDLE,
            (_all, build: string, end: string) =>
              'let searchBuilt;\n' +
              'const buildSearch = () => (searchBuilt ??= import.meta.env.DEV ? Promise.resolve() : (async () => {' +
              build +
              '})().catch((error) => { searchBuilt = undefined; throw error; }));' +
              end,
          )
          .replace(
            FOCUS,
            (_all, before: string) =>
              before +
              "this.querySelector('input')?.focus();\ncourseSearchStandIn(dialog, this, buildSearch());",
          )
          .replace(
            OPEN_BUTTON,
            (line) =>
              line +
              "\nfor (const type of ['pointerenter', 'touchstart', 'focus']) openBtn.addEventListener(type, () => buildSearch().catch(() => {}), { once: true, passive: true });",
          );
      return { code: changed, map: null };
    },
  };
}
