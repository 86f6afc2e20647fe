/**
 * The self-test line: what the lab found out about the runtime it runs in, in one short sentence
 * ("Checked in this browser: store link ✓, signals: SIGKILL after 3 s, …"), and, when something
 * the lab needs failed, the other ways to run it.
 */
import type { Lang, LabRuntime, RuntimeKind } from '../runtime.ts';
import { labCannotWork, type SelfTestReport } from '../self-test.ts';
import type { SandboxKey, Translate } from '../strings.ts';

/**
 * Where else the lab can be seen when it cannot work here: on the reader's machine, or as the
 * recording of a real run (DESIGN.md, "Runtimes", 3), which the page offers where it has one.
 */
export type Alternative = 'local' | 'recording';

const NAMES: Record<keyof SelfTestReport, SandboxKey> = {
  storeLink: 'sandbox.selfTest.storeLink',
  sigterm: 'sandbox.selfTest.sigterm',
  watcher: 'sandbox.selfTest.watcher',
  cookie: 'sandbox.selfTest.cookie',
};

/** The sentence for a report, or null while nothing is known. Fallbacks are read from the lab's detail. */
export function describeSelfTest(
  report: SelfTestReport,
  kind: RuntimeKind,
  lang: Lang,
  text: Translate,
): string | null {
  const findings: string[] = [];
  for (const [name, key] of Object.entries(NAMES) as [keyof SelfTestReport, SandboxKey][]) {
    const { status, detail } = report[name];
    const label = text(key);
    if (status === 'pending') continue;
    if (status === 'ok') findings.push(text('sandbox.selfTest.ok', { name: label }));
    else if (status === 'failed') findings.push(text('sandbox.selfTest.failed', { name: label }));
    else findings.push(describeFallback(name, detail, label, lang, text));
  }
  if (findings.length === 0) return null;
  return text(`sandbox.selfTest.${kind}`, { findings: findings.join(', ') });
}

// The lab words its fallbacks in English (its output is read by developers): the known ones are
// said in the page's language, anything else as "works another way".
function describeFallback(
  name: keyof SelfTestReport,
  detail: string,
  label: string,
  lang: Lang,
  text: Translate,
): string {
  if (name === 'sigterm') {
    const grace = /(\d+(?:\.\d+)?)\s*(ms|s)\b/.exec(detail);
    if (/SIGKILL/.test(detail) && grace) {
      const seconds = Number(grace[1]) / (grace[2] === 'ms' ? 1000 : 1);
      return text('sandbox.selfTest.sigkillAfter', {
        name: label,
        seconds: seconds.toLocaleString(lang),
      });
    }
  }
  if (name === 'watcher') {
    if (/poll/i.test(detail)) return text('sandbox.selfTest.polling', { name: label });
    if (/per[- ]file/i.test(detail)) return text('sandbox.selfTest.perFile', { name: label });
  }
  return text('sandbox.selfTest.fallback', { name: label });
}

/**
 * Keeps the workspace's `[data-self-test]` line up to date with the runtime's report, and calls
 * `onCannotWork` once with the alternatives when a finding says the lab cannot work here.
 */
export function mountSelfTest(
  workspace: HTMLElement,
  runtime: LabRuntime,
  lang: Lang,
  text: Translate,
  onCannotWork: (alternatives: Alternative[]) => void,
): () => void {
  const line = workspace.querySelector<HTMLElement>('[data-self-test]');
  if (!line || !runtime.onSelfTest) return () => {};
  let offered = false;
  return runtime.onSelfTest((report) => {
    const sentence = describeSelfTest(report, runtime.kind, lang, text);
    line.textContent = sentence ?? '';
    line.hidden = sentence === null;
    if (!offered && labCannotWork(report)) {
      offered = true;
      onCannotWork(['local', 'recording']);
    }
  });
}
