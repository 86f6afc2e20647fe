/**
 * The docked layout: on a wide screen the running lab (its steps, dashboard, code, output and
 * results) moves into a pane beside the lesson, resizable, each side scrolling on its own; on a
 * phone it opens full screen with the current step in a bar and a way back to the text.
 *
 * Only CSS moves: the pane gets `position: fixed` and the lesson column a margin as wide as it.
 * Moving the dashboard's frame in the DOM would reload it and lose what it shows, so the DOM
 * never changes. The one toggle button stays the same element in every layout, so the focus
 * that was on it stays there, and focus anywhere in the pane stays where it was.
 *
 * The learner's choice of the side pane and its width are remembered for the next lab.
 */
import './dock.css';
import type { Translate } from '../strings.ts';

/** Where the running lab is shown. */
export type DockMode = 'inline' | 'side' | 'full';

/** What the workspace needs from the dock. */
export interface Dock {
  /** The layout now. */
  mode(): DockMode;
  /** Shows the lab in this layout. */
  set(mode: DockMode): void;
  /** Shows the current step in the full-screen bar (null: every step is done, or none). */
  showStep(step: { n: number; total: number; text: string } | null): void;
  /** Puts the lab back in the lesson and removes the dock's controls. */
  close(): void;
}

/** Where the learner's choice is kept, for the next lab. */
export const DOCK_STORAGE_KEY = 'lab.dock';
/** The widest a phone is: there the lab opens full screen by itself. */
export const PHONE_MAX_PX = 600;
/** The narrowest screen with room for the lesson and the lab side by side. */
export const SIDE_MIN_PX = 900;
/** The narrowest the lesson and the pane may each be, in pixels. */
const LESSON_MIN_PX = 360;
const PANE_MIN_PX = 360;
/** How far one arrow key moves the separator, in pixels (ten times with Page Up/Down). */
const STEP_PX = 24;

interface Preference {
  docked: boolean;
  width: number | null;
}

// Storage may be blocked (a private window, a policy): then the choice lasts for this page only.
function readPreference(): Preference {
  try {
    const kept = JSON.parse(localStorage.getItem(DOCK_STORAGE_KEY) ?? 'null') as unknown;
    if (typeof kept === 'object' && kept !== null) {
      const { docked, width } = kept as Record<string, unknown>;
      return { docked: docked === true, width: typeof width === 'number' ? width : null };
    }
  } catch {
    // Unreadable: as if nothing was chosen.
  }
  return { docked: false, width: null };
}

function savePreference(preference: Preference): void {
  try {
    localStorage.setItem(DOCK_STORAGE_KEY, JSON.stringify(preference));
  } catch {
    // The choice lasts for this page only.
  }
}

/** The one lab that is docked on this page: docking another puts this one back first. */
let docked: { dock: Dock; host: HTMLElement } | null = null;

/**
 * Adds the dock's controls to a started lab and applies the remembered layout: the side pane if
 * the learner chose it last time and the screen is wide, full screen on a phone.
 */
export function mountDock(host: HTMLElement, text: Translate): Dock {
  const root = document.documentElement;
  const pane = host.querySelector<HTMLElement>('[data-pane]')!;
  const bar = host.querySelector<HTMLElement>('[data-dockbar]')!;
  const button = host.querySelector<HTMLButtonElement>('[data-dock]')!;
  const separator = host.querySelector<HTMLElement>('[data-separator]')!;
  const note = host.querySelector<HTMLElement>('[data-docked-note]');
  const stepLine = host.querySelector<HTMLElement>('[data-current-step]');
  const wide = window.matchMedia(`(min-width: ${SIDE_MIN_PX + 1}px)`);
  let mode: DockMode = 'inline';
  let width = readPreference().width;

  // The room the lesson and the pane share: the window, less the site's navigation sidebar.
  const room = (): number => {
    const frame = document.querySelector('.main-frame');
    const start = frame ? parseFloat(getComputedStyle(frame).paddingInlineStart) || 0 : 0;
    return window.innerWidth - start;
  };
  const limits = (): { min: number; max: number } => {
    const max = Math.max(PANE_MIN_PX, room() - LESSON_MIN_PX);
    return { min: Math.min(PANE_MIN_PX, max), max };
  };
  const applyWidth = (): void => {
    const { min, max } = limits();
    const wanted = width ?? Math.round(room() * 0.5);
    const px = Math.min(max, Math.max(min, wanted));
    root.style.setProperty('--lab-dock-width', `${px}px`);
    separator.setAttribute('aria-valuemin', String(min));
    separator.setAttribute('aria-valuemax', String(max));
    separator.setAttribute('aria-valuenow', String(px));
    separator.setAttribute('aria-valuetext', `${px} px`);
  };
  const label = (): string => {
    if (mode === 'side') return text('sandbox.undock');
    if (mode === 'full') return text('sandbox.backToText');
    return text(wide.matches ? 'sandbox.dock' : 'sandbox.fullScreen');
  };

  const dock: Dock = {
    mode: () => mode,
    set(next) {
      if (next === 'side' && !wide.matches) next = 'full';
      if (next !== 'inline' && docked && docked.dock !== dock) docked.dock.set('inline');
      mode = next;
      docked = next === 'inline' ? (docked?.dock === dock ? null : docked) : { dock, host };
      pane.dataset['layout'] = next;
      if (next === 'inline') delete root.dataset['labDock'];
      else root.dataset['labDock'] = next;
      separator.hidden = next !== 'side';
      if (stepLine) stepLine.hidden = next !== 'full';
      if (note) {
        note.hidden = next === 'inline';
        note.textContent =
          next === 'side'
            ? text('sandbox.dockedNote')
            : next === 'full'
              ? text('sandbox.fullNote')
              : '';
      }
      button.textContent = label();
      if (next === 'side') applyWidth();
    },
    showStep(step) {
      if (!stepLine) return;
      stepLine.textContent = step
        ? text('sandbox.steps.bar', { n: step.n, total: step.total, text: step.text })
        : '';
    },
    close() {
      dock.set('inline');
      bar.hidden = true;
      button.removeEventListener('click', onToggle);
      separator.removeEventListener('keydown', onKey);
      separator.removeEventListener('pointerdown', onPointerDown);
      wide.removeEventListener('change', onWidth);
      window.removeEventListener('resize', onResize);
      document.removeEventListener('focusin', onFocusIn);
    },
  };

  const onToggle = (): void => {
    const was = mode;
    const next: DockMode = was === 'inline' ? (wide.matches ? 'side' : 'full') : 'inline';
    dock.set(next);
    // Only the side pane is a preference; full screen is how a small screen shows a lab.
    if (next === 'side' || was === 'side') savePreference({ docked: next === 'side', width });
    // The button moved with its pane: bring it into view, focus never left it.
    button.scrollIntoView({ block: 'nearest' });
  };
  const resizeTo = (px: number): void => {
    const { min, max } = limits();
    width = Math.min(max, Math.max(min, Math.round(px)));
    applyWidth();
    savePreference({ docked: true, width });
  };
  const current = (): number => Number(separator.getAttribute('aria-valuenow'));
  // The separator is the pane's left edge: moving it left widens the pane.
  const onKey = (event: KeyboardEvent): void => {
    const moves: Record<string, number> = {
      ArrowLeft: STEP_PX,
      ArrowRight: -STEP_PX,
      ArrowUp: STEP_PX,
      ArrowDown: -STEP_PX,
      PageUp: STEP_PX * 10,
      PageDown: -STEP_PX * 10,
    };
    if (event.key === 'Home') resizeTo(limits().min);
    else if (event.key === 'End') resizeTo(limits().max);
    else if (event.key in moves) resizeTo(current() + moves[event.key]!);
    else return;
    event.preventDefault();
  };
  const onPointerDown = (down: PointerEvent): void => {
    down.preventDefault();
    separator.setPointerCapture(down.pointerId);
    // While dragging, the frame must not swallow the pointer's moves.
    pane.dataset['resizing'] = '';
    const onMove = (move: PointerEvent): void => resizeTo(window.innerWidth - move.clientX);
    const onUp = (): void => {
      delete pane.dataset['resizing'];
      separator.removeEventListener('pointermove', onMove);
      separator.removeEventListener('pointerup', onUp);
      separator.removeEventListener('pointercancel', onUp);
    };
    separator.addEventListener('pointermove', onMove);
    separator.addEventListener('pointerup', onUp);
    separator.addEventListener('pointercancel', onUp);
  };
  // A window that becomes too narrow for two columns shows the lab in the lesson again.
  const onWidth = (): void => {
    if (mode === 'side' && !wide.matches) dock.set('inline');
    else button.textContent = label();
  };
  const onResize = (): void => {
    if (mode === 'side') applyWidth();
  };
  // Full screen covers the lesson: focus that wanders behind it (Tab past the lab's last control)
  // comes back to the bar, where "Back to the text" is.
  const onFocusIn = (event: FocusEvent): void => {
    if (mode === 'full' && event.target instanceof Node && !pane.contains(event.target)) {
      button.focus();
    }
  };

  button.addEventListener('click', onToggle);
  separator.addEventListener('keydown', onKey);
  separator.addEventListener('pointerdown', onPointerDown);
  wide.addEventListener('change', onWidth);
  window.addEventListener('resize', onResize);
  document.addEventListener('focusin', onFocusIn);
  bar.hidden = false;
  dock.set('inline');
  if (window.innerWidth <= PHONE_MAX_PX) dock.set('full');
  else if (wide.matches && readPreference().docked) dock.set('side');
  return dock;
}
