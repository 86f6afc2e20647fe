import type { Page } from '@playwright/test';

/** What else counts as a problem besides console errors and uncaught exceptions. */
export interface ProblemsToWatch {
  /** Requests that failed (a resource blocked by COEP fails this way). */
  failedRequests?: boolean;
  /** Answers with a status of 400 or more. */
  errorAnswers?: boolean;
}

/**
 * Starts collecting what a reader's console would show as broken on `page` (and its frames):
 * errors logged, exceptions thrown, and, when asked, failed requests and error answers. The list
 * returned fills as the page runs, one line per problem.
 */
export function watchProblems(page: Page, also: ProblemsToWatch = {}): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  if (also.failedRequests) {
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`),
    );
  }
  if (also.errorAnswers) {
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
  }
  return problems;
}
