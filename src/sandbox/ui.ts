/**
 * The sandbox UI, loaded when the learner presses Start: it picks a runtime and starts the lab
 * (panels/start.ts), then clones the workspace that Sandbox.astro rendered in a `<template>` and
 * wires its panels: the dashboard (preview), the editor, the output (terminal), the self-test
 * line and, for an exercise, the check results. It only reads the runtime's answers: the
 * runtimes know nothing of the page.
 */
import './sandbox.css';
import { messageOf } from '../../sandboxes/platform/errors.ts';
import { mountEditor } from './panels/editor.ts';
import { showPreview } from './panels/preview.ts';
import { clearResults, showResults } from './panels/results.ts';
import { mountSelfTest, type Alternative } from './panels/self-test.ts';
import { lockChoice, readChoice, startSomewhere } from './panels/start.ts';
import { mountTerminal } from './panels/terminal.ts';
import { stopOnPageHide, type LabRuntime, type Lang, type Progress } from './runtime.ts';
import { fill, type SandboxKey, type SandboxStrings, type Translate } from './strings.ts';

/** What Sandbox.astro hands the script, as JSON. */
interface SandboxConfig {
  lab: string;
  lang: Lang;
  exercise: boolean;
  strings: SandboxStrings;
}

/** Starts the lab of a `<lab-sandbox>` element rendered by Sandbox.astro and shows its workspace. */
export async function mountSandbox(host: HTMLElement): Promise<void> {
  const config = JSON.parse(
    host.querySelector('[data-config]')?.textContent ?? '{}',
  ) as SandboxConfig;
  const text: Translate = (key, values) => fill(config.strings[key], values);
  const status = host.querySelector<HTMLElement>('[data-status]')!;
  const startButton = host.querySelector<HTMLButtonElement>('[data-start]')!;
  const say = (message: string): void => {
    status.textContent = message;
  };
  const onProgress = (progress: Progress): void => {
    const key = `sandbox.progress.${progress.step}` as SandboxKey;
    if (key in config.strings) say(text(key, progress.values));
  };

  lockChoice(host, true);
  const started = await startSomewhere({
    lab: config.lab,
    choice: readChoice(host),
    onProgress,
    say,
    text,
  });
  if (!started) {
    lockChoice(host, false);
    startButton.disabled = false;
    return;
  }
  const { runtime, previewUrl } = started;
  startButton.hidden = true;
  say(`${text('sandbox.progress.ready')} ${text(`sandbox.runningOn.${runtime.kind}`)}`);
  openWorkspace(host, config, runtime, previewUrl, say, text);
}

// Clones the server-rendered workspace into place and wires each panel to the runtime.
function openWorkspace(
  host: HTMLElement,
  config: SandboxConfig,
  runtime: LabRuntime,
  previewUrl: string,
  say: (message: string) => void,
  text: Translate,
): void {
  const workspace = host.querySelector<HTMLElement>('[data-workspace]')!;
  const template = host.querySelector<HTMLTemplateElement>('template[data-workspace-template]')!;
  workspace.replaceChildren(template.content.cloneNode(true));
  workspace.hidden = false;

  showPreview(workspace, previewUrl, config.lang);
  const editor = mountEditor(workspace, runtime, text, say);
  const closeTerminal = mountTerminal(workspace, runtime, text);
  const offer = (alternatives: Alternative[]): void => {
    // Only the local way exists today; the recording will be offered here once it exists.
    if (!alternatives.includes('local')) return;
    host.querySelector<HTMLDetailsElement>('details.sandbox-howto')?.setAttribute('open', '');
    say(text('sandbox.selfTest.cannotWork'));
  };
  const closeSelfTest = mountSelfTest(workspace, runtime, config.lang, text, offer);
  const stopOnHide = stopOnPageHide(runtime, window);

  const actions: Record<string, () => Promise<void>> = {
    check: async () => {
      say(text('sandbox.checking'));
      say(showResults(workspace, await runtime.check(), config.lang, text));
    },
    solve: async () => {
      editor.load(await runtime.solve());
      say(text('sandbox.solveDone'));
    },
    reset: async () => {
      editor.load(await runtime.reset());
      clearResults(workspace);
      say(text('sandbox.resetDone'));
    },
    stop: async () => {
      stopOnHide();
      closeSelfTest();
      await runtime.stop();
      closeTerminal();
      editor.destroy();
      workspace.replaceChildren();
      workspace.hidden = true;
      say(text('sandbox.stopped'));
      const start = host.querySelector<HTMLButtonElement>('[data-start]');
      if (start) {
        start.hidden = false;
        start.disabled = false;
      }
      lockChoice(host, false);
    },
  };
  // While one action runs, the others wait: a Check during a Solve would check half a rollout.
  const buttons = [
    ...workspace.querySelectorAll<HTMLButtonElement>('.sandbox-toolbar button[data-action]'),
  ];
  for (const button of buttons) {
    const run = actions[button.dataset['action'] ?? ''];
    if (!run) continue;
    button.addEventListener('click', () => {
      buttons.forEach((other) => (other.disabled = true));
      run()
        .catch((error: unknown) => say(text('sandbox.error', { message: messageOf(error) })))
        .finally(() => buttons.forEach((other) => (other.disabled = false)));
    });
  }
}
