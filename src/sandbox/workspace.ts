/**
 * The workspace of a started lab: Sandbox.astro renders it in a `<template>` with its strings;
 * this clones it in place and wires each panel to the runtime: the dashboard (preview), the
 * editor, the output (terminal), the self-test line and, for an exercise, the check results.
 */
import './sandbox.css';
import { messageOf } from '../../sandboxes/platform/errors.ts';
import type { Step } from '../../sandboxes/labs/scenario-model.ts';
import { mountDock } from './panels/dock.ts';
import { mountEditor, type EditorPanel } from './panels/editor.ts';
import { showPreview } from './panels/preview.ts';
import { clearResults, showResults } from './panels/results.ts';
import { mountSelfTest, type Alternative } from './panels/self-test.ts';
import { lockChoice } from './panels/start.ts';
import { mountSteps } from './panels/steps.ts';
import { mountTerminal } from './panels/terminal.ts';
import { stopOnPageHide, type LabRuntime, type Lang } from './runtime.ts';
import type { SandboxStrings, Translate } from './strings.ts';

/** What Sandbox.astro hands the script, as JSON. */
export interface SandboxConfig {
  lab: string;
  lang: Lang;
  exercise: boolean;
  strings: SandboxStrings;
  /** The embed's guided experiment (its scenario's id), or null when it has none. */
  scenario: string | null;
  /** That scenario's steps, empty without one. */
  steps: Step[];
}

/** Clones the server-rendered workspace into place and wires each panel to the running lab. */
export function openWorkspace(
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

  // The steps listen before the frame loads, so they see the dashboard's very first frames.
  const steps = mountSteps(host, config.steps, config.lang, text);
  const dock = mountDock(host, text);
  steps?.onChange(() => dock.showStep(steps.current()));
  dock.showStep(steps?.current() ?? null);
  showPreview(workspace, previewUrl, config.lang);
  // The editor and the terminal (CodeMirror, xterm and the output so far) are the page's heaviest
  // work, and the dashboard's frame shares the page's main thread: they are mounted once the
  // dashboard has loaded, so that it shows first. The terminal replays what it missed.
  let editor: EditorPanel | null = null;
  let closeTerminal = (): void => {};
  let stopped = false;
  const mountPanels = (): void => {
    if (stopped || editor) return;
    editor = mountEditor(workspace, runtime, text, say);
    closeTerminal = mountTerminal(workspace, runtime, text);
  };
  const panelsMounted = afterFrameLoad(workspace.querySelector('iframe[data-preview]')).then(
    mountPanels,
  );
  const offer = (alternatives: Alternative[]): void => {
    if (!alternatives.includes('local')) return;
    host.querySelector<HTMLDetailsElement>('details.sandbox-howto')?.setAttribute('open', '');
    // An embed with a recording offers it too: "Watch the recording" stays beside Start.
    const recorded = alternatives.includes('recording') && config.scenario !== null;
    say(text(recorded ? 'sandbox.recording.offer' : 'sandbox.selfTest.cannotWork'));
  };
  const closeSelfTest = mountSelfTest(workspace, runtime, config.lang, text, offer);
  const stopOnHide = stopOnPageHide(runtime, window);

  const actions: Record<string, () => Promise<void>> = {
    check: async () => {
      say(text('sandbox.checking'));
      say(showResults(workspace, await runtime.check(), config.lang, text));
    },
    solve: async () => {
      const files = await runtime.solve();
      await panelsMounted;
      editor?.load(files);
      say(text('sandbox.solveDone'));
    },
    reset: async () => {
      const files = await runtime.reset();
      await panelsMounted;
      editor?.load(files);
      clearResults(workspace);
      say(text('sandbox.resetDone'));
    },
    stop: async () => {
      stopped = true;
      stopOnHide();
      closeSelfTest();
      steps?.close();
      dock.close();
      // The dashboard goes first: left in place while the lab stops, it saw its event stream end,
      // asked again, and the host's 503 ("no lab running") reached the reader's console (CI).
      workspace.querySelector('iframe[data-preview]')?.remove();
      await runtime.stop();
      closeTerminal();
      editor?.destroy();
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

/** How long the editor and the terminal wait for the dashboard's frame at most. */
const FRAME_WAIT_MS = 3000;

// Resolves once the frame has loaded (its document and every file it asked for), or after
// FRAME_WAIT_MS, whichever comes first; at once when there is no frame.
function afterFrameLoad(frame: HTMLIFrameElement | null): Promise<void> {
  if (!frame) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      frame.removeEventListener('load', done);
      resolve();
    };
    const timer = setTimeout(done, FRAME_WAIT_MS);
    frame.addEventListener('load', done);
  });
}
