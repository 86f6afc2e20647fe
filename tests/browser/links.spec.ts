// Every internal link of the built site leads somewhere: to a page, a file or an anchor that
// exists. Run on the production build, where Starlight's sidebar, the lessons' relative links and
// the language switcher all end up as plain `href`s.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { discoverPages } from '../../scripts/site-pages.ts';

const dist = 'dist';

/** The file the static server answers with for a URL path, or null. */
function fileFor(pathname: string): string | null {
  const decoded = decodeURIComponent(pathname);
  const candidates = decoded.endsWith('/')
    ? [path.join(dist, decoded, 'index.html')]
    : [
        path.join(dist, decoded),
        path.join(dist, decoded, 'index.html'),
        path.join(dist, `${decoded}.html`),
      ];
  return (
    candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile()) ??
    null
  );
}

/** The ids a page declares, for `#anchor` links. */
function idsOf(html: string): Set<string> {
  return new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!));
}

test('every internal link of the built site resolves, anchors included', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const page of discoverPages(dist)) {
    const file = fileFor(page.url);
    if (!file) continue;
    const html = fs.readFileSync(file, 'utf8');
    for (const [, href] of html.matchAll(/<a\s[^>]*href="([^"]+)"/g)) {
      if (!href || /^(https?:|mailto:|data:|javascript:)/i.test(href) || href.startsWith('//'))
        continue;
      const target = new URL(href.replaceAll('&amp;', '&'), `http://site.invalid${page.url}`);
      // The lab host's routes exist only while `npm start` runs; they are tested with it.
      if (target.pathname.startsWith('/_labs/')) continue;
      checked += 1;
      const targetFile = fileFor(target.pathname);
      if (!targetFile) {
        problems.push(`${page.url} → ${href}: no such page or file`);
        continue;
      }
      if (target.hash.length > 1 && targetFile.endsWith('.html')) {
        const id = decodeURIComponent(target.hash.slice(1));
        if (!idsOf(fs.readFileSync(targetFile, 'utf8')).has(id))
          problems.push(`${page.url} → ${href}: no #${id} there`);
      }
    }
  }
  expect(problems).toEqual([]);
  expect(checked).toBeGreaterThan(100);
});
