/** The lab's output, as a terminal shows it: read-only, with a scrolling region keyboards reach. */
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { LabRuntime } from '../runtime.ts';
import type { Translate } from '../strings.ts';

/** Opens a terminal in the workspace's `[data-terminal]` fed by the runtime's output; returns its disposer. */
export function mountTerminal(
  workspace: HTMLElement,
  runtime: LabRuntime,
  text: Translate,
): () => void {
  const box = workspace.querySelector<HTMLElement>('[data-terminal]')!;
  const terminal = new Terminal({
    convertEol: true,
    disableStdin: true,
    rows: 14,
    fontSize: 13,
    scrollback: 5000,
    screenReaderMode: true,
  });
  terminal.open(box);
  terminal.textarea?.setAttribute('aria-label', text('sandbox.output'));
  // The output scrolls: keyboard users must be able to reach it to scroll it. The terminal's
  // scrolling area is the labelled region, so its box is not one too.
  const viewport = box.querySelector('.xterm-viewport');
  viewport?.setAttribute('tabindex', '0');
  viewport?.setAttribute('role', 'region');
  viewport?.setAttribute('aria-label', text('sandbox.output'));
  const unsubscribe = runtime.onOutput((chunk) => terminal.write(chunk));
  return () => {
    unsubscribe();
    terminal.dispose();
  };
}
