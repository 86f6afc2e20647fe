import type { Frame, Page } from '@playwright/test';

/** The lab's dashboard frame in a page, wherever the runtime serves it (its URL names `lang`). */
export function dashboard(page: Page): Frame {
  const frame = page
    .frames()
    .find((candidate) => candidate !== page.mainFrame() && /[?&]lang=/.test(candidate.url()));
  if (!frame) throw new Error('the dashboard frame is not there');
  return frame;
}
