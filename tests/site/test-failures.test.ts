// scripts/test-failures.ts: the failed tests' names that `npm test` repeats at the end of its
// output, read from reports of the shapes Vitest 5 and Playwright write (the objects below follow
// reports the two tools wrote for a failing demo project).
import { describe, expect, it } from 'vitest';
import { failureLines, playwrightFailures, vitestFailures } from '../../scripts/test-failures.ts';

const root = '/repo';

const vitestReport = {
  numFailedTests: 1,
  testResults: [
    {
      name: '/repo/tests/lab/ok.test.ts',
      status: 'passed',
      message: '',
      assertionResults: [{ fullName: 'ok works', status: 'passed', failureMessages: [] }],
    },
    {
      name: '/repo/tests/lab/demo.test.ts',
      status: 'failed',
      message: '',
      assertionResults: [
        {
          ancestorTitles: ['outer'],
          fullName: 'outer fails here',
          title: 'fails here',
          status: 'failed',
          failureMessages: [
            'AssertionError: expected 1 to be 2 // Object.is equality\n    at /repo/tests/lab/demo.test.ts:2:62',
          ],
        },
        { fullName: 'outer passes', status: 'passed', failureMessages: [] },
      ],
    },
    {
      name: '/repo/tests/lab/broken.test.ts',
      status: 'failed',
      message:
        "Cannot find module './does-not-exist.ts' imported from /repo/tests/lab/broken.test.ts",
      assertionResults: [],
    },
  ],
};

const playwrightReport = {
  config: { rootDir: '/repo/tests/browser' },
  suites: [
    {
      title: 'demo.spec.ts',
      file: 'demo.spec.ts',
      specs: [],
      suites: [
        {
          title: 'group',
          file: 'demo.spec.ts',
          specs: [
            {
              title: 'a browser test that fails',
              tests: [
                {
                  projectName: 'pages',
                  status: 'unexpected',
                  results: [
                    {
                      status: 'failed',
                      error: {
                        message:
                          'Error: \u001b[2mexpect(\u001b[22m\u001b[31mreceived\u001b[39m\u001b[2m).\u001b[22mtoBe\u001b[2m(\u001b[22m\u001b[32mexpected\u001b[39m\u001b[2m) // Object.is equality\u001b[22m\n\nExpected: "b"',
                      },
                    },
                  ],
                },
              ],
            },
            {
              title: 'a test that failed once, then passed',
              tests: [{ projectName: 'pages', status: 'flaky', results: [{}, {}] }],
            },
            { title: 'ok', tests: [{ projectName: 'pages', status: 'expected', results: [{}] }] },
          ],
        },
      ],
    },
  ],
};

describe('the failed tests repeated at the end of npm test', () => {
  it('names each failed Vitest test, and a file that did not load, with the first line of why', () => {
    expect(vitestFailures(vitestReport, root)).toEqual([
      {
        file: 'tests/lab/demo.test.ts',
        name: 'outer fails here',
        reason: 'AssertionError: expected 1 to be 2 // Object.is equality',
      },
      {
        file: 'tests/lab/broken.test.ts',
        name: '(the file itself)',
        reason:
          "Cannot find module './does-not-exist.ts' imported from /repo/tests/lab/broken.test.ts",
      },
    ]);
  });

  it('names each Playwright test that failed for good, with its project and describe titles, colours removed', () => {
    expect(playwrightFailures(playwrightReport, root)).toEqual([
      {
        file: 'tests/browser/demo.spec.ts',
        name: '[pages] group › a browser test that fails',
        reason: 'Error: expect(received).toBe(expected) // Object.is equality',
      },
    ]);
  });

  it('prints nothing when nothing failed, or when a report is missing or of another shape', () => {
    expect(failureLines('Vitest', [])).toEqual([]);
    for (const report of [null, {}, { testResults: 'no' }, { suites: [{}] }, 42]) {
      expect(vitestFailures(report, root)).toEqual([]);
      expect(playwrightFailures(report, root)).toEqual([]);
    }
  });

  it('prints a heading with the count, then each test and its reason', () => {
    expect(failureLines('Vitest', vitestFailures(vitestReport, root))).toEqual([
      'Vitest: 2 failed',
      '  tests/lab/demo.test.ts › outer fails here\n      AssertionError: expected 1 to be 2 // Object.is equality',
      "  tests/lab/broken.test.ts › (the file itself)\n      Cannot find module './does-not-exist.ts' imported from /repo/tests/lab/broken.test.ts",
    ]);
  });

  it('keeps a long reason to one short line', () => {
    const report = {
      testResults: [
        {
          name: '/repo/tests/lab/long.test.ts',
          status: 'failed',
          assertionResults: [
            {
              fullName: 'says a lot',
              status: 'failed',
              failureMessages: [`Error: ${'x'.repeat(500)}\nmore`],
            },
          ],
        },
      ],
    };
    const [failure] = vitestFailures(report, root);
    expect(failure!.reason.length).toBe(160);
    expect(failure!.reason.endsWith('…')).toBe(true);
  });
});
