/**
 * The recording: where no lab runs yet, or none can, the embed plays a recording of a real run
 * of the same experiment, made when the site was built, in the same dashboard (its player,
 * sandboxes/platform/dashboard/assets/player.js), framed from the site's own origin
 * (`/labs/dashboard/{fr,en}.html?recording=<id>`, written by src/integrations/recordings.ts).
 *
 * It is shown when the reader asks ("Watch the recording", beside Start), on a phone by default,
 * while a live lab is still starting (nobody waits), and when no runtime can run here. The live
 * lab takes over when it is ready: the recording is removed in place, saying so, and the page
 * does not move under the reader.
 */
import './recording.css';
import { followSteps } from './steps.ts';
import type { Lang } from '../runtime.ts';
import { recordingUrl } from '../recording-url.ts';
import type { SandboxKey, Translate } from '../strings.ts';

/** What the player posts when it delivers the recording again from the start (player.js). */
const RESET_MESSAGE = 'lab-recording-reset';

/** Why the recording shows; each reason is said above it in the page's language. */
export type RecordingReason = 'chosen' | 'phone' | 'waiting' | 'unavailable';

/** How long after Start is pressed the recording plays meanwhile, when the live lab is not showing yet. */
export const RECORDING_AFTER_MS = 2000;

const NOTE: Record<RecordingReason, SandboxKey> = {
  chosen: 'sandbox.recording.chosen',
  phone: 'sandbox.recording.phone',
  waiting: 'sandbox.recording.waiting',
  unavailable: 'sandbox.recording.unavailable',
};

/** Whether the recording is showing in this embed. */
export function recordingShown(host: HTMLElement): boolean {
  return host.querySelector<HTMLElement>('[data-recording]')?.hidden === false;
}

/**
 * Shows the recording of scenario `scenario` in the embed, saying why; a recording already
 * showing keeps playing where it is, and only what is said of it changes.
 */
export function showRecording(
  host: HTMLElement,
  scenario: string,
  lang: Lang,
  text: Translate,
  reason: RecordingReason,
): void {
  const box = host.querySelector<HTMLElement>('[data-recording]');
  if (!box) return;
  const note = box.querySelector<HTMLElement>('[data-recording-note]');
  if (note) note.textContent = text(NOTE[reason]);
  box.dataset['reason'] = reason;
  if (box.hidden) {
    const url = recordingUrl(scenario, lang);
    const frame = document.createElement('iframe');
    frame.className = 'sandbox-recording-frame';
    frame.title = text('sandbox.recording.frame');
    frame.dataset['recordingFrame'] = scenario;
    frame.src = url;
    const open = box.querySelector<HTMLAnchorElement>('[data-recording-open]');
    if (open) open.href = url;
    box.querySelector('[data-recording-slot]')?.replaceChildren(frame);
    box.hidden = false;
    listenForRestarts(host);
  }
  const close = box.querySelector<HTMLButtonElement>('[data-recording-close]');
  if (close && !close.dataset['wired']) {
    close.dataset['wired'] = 'true';
    close.addEventListener('click', () => {
      hideRecording(host);
      host.querySelector<HTMLButtonElement>('[data-watch]')?.focus();
    });
  }
}

/**
 * Removes the recording, keeping the reader's place: the part of the lesson in view stays where
 * it is, and a reader whose focus was in the recording finds it on `focusNext` (the live lab).
 */
export function hideRecording(host: HTMLElement, focusNext?: HTMLElement | null): void {
  const box = host.querySelector<HTMLElement>('[data-recording]');
  if (!box || box.hidden) return;
  const hadFocus = box.contains(document.activeElement);
  // When the embed is above the window, its change of height would move the text being read:
  // the page scrolls by the same amount, so that text stays put.
  const before = host.getBoundingClientRect().bottom;
  box.querySelector('[data-recording-slot]')?.replaceChildren();
  box.hidden = true;
  const after = host.getBoundingClientRect().bottom;
  if (before < 0) window.scrollBy(0, after - before);
  if (hadFocus && focusNext) {
    if (!focusNext.hasAttribute('tabindex')) focusNext.tabIndex = -1;
    focusNext.focus({ preventScroll: true });
  }
}

/** The embeds whose recording's restarts are heard, so that each is heard once. */
const listening = new WeakSet<HTMLElement>();

/**
 * When the reader goes back in the recording, its player delivers the frames again from the
 * start: the guided steps beside it (panels/steps.ts) forget theirs first, at once, so that the
 * frames that follow are judged afresh. The player says so before it delivers them again.
 */
function listenForRestarts(host: HTMLElement): void {
  if (listening.has(host)) return;
  listening.add(host);
  window.addEventListener('message', (event: MessageEvent) => {
    const frame = host.querySelector<HTMLIFrameElement>('iframe[data-recording-frame]');
    if (!frame || event.source !== frame.contentWindow || event.origin !== window.location.origin) {
      return;
    }
    if ((event.data as { type?: unknown } | null)?.type === RESET_MESSAGE) {
      followSteps(host)?.restart();
    }
  });
}

/** Reads the embed's config and shows its recording; for the "Watch the recording" button. */
export function watchRecording(host: HTMLElement): void {
  const config = JSON.parse(host.querySelector('[data-config]')?.textContent ?? '{}') as {
    scenario?: string | null;
    lang?: Lang;
    strings?: Record<string, string>;
  };
  if (!config.scenario) return;
  const strings = config.strings ?? {};
  const text: Translate = (key) => strings[key] ?? key;
  showRecording(host, config.scenario, config.lang ?? 'fr', text, 'chosen');
}
