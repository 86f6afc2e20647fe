/**
 * The editor: one tab per editable file (rendered in the template), a CodeMirror view, and Apply
 * (or Ctrl/Cmd+S) to hand the file to the runtime, whose platform rolls it out.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { messageOf } from '../../../sandboxes/platform/errors.ts';
import type { LabRuntime } from '../runtime.ts';
import type { Translate } from '../strings.ts';

/** The editor of a mounted workspace. */
export interface EditorPanel {
  /** Shows new contents of the files (after Reset or Solve), keeping the current tab. */
  load(files: Record<string, string>): void;
  destroy(): void;
}

/** Mounts the editor into the workspace's `[data-editor]`, wiring its file tabs and Apply. */
export function mountEditor(
  workspace: HTMLElement,
  runtime: LabRuntime,
  text: Translate,
  say: (message: string) => void,
): EditorPanel {
  const tabs = [...workspace.querySelectorAll<HTMLButtonElement>('button[data-file]')];
  const files: Record<string, string> = {};
  let current = tabs[0]?.dataset['file'] ?? '';

  const save = (): boolean => {
    const name = current;
    const content = view.state.doc.toString();
    files[name] = content;
    runtime.writeFile(name, content).then(
      () => say(text('sandbox.applied', { file: name })),
      (error: unknown) => say(text('sandbox.error', { message: messageOf(error) })),
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
  const view = new EditorView({
    parent: workspace.querySelector<HTMLElement>('[data-editor]')!,
    state: stateFor(current),
  });
  const show = (name: string): void => {
    current = name;
    view.setState(stateFor(name));
    for (const tab of tabs) tab.setAttribute('aria-pressed', String(tab.dataset['file'] === name));
  };
  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset['file'] ?? ''));
  workspace
    .querySelector<HTMLButtonElement>('button[data-action="apply"]')
    ?.addEventListener('click', () => save());

  const load = (contents: Record<string, string>): void => {
    Object.assign(files, contents);
    show(current);
  };
  void runtime
    .readFiles()
    .then(load, (error: unknown) => say(text('sandbox.error', { message: messageOf(error) })));
  return { load, destroy: () => view.destroy() };
}
