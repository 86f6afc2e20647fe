/**
 * The guided steps beside the running lab: the scenario's steps, rendered by Sandbox.astro, each
 * judged by the step engine (steps.js, the one the recorder and the tests use) from the frames
 * the dashboard posts (its observer.js). A step ticks itself when the engine says `done`, says
 * kindly what happened instead when it says `other`, and the next step begins at that moment.
 *
 * The frames come from the dashboard's frame, another origin in WebContainer: only messages whose
 * source is the window of one of this embed's own frames are read (the live dashboard's, or the
 * recording's, played by the same dashboard code, which posts the same frames). So the steps tick
 * the same way with every runtime and with the recording. Frames from another window than the
 * last mean another run (the live lab taking over from its recording): the steps start again.
 */
import './steps.css';
import { FRAME_MESSAGE } from '../../../sandboxes/platform/dashboard/assets/observer.js';
import { judgeStep } from '../../../sandboxes/platform/dashboard/assets/steps.js';
import type { Frame, Step } from '../../../sandboxes/labs/scenario-model.ts';
import type { Lang } from '../runtime.ts';
import { fill, type SandboxStrings, type Translate } from '../strings.ts';

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

/** The panel of each embed whose steps show, so that the live lab and its recording share one. */
const mounted = new WeakMap<HTMLElement, StepsPanel>();

/**
 * Shows the scenario's steps of an embed and ticks them from the frames its dashboards post (the
 * live lab's or the recording's); null when the embed has no scenario. Mounting twice gives the
 * panel already there.
 */
export function mountSteps(
  host: HTMLElement,
  steps: Step[],
  lang: Lang,
  text: Translate,
): StepsPanel | null {
  const existing = mounted.get(host);
  if (existing) return existing;
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

  let lastSource: MessageEventSource | null = null;
  const onMessage = (event: MessageEvent): void => {
    const ours = [...host.querySelectorAll('iframe')].some(
      (frame) => frame.contentWindow !== null && frame.contentWindow === event.source,
    );
    if (!ours) return;
    const frame = frameOf(event.data);
    if (!frame) return;
    if (lastSource !== null && event.source !== lastSource) reset();
    lastSource = event.source;
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

  const panel: StepsPanel = {
    current: () =>
      index < steps.length
        ? { n: index + 1, total: steps.length, text: steps[index]!.do[lang] }
        : null,
    onChange: (listener) => listeners.push(listener),
    restart: reset,
    close: () => {
      mounted.delete(host);
      window.removeEventListener('message', onMessage);
      if (timer !== null) clearTimeout(timer);
      for (const retry of retries) retry?.removeEventListener('click', onRetry);
      steps.forEach((_, at) => show(at, 'todo', null));
      section.hidden = true;
    },
  };
  mounted.set(host, panel);
  return panel;
}

/**
 * Shows the steps of an embed from its own config (Sandbox.astro's JSON), for a recording that
 * plays without the workspace; null when the embed has no scenario.
 */
export function followSteps(host: HTMLElement): StepsPanel | null {
  const config = JSON.parse(host.querySelector('[data-config]')?.textContent ?? '{}') as {
    lang?: Lang;
    steps?: Step[];
    strings?: SandboxStrings;
  };
  const strings = config.strings;
  if (!strings || !config.steps) return null;
  const text: Translate = (key, values) => fill(strings[key], values);
  return mountSteps(host, config.steps, config.lang === 'en' ? 'en' : 'fr', text);
}
