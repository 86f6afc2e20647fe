/**
 * The sandbox's UI strings, by key. Their text lives in content/i18n/{fr,en}.json with every other
 * UI string; this list lets the content schema accept them and the page pick them for the script.
 */
export const SANDBOX_KEYS = [
  'sandbox.region',
  'sandbox.intro',
  'sandbox.runtimeLegend',
  'sandbox.runtime.auto',
  'sandbox.runtime.webcontainer',
  'sandbox.runtime.local',
  'sandbox.progress.booting',
  'sandbox.progress.downloading',
  'sandbox.progress.mounting',
  'sandbox.progress.starting',
  'sandbox.progress.starting-store',
  'sandbox.progress.starting-instance',
  'sandbox.progress.instance-ready',
  'sandbox.progress.ready',
  'sandbox.progress.probing',
  'sandbox.runningOn.webcontainer',
  'sandbox.runningOn.local',
  'sandbox.selfTest.webcontainer',
  'sandbox.selfTest.local',
  'sandbox.selfTest.storeLink',
  'sandbox.selfTest.sigterm',
  'sandbox.selfTest.watcher',
  'sandbox.selfTest.cookie',
  'sandbox.selfTest.ok',
  'sandbox.selfTest.failed',
  'sandbox.selfTest.fallback',
  'sandbox.selfTest.sigkillAfter',
  'sandbox.selfTest.perFile',
  'sandbox.selfTest.polling',
  'sandbox.selfTest.cannotWork',
  'sandbox.fallback',
  'sandbox.fallbackBrowser',
  'sandbox.reason.no-isolation',
  'sandbox.reason.unsupported-browser',
  'sandbox.reason.ios',
  'sandbox.reason.boot-timeout',
  'sandbox.reason.boot-failed',
  'sandbox.reason.local-unreachable',
  'sandbox.unavailable',
  'sandbox.howToTitle',
  'sandbox.howTo',
  'sandbox.preview',
  'sandbox.openPreview',
  'sandbox.code',
  'sandbox.files',
  'sandbox.editorLabel',
  'sandbox.apply',
  'sandbox.applyHint',
  'sandbox.applied',
  'sandbox.output',
  'sandbox.reset',
  'sandbox.resetDone',
  'sandbox.solve',
  'sandbox.solveDone',
  'sandbox.check',
  'sandbox.checking',
  'sandbox.checkPassed',
  'sandbox.checkFailed',
  'sandbox.checkResults',
  'sandbox.pass',
  'sandbox.fail',
  'sandbox.stop',
  'sandbox.stopped',
  'sandbox.error',
  'sandbox.dock',
  'sandbox.undock',
  'sandbox.fullScreen',
  'sandbox.backToText',
  'sandbox.resize',
  'sandbox.dockedNote',
  'sandbox.fullNote',
  'sandbox.steps.title',
  'sandbox.steps.hint',
  'sandbox.steps.see',
  'sandbox.steps.todo',
  'sandbox.steps.current',
  'sandbox.steps.done',
  'sandbox.steps.other',
  'sandbox.steps.retry',
  'sandbox.steps.announceDone',
  'sandbox.steps.announceOther',
  'sandbox.steps.allDone',
  'sandbox.steps.bar',
  'sandbox.steps.barDone',
] as const;

/** One of the sandbox's string keys. */
export type SandboxKey = (typeof SANDBOX_KEYS)[number];

/** The sandbox's strings in one language. */
export type SandboxStrings = Record<SandboxKey, string>;

/** Gives one of the sandbox's strings in the page's language, placeholders filled. */
export type Translate = (key: SandboxKey, values?: Record<string, string | number>) => string;

/** Fills `{name}` placeholders with values. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
