import type { Page } from '@playwright/test';

/** The paths of the results Pagefind shows in the search dialog now, in order. */
export function searchResultPaths(page: Page): Promise<string[]> {
  return page
    .locator('site-search .pagefind-ui__result-link')
    .evaluateAll((anchors) => anchors.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
}
