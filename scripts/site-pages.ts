import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** One HTML page of the built site, as a reader would reach it. */
export interface BuiltPage {
  /** The URL path, e.g. `/fr/about/` or `/404.html`. */
  url: string;
  /** The `<html lang>` value, or an empty string when there is none. */
  lang: string;
  /** Whether the page embeds a live lab, so that benchmarks measure it. */
  hasLab: boolean;
}

/**
 * Folders of the build that hold assets, not pages. `_labs/` holds the one page a static host
 * shows where `npm start` would put its lab host, so that the sandbox's probe of `/_labs/` gets
 * an answer (HTML, so not a lab host) instead of a 404 in the console. `labs/` holds what the
 * sandbox loads: the packaged labs, and the dashboard that plays a recording, a page that is
 * only ever opened with `?recording=<id>` inside a lesson (tests/browser/recordings.spec.ts).
 */
const ASSET_DIRS = new Set(['_astro', 'pagefind', '_labs', 'labs']);

/** A page that only sends the reader elsewhere, like the one Astro writes for `/`. */
const REDIRECT = /<meta\s+http-equiv=["']?refresh/i;

/** The marker a lab embed leaves in the HTML: a `<lab-sandbox>` element or a `data-lab` attribute. */
const LAB_MARKER = /<lab-sandbox[\s>]|\sdata-lab(?:[\s=>])/i;

function htmlFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      return ASSET_DIRS.has(entry.name) && prefix === ''
        ? []
        : htmlFiles(join(dir, entry.name), `${prefix}${entry.name}/`);
    }
    return entry.name.endsWith('.html') ? [`${prefix}${entry.name}`] : [];
  });
}

/** Turns a file of the build into the URL that serves it (`fr/index.html` → `/fr/`). */
export function urlOfFile(relativeFile: string): string {
  const posix = relativeFile.split(sep).join('/');
  return '/' + posix.replace(/(^|\/)index\.html$/, '$1');
}

/**
 * Lists every real page of a build folder, sorted by URL: redirecting pages are left out, and each
 * page carries its language and whether it embeds a lab.
 */
export function discoverPages(distDir: string): BuiltPage[] {
  return htmlFiles(distDir)
    .map((file) => ({ file, html: readFileSync(join(distDir, file), 'utf8') }))
    .filter(({ html }) => !REDIRECT.test(html))
    .map(({ file, html }) => ({
      url: urlOfFile(file),
      lang: /<html[^>]*\slang=["']?([\w-]+)/i.exec(html)?.[1] ?? '',
      hasLab: LAB_MARKER.test(html),
    }))
    .sort((a, b) => a.url.localeCompare(b.url));
}
