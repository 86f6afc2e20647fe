/**
 * The names of the tests that failed, read from the JSON reports Vitest and Playwright write, for
 * `npm test` to repeat at the very end of its output. A CI log is often read from its tail only
 * (the record of a run may keep nothing else), and Vitest prints its failures minutes before the
 * end, above the whole browser suite: a run once failed on one Vitest test that nobody could name
 * afterwards. Each line says the file, the test's full name and the first line of its error.
 *
 * A report of an unexpected shape gives no lines rather than an error: the counts and the exit
 * code, which `npm test` reads elsewhere, still say that something failed.
 */
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/** One failed test: where it is, its name, and the first line of what went wrong. */
export interface FailedTest {
  file: string;
  name: string;
  reason: string;
}

/** The longest reason kept on a line; the whole message is above, in the tool's own output. */
const REASON_LENGTH = 160;

function firstLine(message: unknown): string {
  // Colour codes would clutter a plain log; the first line that says something is the one kept.
  const text = typeof message === 'string' ? stripVTControlCharacters(message) : '';
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > REASON_LENGTH ? `${trimmed.slice(0, REASON_LENGTH - 1)}…` : trimmed;
}

function relative(root: string, file: unknown): string {
  return typeof file === 'string' ? path.relative(root, file) || file : '?';
}

/** The failures in Vitest's JSON report (the Jest-compatible shape): tests, and files that did not load. */
export function vitestFailures(report: unknown, root: string): FailedTest[] {
  const files = (report as { testResults?: unknown } | null)?.testResults;
  if (!Array.isArray(files)) return [];
  return files.flatMap((file: Record<string, unknown>): FailedTest[] => {
    const where = relative(root, file['name']);
    const tests = Array.isArray(file['assertionResults']) ? file['assertionResults'] : [];
    const failed = tests
      .filter((test: Record<string, unknown>) => test['status'] === 'failed')
      .map((test: Record<string, unknown>) => ({
        file: where,
        name: String(test['fullName'] ?? test['title'] ?? '?'),
        reason: firstLine((test['failureMessages'] as unknown[] | undefined)?.[0]),
      }));
    // A file that failed with no failed test in it did not load or failed in a hook.
    if (failed.length === 0 && file['status'] === 'failed') {
      return [{ file: where, name: '(the file itself)', reason: firstLine(file['message']) }];
    }
    return failed;
  });
}

interface PlaywrightSuite {
  title?: string;
  file?: string;
  specs?: {
    title?: string;
    file?: string;
    tests?: {
      projectName?: string;
      status?: string;
      results?: { error?: { message?: string } }[];
    }[];
  }[];
  suites?: PlaywrightSuite[];
}

/** The failures in Playwright's JSON report: tests whose outcome was not the expected one. */
export function playwrightFailures(report: unknown, root: string): FailedTest[] {
  const top = (report as { suites?: unknown } | null)?.suites;
  if (!Array.isArray(top)) return [];
  // Playwright names files from its test folder, which its report gives.
  const rootDir = (report as { config?: { rootDir?: unknown } }).config?.rootDir;
  const testDir = typeof rootDir === 'string' ? rootDir : root;
  const found: FailedTest[] = [];
  const walk = (suite: PlaywrightSuite, titles: string[], file: string | undefined): void => {
    const where = suite.file ?? file;
    // The file's own suite is titled with the file's name, which the line already gives.
    const own = suite.title && suite.title !== suite.file ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const last = test.results?.at(-1);
        found.push({
          file: relative(root, path.resolve(testDir, spec.file ?? where ?? '?')),
          name: `[${test.projectName ?? '?'}] ${[...own, spec.title ?? '?'].join(' › ')}`,
          reason: firstLine(last?.error?.message),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, own, where);
  };
  for (const suite of top as PlaywrightSuite[]) walk(suite, [], undefined);
  return found;
}

/** The lines `npm test` prints for them, under a heading with the tool's name and the count. */
export function failureLines(tool: string, failures: FailedTest[]): string[] {
  if (failures.length === 0) return [];
  return [
    `${tool}: ${failures.length} failed`,
    ...failures.map(
      (failure) =>
        `  ${failure.file} › ${failure.name}${failure.reason ? `\n      ${failure.reason}` : ''}`,
    ),
  ];
}
