/**
 * The sandbox UI, loaded when the learner presses Start: it picks a runtime, starts the lab and
 * shows its dashboard, an editor over the app's editable files, the lab's output, and (for an
 * exercise) Reset, Solve and Check. It only reads the runtime's answers: the runtimes know
 * nothing of the page.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './sandbox.css';
import { LocalRuntime } from './local-runtime.ts';
import {
  RuntimeUnavailable,
  type CheckResult,
  type LabRuntime,
  type Lang,
  type Progress,
} from './runtime.ts';
import { fill, type SandboxKey, type SandboxStrings } from './strings.ts';
import {
  WebContainerRuntime,
  browserEnvironment,
  stopOnPageHide,
  webContainerSupport,
} from './webcontainer-runtime.ts';

interface SandboxConfig {
  lab: string;
  lang: Lang;
  exercise: boolean;
  editable: string[];
  title: string;
  strings: SandboxStrings;
}

type Choice = 'auto' | 'webcontainer' | 'local';

/** Builds the sandbox inside a `<lab-sandbox>` element rendered by Sandbox.astro and starts it. */
export async function mountSandbox(host: HTMLElement): Promise<void> {
  const config = JSON.parse(
    host.querySelector('[data-config]')?.textContent ?? '{}',
  ) as SandboxConfig;
  const text = (key: SandboxKey, values?: Record<string, string | number>): string =>
    fill(config.strings[key], values);
  const status = host.querySelector<HTMLElement>('[data-status]')!;
  const workspace = host.querySelector<HTMLElement>('[data-workspace]')!;
  const startButton = host.querySelector<HTMLButtonElement>('[data-start]')!;
  const choice = (host.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value ??
    'auto') as Choice;
  const say = (message: string): void => {
    status.textContent = message;
  };
  const onProgress = (progress: Progress): void => {
    const key = `sandbox.progress.${progress.step}` as SandboxKey;
    if (key in config.strings) say(text(key, progress.values));
  };

  const runtime = await startSomewhere(config, choice, onProgress, say, text);
  if (!runtime) {
    startButton.disabled = false;
    return;
  }
  host
    .querySelectorAll<HTMLInputElement>('input[type=radio]')
    .forEach((input) => (input.disabled = true));
  startButton.hidden = true;
  say(`${text('sandbox.progress.ready')} ${text(`sandbox.runningOn.${runtime.runtime.kind}`)}`);
  buildWorkspace(workspace, config, runtime.runtime, runtime.previewUrl, say, text);
  stopOnPageHide(runtime.runtime, window);
}

// Tries the runtimes in order; a runtime that cannot run here says why, and the next is tried.
async function startSomewhere(
  config: SandboxConfig,
  choice: Choice,
  onProgress: (progress: Progress) => void,
  say: (message: string) => void,
  text: (key: SandboxKey, values?: Record<string, string | number>) => string,
): Promise<{ runtime: LabRuntime; previewUrl: string } | null> {
  const candidates: (() => LabRuntime)[] = [];
  if (choice !== 'local') {
    candidates.push(
      () => new WebContainerRuntime({ labId: config.lab, treeUrl: `/labs/${config.lab}.json` }),
    );
  }
  if (choice !== 'webcontainer') candidates.push(() => new LocalRuntime({ labId: config.lab }));

  const reasons: string[] = [];
  for (const [index, create] of candidates.entries()) {
    const runtime = create();
    // Without support, do not even try: say why at once and move on.
    if (runtime.kind === 'webcontainer') {
      const unsupported = webContainerSupport(browserEnvironment());
      if (unsupported) {
        reasons.push(text(`sandbox.reason.${unsupported.reason}`));
        continue;
      }
    }
    try {
      const { previewUrl } = await runtime.start(onProgress);
      return { runtime, previewUrl };
    } catch (error) {
      const reason =
        error instanceof RuntimeUnavailable
          ? text(`sandbox.reason.${error.reason}`)
          : text('sandbox.error', {
              message: error instanceof Error ? error.message : String(error),
            });
      reasons.push(reason);
      await runtime.stop().catch(() => undefined);
      if (index < candidates.length - 1 && runtime.kind === 'webcontainer')
        say(text('sandbox.fallback', { reason }));
    }
  }
  say(text('sandbox.unavailable', { reasons: reasons.join(' ; ') }));
  return null;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  content?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (content !== undefined) node.textContent = content;
  return node;
}

function buildWorkspace(
  workspace: HTMLElement,
  config: SandboxConfig,
  runtime: LabRuntime,
  previewUrl: string,
  say: (message: string) => void,
  text: (key: SandboxKey, values?: Record<string, string | number>) => string,
): void {
  const id = `sandbox-${config.lab}`;
  workspace.replaceChildren();
  workspace.hidden = false;

  // The toolbar: what the learner can do with the lab as a whole.
  const toolbar = element('div', {
    class: 'sandbox-toolbar',
    role: 'group',
    'aria-label': config.title,
  });
  const buttons: HTMLButtonElement[] = [];
  const action = (label: string, run: () => Promise<void>, name: string): HTMLButtonElement => {
    const button = element(
      'button',
      { type: 'button', class: 'sandbox-tool', 'data-action': name },
      label,
    );
    button.addEventListener('click', () => {
      buttons.forEach((other) => (other.disabled = true));
      run()
        .catch((error: unknown) =>
          say(
            text('sandbox.error', {
              message: error instanceof Error ? error.message : String(error),
            }),
          ),
        )
        .finally(() => buttons.forEach((other) => (other.disabled = false)));
    });
    buttons.push(button);
    toolbar.append(button);
    return button;
  };

  // The dashboard, served by the lab itself.
  const previewBox = element('div', { class: 'sandbox-preview' });
  const frame = element('iframe', {
    title: text('sandbox.preview'),
    src: `${previewUrl}?lang=${config.lang}`,
    'data-preview': '',
  });
  const open = element(
    'a',
    { href: `${previewUrl}?lang=${config.lang}`, target: '_blank', rel: 'noopener' },
    text('sandbox.openPreview'),
  );
  previewBox.append(frame, open);

  // The editor: one tab per editable file, and Apply to hand the change to the platform.
  const files: Record<string, string> = {};
  let current = config.editable[0] ?? '';
  const codeBox = element('div', { class: 'sandbox-code' });
  const codeHeading = element('h3', { id: `${id}-code` }, text('sandbox.code'));
  const tabs = element('div', {
    class: 'sandbox-files',
    role: 'group',
    'aria-label': text('sandbox.files'),
  });
  const editorBox = element('div', { class: 'sandbox-editor' });
  const apply = element(
    'button',
    { type: 'button', class: 'sandbox-tool', 'data-action': 'apply' },
    text('sandbox.apply'),
  );
  const hint = element('p', { class: 'sandbox-hint' }, text('sandbox.applyHint'));
  codeBox.append(codeHeading, tabs, editorBox, apply, hint);

  const save = (): boolean => {
    const name = current;
    const content = view.state.doc.toString();
    files[name] = content;
    runtime.writeFile(name, content).then(
      () => say(text('sandbox.applied', { file: name })),
      (error: unknown) =>
        say(
          text('sandbox.error', {
            message: error instanceof Error ? error.message : String(error),
          }),
        ),
    );
    return true;
  };
  const stateFor = (name: string): EditorState =>
    EditorState.create({
      doc: files[name] ?? '',
      extensions: [
        lineNumbers(),
        history(),
        // Tab is left to the browser, so keyboard users can leave the editor.
        keymap.of([
          { key: 'Mod-s', run: save, preventDefault: true },
          ...defaultKeymap,
          ...historyKeymap,
        ]),
        javascript(),
        // Wrapped lines and a page-length editor: nothing scrolls inside it, so nothing in it is
        // out of reach of the keyboard.
        EditorView.lineWrapping,
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.contentAttributes.of({
          'aria-label': text('sandbox.editorLabel', { file: name }),
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) files[current] = update.state.doc.toString();
        }),
      ],
    });
  const view = new EditorView({ parent: editorBox, state: stateFor(current) });
  const tabButtons = new Map<string, HTMLButtonElement>();
  const show = (name: string): void => {
    current = name;
    view.setState(stateFor(name));
    for (const [file, button] of tabButtons)
      button.setAttribute('aria-pressed', String(file === name));
  };
  for (const name of config.editable) {
    const tab = element(
      'button',
      {
        type: 'button',
        class: 'sandbox-file',
        'aria-pressed': String(name === current),
        'data-file': name,
      },
      name,
    );
    tab.addEventListener('click', () => show(name));
    tabButtons.set(name, tab);
    tabs.append(tab);
  }
  apply.addEventListener('click', () => save());
  const load = (contents: Record<string, string>): void => {
    Object.assign(files, contents);
    show(current);
  };
  void runtime
    .readFiles()
    .then(load, (error: unknown) => say(text('sandbox.error', { message: String(error) })));

  // The lab's output, as a terminal shows it.
  const outputBox = element('div', { class: 'sandbox-output' });
  const outputHeading = element('h3', { id: `${id}-output` }, text('sandbox.output'));
  // The terminal's scrolling area is the labelled region (below), so its box is not one too.
  const terminalBox = element('div', { class: 'sandbox-terminal' });
  outputBox.append(outputHeading, terminalBox);
  const terminal = new Terminal({
    convertEol: true,
    disableStdin: true,
    rows: 14,
    fontSize: 13,
    scrollback: 5000,
    screenReaderMode: true,
  });
  terminal.open(terminalBox);
  terminal.textarea?.setAttribute('aria-label', text('sandbox.output'));
  // The output scrolls: keyboard users must be able to reach it to scroll it.
  const viewport = terminalBox.querySelector('.xterm-viewport');
  viewport?.setAttribute('tabindex', '0');
  viewport?.setAttribute('role', 'region');
  viewport?.setAttribute('aria-label', text('sandbox.output'));
  runtime.onOutput((chunk) => terminal.write(chunk));

  // Check results, when the lab is an exercise.
  const results = element('div', { class: 'sandbox-results', 'data-results': '' });

  if (config.exercise) {
    action(
      text('sandbox.check'),
      async () => {
        say(text('sandbox.checking'));
        showResults(results, await runtime.check(), config, say, text);
      },
      'check',
    );
    action(
      text('sandbox.solve'),
      async () => {
        load(await runtime.solve());
        say(text('sandbox.solveDone'));
      },
      'solve',
    );
  }
  action(
    text('sandbox.reset'),
    async () => {
      load(await runtime.reset());
      results.replaceChildren();
      say(text('sandbox.resetDone'));
    },
    'reset',
  );
  action(
    text('sandbox.stop'),
    async () => {
      await runtime.stop();
      terminal.dispose();
      workspace.replaceChildren();
      workspace.hidden = true;
      say(text('sandbox.stopped'));
      const start = workspace
        .closest('lab-sandbox')
        ?.querySelector<HTMLButtonElement>('[data-start]');
      if (start) {
        start.hidden = false;
        start.disabled = false;
      }
      workspace
        .closest('lab-sandbox')
        ?.querySelectorAll<HTMLInputElement>('input[type=radio]')
        .forEach((input) => (input.disabled = false));
    },
    'stop',
  );

  workspace.append(toolbar, results, previewBox, codeBox, outputBox);
}

function showResults(
  box: HTMLElement,
  results: CheckResult[],
  config: SandboxConfig,
  say: (message: string) => void,
  text: (key: SandboxKey, values?: Record<string, string | number>) => string,
): void {
  const passed = results.filter((result) => result.ok).length;
  const summary =
    passed === results.length
      ? text('sandbox.checkPassed', { passed, total: results.length })
      : text('sandbox.checkFailed', { passed, total: results.length });
  const heading = element('h3', {}, text('sandbox.checkResults'));
  const list = element('ul', { class: 'sandbox-result-list' });
  for (const result of results) {
    const item = element('li', {
      class: result.ok ? 'pass' : 'fail',
      'data-check': result.id,
      'data-ok': String(result.ok),
    });
    item.append(
      element(
        'strong',
        {},
        `${result.ok ? '✓' : '✗'} ${text(result.ok ? 'sandbox.pass' : 'sandbox.fail')}`,
      ),
      document.createTextNode(` — ${result.message[config.lang]}`),
    );
    list.append(item);
  }
  box.replaceChildren(heading, element('p', {}, summary), list);
  say(summary);
}
