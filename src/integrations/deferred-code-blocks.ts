/**
 * Code blocks below the fold, and then the rest of the text past its first screen, are styled and
 * laid out when they come near the screen, not before the page first shows.
 *
 * Each Expressive Code block is a few elements per line of code, each styled on its own: on the
 * longest lesson, the code blocks were three quarters of the page's elements and most of the
 * style and layout work the first render waited for (Lighthouse counted it as blocking time on a
 * slow phone). With `content-visibility: auto`, the browser skips the blocks a reader cannot see
 * yet, and renders each one as it comes near the screen.
 *
 * A skipped block takes an estimated height until it is rendered, and a position in the page
 * computed from estimates would be off. So the blocks are skipped only on a fresh visit to the
 * top of a page, which the reader scrolls down from; a reload or a return to the page (where the
 * browser brings back the reader's scroll position) and an address with a `#fragment` render
 * every block at once, as before. The first click on a link to a place in the same page (the
 * table of contents, a heading's anchor) renders every block before the browser scrolls there.
 * Showing the blocks one by one after load instead was measured: each one cost a frame of its
 * own, and the frames together blocked more than the first render had.
 */

/** The attribute on `<html>` that turns the skipping on, set by the script below. */
const ATTRIBUTE = 'data-deferred-code';

/**
 * The same for the rest of the text past its first screen (paragraphs, lists, headings):
 * on the lessons, the style and layout of text the reader cannot see yet were most of what was
 * left of the blocking time once the code blocks were skipped (Lighthouse, median of 3 on three
 * lessons: 80 ms before, 41 ms after, same machine). Skipping an element also clips what it
 * paints to its box (`content-visibility` implies paint containment), which would cut a focus
 * ring at the edge of a paragraph: so an element is skipped only until it is first rendered, then
 * shown as any other (the `contentvisibilityautostatechange` event says when), and not at all in
 * a browser without that event. The lab and the quizzes, which hold live frames and forms, are
 * never skipped; nor are tables, or what holds one, since Starlight makes a table a scroll
 * container (`overflow: auto`): a skipped one reported a scroll size that is not its own, and axe
 * then took it for a region that scrolls with nothing a keyboard can reach in it
 * (scrollable-region-focusable, on /fr/03). Every browser with that event knows `:has()`.
 */
const TEXT_ATTRIBUTE = 'data-deferred-text';

/**
 * The blocks that may be skipped: code blocks in a page's text, past its first few blocks. A block
 * on the first screen could be painted once at its estimated height before its real one, a layout
 * shift (Lighthouse saw 0.006 on /en/03, whose first code block is its fifth element, on the
 * phone's first screen); the first nine elements of the text are always rendered.
 */
const SKIPPED = '.sl-markdown-content > :nth-child(n + 10)';
const BLOCKS = `${SKIPPED}.expressive-code,${SKIPPED} .expressive-code`;
const TEXT = `${SKIPPED}:not(.expressive-code, lab-sandbox, course-quiz, table, :has(table))`;

/**
 * The head entries to add to every page: the rules that skip the blocks and the text, and the
 * script that decides whether they apply and renders everything before a jump within the page.
 */
export function deferredCodeBlocksHead(): { tag: 'script' | 'style'; content: string }[] {
  return [
    {
      tag: 'style',
      // 11rem is about the median height of a block on a phone, 4rem of a paragraph; once an
      // element has been rendered, `auto` keeps its real height.
      content:
        `:is(${BLOCKS}):where([${ATTRIBUTE}] *){content-visibility:auto;contain-intrinsic-block-size:auto 11rem}` +
        `:is(${TEXT}):where([${TEXT_ATTRIBUTE}] *){content-visibility:auto;contain-intrinsic-block-size:auto 4rem}`,
    },
    {
      tag: 'script',
      content:
        '(()=>{const n=performance.getEntriesByType("navigation")[0];' +
        'if(location.hash||(n&&n.type!=="navigate"))return;' +
        'const d=document.documentElement;' +
        `d.setAttribute(${JSON.stringify(ATTRIBUTE)},"");` +
        // The text only where the browser says when an element is first rendered; from then on
        // that element is shown as usual (the event does not bubble: caught on its way down).
        'if("ContentVisibilityAutoStateChangeEvent"in window){' +
        `d.setAttribute(${JSON.stringify(TEXT_ATTRIBUTE)},"");` +
        'addEventListener("contentvisibilityautostatechange",e=>{' +
        `if(!e.skipped&&e.target instanceof HTMLElement&&e.target.matches(${JSON.stringify(`:is(${TEXT})`)}))` +
        'e.target.style.contentVisibility="visible"},true)}' +
        // Capture, so that everything is rendered before the link's own scroll.
        'const c=e=>{const a=e.target instanceof Element&&e.target.closest("a[href*=\'#\']");' +
        'if(!a||a.pathname!==location.pathname)return;' +
        `d.removeAttribute(${JSON.stringify(ATTRIBUTE)});d.removeAttribute(${JSON.stringify(TEXT_ATTRIBUTE)});` +
        'removeEventListener("click",c,true)};' +
        'addEventListener("click",c,true)})()',
    },
  ];
}
