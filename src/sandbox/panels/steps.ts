/**
 * The guided steps beside the running lab: the scenario's steps, rendered by Sandbox.astro, each
 * judged by the step engine (steps.js, the one the recorder and the tests use) from the frames
 * the dashboard posts (its observer.js). A step ticks itself when the engine says `done`, says
 * kindly what happened instead when it says `other`, and the next step begins at that moment.
 *
 * The frames come from the dashboard's frame, another origin in WebContainer: only messages whose
 * source is that frame's window are read. A recording played in the same dashboard posts the same
 * frames, so the steps tick the same way with every runtime.
 */
import './steps.css';
import { FRAME_MESSAGE } from '../../../sandboxes/platform/dashboard/assets/observer.js';
import { judgeStep } from '../../../sandboxes/platform/dashboard/assets/steps.js';
import type { Frame, Step } from '../../../sandboxes/labs/scenario-model.ts';
import type { Lang } from '../runtime.ts';
import type { Translate } from '../strings.ts';

/** The state a step shows, as its `data-state` and its announced label. */
export type StepState = 'todo' | 'current' | 'done' | 'other';

/** What the rest of the workspace needs from the steps. */
export interface StepsPanel {
  /** The current step's number (from 1) and its text, or null once every step is done. */
  current(): { n: number; total: number; text: string } | null;
  /** Calls `listener` whenever the current step changes or is judged anew. */
  onChange(listener: () => void): void;
  /** Forgets what was observed and starts again from the first step (a new run, a recording). */
  restart(): void;
  /** Stops listening to the frame and hides the steps. */
  close(): void;
}

const STATE_KEY = {
  todo: 'sandbox.steps.todo',
  current: 'sandbox.steps.current',
  done: 'sandbox.steps.done',
  other: 'sandbox.steps.other',
} as const;

/** A message of the dashboard's observer, or null for any other message. */
function frameOf(data: unknown): Frame | null {
  if (typeof data !== 'object' || data === null) return null;
  const message = data as { type?: unknown; frame?: unknown };
  if (message.type !== FRAME_MESSAGE || typeof message.frame !== 'object') return null;
  const frame = message.frame as { kind?: unknown } | null;
  return frame !== null && typeof frame.kind === 'string' ? (frame as Frame) : null;
}

/**
 * Shows the scenario's steps of a started lab and ticks them from the frames its dashboard
 * posts; null when the embed has no scenario.
 */
export function mountSteps(
  host: HTMLElement,
  frameElement: HTMLIFrameElement,
  steps: Step[],
  lang: Lang,
  text: Translate,
): StepsPanel | null {
  const section = host.querySelector<HTMLElement>('[data-steps]');
  if (!section || steps.length === 0) return null;
  const items = steps.map((step) =>
    section.querySelector<HTMLLIElement>(`li[data-step="${CSS.escape(step.id)}"]`),
  );
  if (items.some((item) => item === null)) return null;
  const live = section.querySelector<HTMLElement>('[data-steps-live]');
  section.hidden = false;

  const observations: Frame[] = [];
  let index = 0;
  let begin = 0;
  let lastStatus: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const listeners: (() => void)[] = [];

  const announce = (message: string): void => {
    if (live) live.textContent = message;
  };
  const show = (at: number, state: StepState, message: string | null): void => {
    const item = items[at];
    if (!item) return;
    item.dataset['state'] = state;
    if (state === 'current' || state === 'other') item.setAttribute('aria-current', 'step');
    else item.removeAttribute('aria-current');
    const label = item.querySelector<HTMLElement>('[data-step-state]');
    if (label) label.textContent = text(STATE_KEY[state]);
    const box = item.querySelector<HTMLElement>('[data-step-message]');
    if (box) {
      box.textContent = message ?? '';
      box.hidden = message === null;
    }
    const retry = item.querySelector<HTMLButtonElement>('[data-step-retry]');
    if (retry) retry.hidden = state !== 'other';
  };
  const notify = (): void => listeners.forEach((listener) => listener());

  // Judges the current step on what was seen since it began; a step that is done hands over to
  // the next at once, which is judged on what comes after (nothing yet), and so on.
  const judge = (): void => {
    timer = null;
    while (index < steps.length) {
      const step = steps[index]!;
      const judgement = judgeStep(step, observations.slice(begin), observations.slice(0, begin));
      const n = index + 1;
      if (judgement.status === 'done') {
        const message = `${judgement.caption[lang]} ${judgement.message[lang]}`;
        show(index, 'done', message);
        announce(text('sandbox.steps.announceDone', { n, message }));
        index += 1;
        begin = observations.length;
        lastStatus = null;
        if (index < steps.length) show(index, 'current', null);
        else
          announce(
            `${text('sandbox.steps.announceDone', { n, message })} ${text('sandbox.steps.allDone')}`,
          );
        continue;
      }
      const message = judgement.message[lang];
      if (judgement.status === 'other') {
        show(index, 'other', message);
        // Said once, not at every frame that still shows the same thing.
        if (lastStatus !== `other:${message}`) {
          announce(text('sandbox.steps.announceOther', { n, message }));
        }
      } else {
        show(index, 'current', message);
      }
      lastStatus = `${judgement.status}:${message}`;
      break;
    }
    notify();
  };
  const schedule = (): void => {
    // Frames come in bursts (a rollout, automatic traffic): one judgement per burst.
    if (timer === null) timer = setTimeout(judge, 60);
  };

  const onMessage = (event: MessageEvent): void => {
    if (event.source !== frameElement.contentWindow) return;
    const frame = frameOf(event.data);
    if (!frame) return;
    observations.push(frame);
    schedule();
  };
  window.addEventListener('message', onMessage);

  // "Start this step again": what was seen so far in this step no longer counts against it.
  const retries = items.map((item) => item!.querySelector<HTMLButtonElement>('[data-step-retry]'));
  const onRetry = (): void => {
    begin = observations.length;
    lastStatus = null;
    const focused = retries[index];
    show(index, 'current', null);
    judge();
    // The button hides itself: focus goes to the step it belonged to rather than to the page.
    if (focused && document.activeElement === document.body) items[index]?.focus();
  };
  for (const [at, retry] of retries.entries()) {
    items[at]!.tabIndex = -1;
    retry?.addEventListener('click', onRetry);
  }

  const reset = (): void => {
    observations.length = 0;
    index = 0;
    begin = 0;
    lastStatus = null;
    steps.forEach((_, at) => show(at, at === 0 ? 'current' : 'todo', null));
    announce('');
    notify();
  };
  reset();

  return {
    current: () =>
      index < steps.length
        ? { n: index + 1, total: steps.length, text: steps[index]!.do[lang] }
        : null,
    onChange: (listener) => listeners.push(listener),
    restart: reset,
    close: () => {
      window.removeEventListener('message', onMessage);
      if (timer !== null) clearTimeout(timer);
      for (const retry of retries) retry?.removeEventListener('click', onRetry);
      steps.forEach((_, at) => show(at, 'todo', null));
      section.hidden = true;
    },
  };
}
