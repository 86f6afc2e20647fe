/**
 * The runtime choice and the start: "best available" asks the page's own origin first (a lab host
 * answers there within a few hundred milliseconds, as in an offline workshop) and only then boots
 * WebContainer, so `npm start` never waits on a boot that cannot succeed offline.
 */
import { messageOf } from '../../../sandboxes/platform/errors.ts';
import { LocalRuntime } from '../local-runtime.ts';
import { RuntimeUnavailable, type Lang, type LabRuntime, type Progress } from '../runtime.ts';
import type { Translate } from '../strings.ts';
import { browserEnvironment, webContainerSupport } from '../support.ts';
import { WebContainerRuntime } from '../webcontainer-runtime.ts';

/** What the learner picked in the runtime choice. */
export type Choice = 'auto' | 'webcontainer' | 'local';

/** How long "best available" waits for a lab host on the page's own origin. */
export const LOCAL_PROBE_MS = 500;

/** What `startSomewhere` needs from the page. */
export interface StartContext {
  lab: string;
  choice: Choice;
  onProgress: (progress: Progress) => void;
  say: (message: string) => void;
  text: Translate;
  /** The page's language, which the lab speaks (`LAB_LANG`). @default 'fr' */
  lang?: Lang;
}

/** The checked runtime choice inside a sandbox element; `auto` when none is checked. */
export function readChoice(host: HTMLElement): Choice {
  const value = host.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value;
  return value === 'webcontainer' || value === 'local' ? value : 'auto';
}

/** Enables or disables the runtime choice (fixed while a lab runs). */
export function lockChoice(host: HTMLElement, locked: boolean): void {
  host
    .querySelectorAll<HTMLInputElement>('input[type=radio]')
    .forEach((input) => (input.disabled = locked));
}

/**
 * Starts the lab in the first runtime that can run it; a runtime that cannot says why and the
 * next is tried. Resolves with null, having said every reason, when none could.
 */
export async function startSomewhere(
  context: StartContext,
): Promise<{ runtime: LabRuntime; previewUrl: string } | null> {
  const { lab, choice, onProgress, say, text } = context;
  const lang = context.lang ?? 'fr';
  const local = (): LocalRuntime => new LocalRuntime({ labId: lab, lang });
  const browser = (): WebContainerRuntime =>
    new WebContainerRuntime({ labId: lab, treeUrl: `/labs/${lab}.json`, lang });
  const reasons: string[] = [];
  const candidates: LabRuntime[] = [];
  if (choice === 'local') candidates.push(local());
  else if (choice === 'webcontainer') candidates.push(browser());
  else {
    onProgress({ step: 'probing' });
    const nearby = local();
    // A host that answers goes first; one that did not answer in time is asked again last, with
    // the patience of an explicit choice, in case it was only slow.
    if (await nearby.reachable(LOCAL_PROBE_MS)) candidates.push(nearby, browser());
    else candidates.push(browser(), nearby);
  }

  for (const [index, runtime] of candidates.entries()) {
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
          : text('sandbox.error', { message: messageOf(error) });
      reasons.push(reason);
      await runtime.stop().catch(() => undefined);
      const next = candidates[index + 1];
      if (next) {
        say(
          text(next.kind === 'local' ? 'sandbox.fallback' : 'sandbox.fallbackBrowser', { reason }),
        );
      }
    }
  }
  say(text('sandbox.unavailable', { reasons: reasons.join(' ; ') }));
  return null;
}
