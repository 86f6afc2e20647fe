/**
 * The sandbox UI, loaded when the learner presses Start: it picks a runtime and starts the lab
 * (panels/start.ts) while the workspace's heavier code (editor, terminal) downloads beside it,
 * then opens the workspace (workspace.ts). It only reads the runtime's answers: the runtimes know
 * nothing of the page.
 */
import {
  RECORDING_AFTER_MS,
  hideRecording,
  recordingShown,
  showRecording,
  type RecordingReason,
} from './panels/recording.ts';
import { lockChoice, readChoice, startSomewhere } from './panels/start.ts';
import { browserEnvironment, recordingByDefault } from './support.ts';
import type { Progress } from './runtime.ts';
import { fill, type SandboxKey, type Translate } from './strings.ts';
import type { SandboxConfig } from './workspace.ts';

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

  // The recording of this embed's experiment, where it has one (panels/recording.ts).
  const scenario = config.scenario;
  const playRecording = (reason: RecordingReason): void => {
    if (!scenario) return;
    // The steps tick from the recording's frames as they would from the live lab's.
    void import('./panels/steps.ts').then(({ followSteps }) => followSteps(host));
    showRecording(host, scenario, config.lang, text, reason);
  };
  // On a phone the recording is the default: "best available" plays it, and the learner who
  // wants the lab live picks a runtime and presses Start again.
  if (scenario && readChoice(host) === 'auto' && recordingByDefault(browserEnvironment())) {
    playRecording('phone');
    startButton.disabled = false;
    return;
  }
  // Nobody waits: when the live lab is not showing soon, the recording plays meanwhile.
  // The moment counts from the press of Start, not from when this code had downloaded.
  const pressed = Number(host.dataset['startedAt'] ?? performance.now());
  const wait = Math.max(0, RECORDING_AFTER_MS - (performance.now() - pressed));
  const meanwhile = scenario ? setTimeout(() => playRecording('waiting'), wait) : 0;

  lockChoice(host, true);
  // The editor and the terminal load while the lab starts, not after: the lab's start is the
  // longer wait, so the workspace is ready the moment the lab is.
  const workspaceCode = import('./workspace.ts');
  workspaceCode.catch(() => {});
  const started = await startSomewhere({
    lab: config.lab,
    choice: readChoice(host),
    onProgress,
    say,
    text,
    lang: config.lang,
  });
  clearTimeout(meanwhile);
  if (!started) {
    // No runtime can run here: the recording shows the experiment instead.
    playRecording('unavailable');
    lockChoice(host, false);
    startButton.disabled = false;
    return;
  }
  const { runtime, previewUrl } = started;
  startButton.hidden = true;
  say(`${text('sandbox.progress.ready')} ${text(`sandbox.runningOn.${runtime.kind}`)}`);
  (await workspaceCode).openWorkspace(host, config, runtime, previewUrl, say, text);
  if (recordingShown(host)) {
    // The live lab takes over in the recording's place, and says so.
    hideRecording(host, host.querySelector<HTMLElement>('[data-workspace]'));
    say(`${status.textContent ?? ''} ${text('sandbox.recording.takeover')}`);
  }
}
