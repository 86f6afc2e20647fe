import type { Plugin } from 'vite';

/**
 * Starlight's table of contents finds the elements whose scrolling into view marks the current
 * section with one `querySelectorAll` of four selectors, three of them `*:not(:has(<heading>))`
 * tested on every element of the page. Chromium runs that `:has()` slowly: 20 ms on the longest
 * lesson on this machine, twice (the table in the sidebar and the one above the text on a
 * phone), about 80 ms each on the phone Lighthouse imitates, counted as blocking time.
 *
 * This Vite plugin replaces that one statement, at build time, with a walk that finds the same
 * elements in the same order (each candidate asked `querySelector(<heading>)` once): 2.5 ms
 * instead of 38 ms there. If Starlight's code changes, the build stops and says so, rather than
 * quietly shipping the slow query or a broken table.
 */

/** The module of Starlight's `<starlight-toc>` element, as Vite names it. */
const TOC_MODULE =
  /@astrojs[\\/]starlight[\\/].*components-internals[\\/]TableOfContents[\\/]starlight-toc\.[jt]s$/;

/** The statement replaced, as Starlight 0.42 ships it (whitespace aside). */
const SLOW_QUERY =
  /const toObserve = document\.querySelectorAll\(\[\s*`main :where\(\$\{this\.tocHeadingSelector\}\)`,\s*`main :where\(\$\{this\.tocHeadingSelector\}, \.sl-heading-wrapper\) ~ \*:not\(:has\(\$\{this\.tocHeadingSelector\}\)\)`,\s*`main \.sl-markdown-content > \*:not\(:has\(\$\{this\.tocHeadingSelector\}\)\)`,\s*`main > \*:not\(:has\(\$\{this\.tocHeadingSelector\}\)\)`\s*\]\.join\(\)\);/;

/**
 * The same elements: the headings in `<main>`; every later sibling of a heading (or of a
 * heading's wrapper) that holds no heading; every child of the text, then of `<main>`, that holds
 * none. In document order, as `querySelectorAll` gives them, for the observer sees them in that order.
 */
const FAST_QUERY = `const toObserve = (() => {
			const heading = this.tocHeadingSelector;
			const found = new Set();
			const holdsNoHeading = (el) => !el.querySelector(heading);
			for (const el of document.querySelectorAll(\`main :where(\${heading})\`)) found.add(el);
			for (const start of document.querySelectorAll(\`main :where(\${heading}, .sl-heading-wrapper)\`)) {
				for (let el = start.nextElementSibling; el; el = el.nextElementSibling) {
					if (!found.has(el) && holdsNoHeading(el)) found.add(el);
				}
			}
			for (const el of document.querySelectorAll('main .sl-markdown-content > *, main > *')) {
				if (!found.has(el) && holdsNoHeading(el)) found.add(el);
			}
			return [...found].sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
		})();`;

export function fasterTocObserve(): Plugin {
  return {
    name: 'course-faster-toc-observe',
    enforce: 'pre',
    transform(code, id) {
      if (!TOC_MODULE.test(id.split('?')[0] ?? id)) return null;
      if (!SLOW_QUERY.test(code)) {
        throw new Error(
          `${id}: the table of contents no longer holds the query src/integrations/toc-observe.ts ` +
            'replaces; check what Starlight does now, then update or remove the plugin.',
        );
      }
      return { code: code.replace(SLOW_QUERY, FAST_QUERY), map: null };
    },
  };
}
