/**
 * What the lab's server-rendered pages (the dashboard, the classroom's `/join` and `/projector`)
 * share: escaping text into HTML, passing their strings to their scripts, and the start of the
 * document every one of them opens with.
 */
import type { Lang } from './dashboard/strings.ts';

/** Escapes text for use inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Serialises a value for a `<script type="application/json">` block. Escaping `<` keeps a
 * string containing `</script>` from ending the block early; the JSON stays equivalent.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** What differs from one page's head to another's. */
export interface PageHead {
  lang: Lang;
  /** The page's title, already escaped. */
  title: string;
  /** The page's style sheets, relative URLs, in the order they cascade. */
  stylesheets: readonly string[];
  /** The page's strings, which its script reads from the `lab-strings` block. */
  strings: Record<string, string>;
}

/**
 * Opens a page: from the doctype to its strings' block, leaving `<head>` open for the page's
 * scripts. The icon is an empty data URL so that the browser does not ask the lab for one.
 */
export function renderHeadStart({ lang, title, stylesheets, strings }: PageHead): string {
  const links = stylesheets.map((href) => `<link rel="stylesheet" href="${href}">\n`).join('');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
${links}<script type="application/json" id="lab-strings">${jsonForScript(strings)}</script>
`;
}
