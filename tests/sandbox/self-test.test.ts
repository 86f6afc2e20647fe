/**
 * The self-test line the page shows, in both languages, from the report a runtime gathers; and
 * when the page offers another way to run the lab.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeSelfTest } from '../../src/sandbox/panels/self-test.ts';
import type { Lang } from '../../src/sandbox/runtime.ts';
import { labCannotWork, pendingReport, type SelfTestReport } from '../../src/sandbox/self-test.ts';
import { fill, SANDBOX_KEYS, type Translate } from '../../src/sandbox/strings.ts';

// The page's own strings, as Sandbox.astro hands them to the script.
function translate(lang: Lang): Translate {
  const strings = JSON.parse(
    readFileSync(new URL(`../../content/i18n/${lang}.json`, import.meta.url), 'utf8'),
  ) as Record<string, string>;
  for (const key of SANDBOX_KEYS) expect(strings[key], `${lang}: ${key}`).toBeTypeOf('string');
  return (key, values) => fill(strings[key]!, values);
}

// What a lab in WebContainer typically finds: signals do not arrive, recursive watching throws.
const browserReport: SelfTestReport = {
  storeLink: { status: 'ok', detail: 'PING answered in 3 ms' },
  sigterm: { status: 'fallback', detail: 'SIGTERM did not arrive; SIGKILL after 3000 ms' },
  watcher: { status: 'fallback', detail: 'recursive fs.watch threw; per-file watching' },
  cookie: { status: 'ok', detail: 'the Partitioned cookie came back' },
};

describe('describeSelfTest', () => {
  it('says in one line what the lab found, in English and in French', () => {
    expect(describeSelfTest(browserReport, 'webcontainer', 'en', translate('en'))).toBe(
      'Checked in this browser: store link ✓, signals: SIGKILL after 3 s, file watching: per file, cookie ✓.',
    );
    expect(describeSelfTest(browserReport, 'webcontainer', 'fr', translate('fr'))).toBe(
      'Vérifié dans ce navigateur : lien avec le magasin ✓, signaux : SIGKILL au bout de 3 s, surveillance des fichiers : fichier par fichier, cookie ✓.',
    );
  });

  it('leaves out what is not known yet, and says nothing while nothing is', () => {
    const report = pendingReport();
    expect(describeSelfTest(report, 'local', 'en', translate('en'))).toBeNull();
    report.watcher = { status: 'fallback', detail: 'fs.watch failed; polling every 500 ms' };
    report.cookie = { status: 'failed', detail: 'the cookie never came back' };
    expect(describeSelfTest(report, 'local', 'en', translate('en'))).toBe(
      'Checked on this machine: file watching: polling, cookie ✗ (does not work).',
    );
  });

  it('says "works another way" for a fallback it has no words for', () => {
    const report = pendingReport();
    report.storeLink = { status: 'fallback', detail: 'reconnected after one retry' };
    expect(describeSelfTest(report, 'webcontainer', 'fr', translate('fr'))).toBe(
      'Vérifié dans ce navigateur : lien avec le magasin : fonctionne autrement (la sortie du laboratoire dit comment).',
    );
  });
});

describe('labCannotWork', () => {
  it('is true only when a finding failed: a fallback still works', () => {
    expect(labCannotWork(browserReport)).toBe(false);
    expect(labCannotWork(pendingReport())).toBe(false);
    expect(
      labCannotWork({ ...browserReport, storeLink: { status: 'failed', detail: 'no answer' } }),
    ).toBe(true);
  });
});
