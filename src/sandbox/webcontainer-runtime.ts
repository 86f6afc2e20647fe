/**
 * The WebContainer runtime: runs a packaged lab inside the learner's browser tab. It boots the
 * page's one WebContainer (boot.ts), mounts the lab's file tree as the site's build packaged it
 * (packaged-lab.ts; no `npm install` in the browser), starts `node lab.js`, and drives the running
 * lab through the container's file system and processes. It touches no DOM: the sandbox UI reads
 * what it reports, and the tests drive it with a fake WebContainer in Node.
 */
import type { FileTree } from '../../sandboxes/pack.ts';
import { messageOf } from '../../sandboxes/platform/errors.ts';
import {
  bootWebContainer,
  bootWithTimeLimit,
  claimContainer,
  releaseContainer,
  type WebContainerLike,
  type WebContainerProcessLike,
} from './boot.ts';
import { parseCheckOutput, readRolloutOutput } from './check-output.ts';
import { OutputLog, lastLines } from './output-log.ts';
import { fetchLabTree, readPackagedLab, type PackagedLab } from './packaged-lab.ts';
import { progressFromLine } from './progress.ts';
import type { CheckResult, Lang, LabRuntime, Progress } from './runtime.ts';
import { SelfTestCollector, type SelfTestReport } from './self-test.ts';
import { browserEnvironment, webContainerSupport, type SupportEnvironment } from './support.ts';

/** The port the lab's platform listens on inside the container. */
export const LAB_PORT = 3000;

/**
 * How long the lab waits after SIGTERM before SIGKILL, in the container: signals may not arrive
 * there, so a stop must not hang on the 10 s the local lab allows.
 */
export const STOP_GRACE_MS = 3000;

/**
 * The whole environment `node lab.js` gets in the container, and nothing else: the lab takes its
 * session store and instance count from its own lab.json, never from the page that starts it.
 * Only its language comes from the page: `lang` is the page's, so the lab speaks it.
 */
export function labEnvironment(port = LAB_PORT, lang: Lang = 'fr'): Record<string, string> {
  return {
    LAB_PORT: String(port),
    // Inside WebContainer the lab listens on every interface, as WebContainer's own examples do:
    // its preview relay reaches the port there, and nothing outside the container can.
    LAB_HOST: '0.0.0.0',
    // The dashboard is shown in a frame of another site (the preview's origin is not the course's).
    LAB_FRAMED: '1',
    // The lab reports which of the container's signals, watchers, store link and cookie work.
    LAB_SELF_TEST: '1',
    LAB_STOP_GRACE_MS: String(STOP_GRACE_MS),
    // The lab's messages for people (its shutdown line, its errors) in the page's language.
    LAB_LANG: lang,
  };
}

/** Options of a `WebContainerRuntime`; every dependency can be replaced, so tests can fake it. */
export interface WebContainerRuntimeOptions {
  /** The lab's id; the packaged tree's `lab.json` must carry the same. */
  labId: string;
  /** Where the site serves the packaged lab's file tree as JSON, e.g. `/labs/sessions.json`. */
  treeUrl: string;
  /** Boots the page's WebContainer (or returns the one already booted). @default bootWebContainer */
  boot?: () => Promise<WebContainerLike>;
  /** Downloads the packaged lab. @default fetchLabTree */
  fetchTree?: (url: string) => Promise<FileTree>;
  /** How long to wait for the boot: offline, `boot()` never settles. @default 20000 */
  bootTimeoutMs?: number;
  /** How long the lab may take from `node lab.js` to a ready dashboard. @default 60000 */
  startTimeoutMs?: number;
  /** How long the checks may run. @default 60000 */
  checkTimeoutMs?: number;
  /** How long a rollout may take after Solve, Reset or before Check. @default 90000 */
  rolloutTimeoutMs?: number;
  /** The port the lab listens on inside the container. @default LAB_PORT */
  port?: number;
  /** The browser's capabilities. @default browserEnvironment() */
  environment?: SupportEnvironment;
  /** The page's language, which the lab speaks (`LAB_LANG`). @default 'fr' */
  lang?: Lang;
}

// A process's output stream may deliver its last chunks just after its exit code; wait this long for them.
const OUTPUT_GRACE_MS = 200;

/** Runs a packaged lab in the page's WebContainer. Once stopped, it cannot start again: make a new one. */
export class WebContainerRuntime implements LabRuntime {
  readonly kind = 'webcontainer';
  readonly #labId: string;
  readonly #treeUrl: string;
  readonly #boot: () => Promise<WebContainerLike>;
  readonly #fetchTree: (url: string) => Promise<FileTree>;
  readonly #bootTimeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #checkTimeoutMs: number;
  readonly #rolloutTimeoutMs: number;
  readonly #port: number;
  readonly #environment: SupportEnvironment;
  readonly #lang: Lang;

  #starting: Promise<{ previewUrl: string }> | null = null;
  #container: WebContainerLike | null = null;
  #lab: PackagedLab | null = null;
  #process: WebContainerProcessLike | null = null;
  #ready = false;
  #stopped = false;
  readonly #unsubscribers: (() => void)[] = [];
  // Rejects when stop() is called, so that a start waiting on a hung step gives up at once.
  readonly #stopSignal: Promise<never>;
  #signalStop: (error: Error) => void = () => {};
  readonly #log = new OutputLog();
  readonly #selfTest = new SelfTestCollector();

  constructor(options: WebContainerRuntimeOptions) {
    this.#labId = options.labId;
    this.#treeUrl = options.treeUrl;
    this.#boot = options.boot ?? bootWebContainer;
    this.#fetchTree = options.fetchTree ?? fetchLabTree;
    this.#bootTimeoutMs = options.bootTimeoutMs ?? 20_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.#checkTimeoutMs = options.checkTimeoutMs ?? 60_000;
    this.#rolloutTimeoutMs = options.rolloutTimeoutMs ?? 90_000;
    this.#port = options.port ?? LAB_PORT;
    this.#environment = options.environment ?? browserEnvironment();
    this.#lang = options.lang ?? 'fr';
    this.#stopSignal = new Promise<never>((_, reject) => {
      this.#signalStop = reject;
    });
    // Nobody may be waiting on the signal when it fires; that is not an error.
    this.#stopSignal.catch(() => {});
    this.#unsubscribers.push(this.#selfTest.read(this.#log));
  }

  /** The lab's address inside the container, which the checks and the rollout wait visit. */
  get labUrl(): string {
    return `http://127.0.0.1:${this.#port}/`;
  }

  start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }> {
    this.#starting ??= this.#start(onProgress).catch(async (error: unknown) => {
      // A failed start leaves nothing running: the page may fall back to another runtime.
      await this.stop();
      throw error;
    });
    return this.#starting;
  }

  async #start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }> {
    if (this.#stopped)
      throw new Error('This lab was stopped; start a new runtime to run it again.');
    const refusal = webContainerSupport(this.#environment);
    if (refusal) throw refusal;

    onProgress({ step: 'booting' });
    // The download and the boot both wait on the network: overlap them. A failed download is
    // reported after the boot, in order.
    const download = this.#fetchTree(this.#treeUrl);
    download.catch(() => {});
    const container = await bootWithTimeLimit(this.#boot, this.#bootTimeoutMs, this.#stopSignal);
    claimContainer(container, this, this.#labId);
    this.#container = container;
    if (this.#stopped) {
      this.#releaseContainer();
      throw new Error('The lab was stopped while WebContainer was starting.');
    }

    onProgress({ step: 'downloading' });
    let tree: FileTree;
    try {
      tree = await this.#unlessStopped(download);
    } catch (error) {
      if (this.#stopped) throw error;
      throw new Error(`Could not download the lab from ${this.#treeUrl}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const lab = readPackagedLab(tree, this.#labId);

    onProgress({ step: 'mounting' });
    // The tree is mounted exactly as the build packaged it: the platform, the bundled
    // dependencies and the learner's files; nothing is installed in the browser.
    await this.#unlessStopped(container.mount(tree));
    this.#lab = lab;

    return this.#unlessStopped(this.#runLab(container, onProgress));
  }

  // Starts `node lab.js` and resolves once the lab says it is ready and its port has a URL.
  async #runLab(
    container: WebContainerLike,
    onProgress: (progress: Progress) => void,
  ): Promise<{ previewUrl: string }> {
    let previewUrl: string | null = null;
    let announced = false;
    let resolve: (value: { previewUrl: string }) => void = () => {};
    let reject: (error: Error) => void = () => {};
    // Not Promise.withResolvers: Safari before 17.4, which WebContainer supports, lacks it.
    const ready = new Promise<{ previewUrl: string }>((settle, fail) => {
      resolve = settle;
      reject = fail;
    });
    // The port opens before the instances are ready and the "Lab ready" line may come before or
    // after WebContainer reports the port: the lab is ready when both have happened.
    const settleIfReady = (): void => {
      if (previewUrl !== null && announced && !this.#ready) {
        this.#ready = true;
        onProgress({ step: 'ready' });
        resolve({ previewUrl });
      }
    };
    // Only the lab's own port is the dashboard: the store's and the instances' ports open too.
    const onPortUrl = (port: number, url: string): void => {
      if (port !== this.#port) return;
      previewUrl = url;
      settleIfReady();
    };
    // Listen before spawning, so that a port opened at once is not missed.
    this.#unsubscribers.push(
      container.on('server-ready', onPortUrl),
      container.on('port', (port, type, url) => {
        if (type === 'open') onPortUrl(port, url);
      }),
      container.on('error', (error) => {
        if (!this.#ready) reject(new Error(`WebContainer reported an error: ${error.message}`));
      }),
      // The same reading of the platform's lines as the local runtime, so both report alike.
      this.#log.onLine((line) => {
        const progress = progressFromLine(line);
        if (progress?.step === 'ready') {
          announced = true;
          settleIfReady();
        } else if (progress && !this.#ready) {
          onProgress(progress);
        }
      }),
    );

    onProgress({ step: 'starting' });
    const labProcess = await container.spawn('node', ['lab.js'], {
      env: labEnvironment(this.#port, this.#lang),
    });
    this.#process = labProcess;
    const pumped = pump(labProcess.output, (chunk) => this.#log.append(chunk));
    void labProcess.exit.then(async (code) => {
      if (this.#ready || this.#stopped) return;
      await Promise.race([pumped, delay(OUTPUT_GRACE_MS)]);
      reject(
        new Error(
          `The lab stopped (exit code ${code}) before it was ready. Its last lines:\n${this.#log.lastLines()}`,
        ),
      );
    });

    const timer = setTimeout(() => {
      reject(
        new Error(
          `The lab was not ready within ${this.#startTimeoutMs / 1000} s. Its last lines:\n${this.#log.lastLines()}`,
        ),
      );
    }, this.#startTimeoutMs);
    try {
      return await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  onOutput(listener: (chunk: string) => void): () => void {
    // A terminal opened after the start sees what it missed, as one chunk.
    return this.#log.onChunk(listener);
  }

  onSelfTest(listener: (report: SelfTestReport) => void): () => void {
    return this.#selfTest.subscribe(listener);
  }

  // Races a step of the start against stop(), so that stopping never waits on a hung step.
  #unlessStopped<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#stopSignal]);
  }

  #mounted(): { container: WebContainerLike; lab: PackagedLab } {
    if (this.#stopped) throw new Error('The lab is stopped.');
    if (!this.#container || !this.#lab) throw new Error('The lab is not started yet.');
    return { container: this.#container, lab: this.#lab };
  }

  async readFiles(): Promise<Record<string, string>> {
    const { container, lab } = this.#mounted();
    const files: Record<string, string> = {};
    for (const name of lab.editable) {
      files[name] = await container.fs.readFile(`app/${name}`, 'utf-8');
    }
    return files;
  }

  async writeFile(name: string, content: string): Promise<void> {
    // Checked against the packaged lab when there is one, so a refusal does not depend on timing.
    const editable = this.#lab?.editable;
    if (editable && !editable.includes(name)) {
      throw new Error(
        `"${name}" is not one of this lab's editable files (${editable.join(', ')}).`,
      );
    }
    const { container } = this.#mounted();
    // The platform watches app/ and rolls the change out to the instances itself.
    await container.fs.writeFile(`app/${name}`, content);
  }

  async reset(): Promise<Record<string, string>> {
    const { lab } = this.#mounted();
    await this.#writeChanged(lab.app);
    await this.#waitForRollout();
    return this.readFiles();
  }

  async solve(): Promise<Record<string, string>> {
    const { lab } = this.#mounted();
    if (!lab.solution) {
      throw new Error(`The lab "${this.#labId}" has no solution: it is a lab to explore freely.`);
    }
    await this.#writeChanged(lab.solution);
    await this.#waitForRollout();
    return this.readFiles();
  }

  // Writes only the files that differ, since every write makes the platform roll out again.
  async #writeChanged(files: Map<string, string>): Promise<void> {
    const { container } = this.#mounted();
    for (const [path, contents] of files) {
      const target = `app/${path}`;
      const current = await container.fs.readFile(target, 'utf-8').catch(() => null);
      if (current === contents) continue;
      if (current === null && path.includes('/')) {
        await container.fs.mkdir(target.slice(0, target.lastIndexOf('/')), { recursive: true });
      }
      await container.fs.writeFile(target, contents);
    }
  }

  // Waits, as the local host does, until the platform has rolled the files out: the packaged
  // lab's `wait-rollout.js` reads the lab's own `rollout` state and prints one JSON line.
  async #waitForRollout(): Promise<void> {
    if (!this.#ready) throw new Error('The lab is not ready yet: wait for it first.');
    const { code, output } = await this.#run(
      'wait-rollout.js',
      [this.labUrl],
      this.#rolloutTimeoutMs,
      'The rollout',
    );
    readRolloutOutput(code, output);
  }

  async check(): Promise<CheckResult[]> {
    const { lab } = this.#mounted();
    if (!this.#ready) throw new Error('The lab is not ready yet: wait for it before checking.');
    if (!lab.hasChecks) throw new Error(`The lab "${this.#labId}" has no checks.`);
    // An edit still rolling out would be checked half old, half new: wait for it first.
    await this.#waitForRollout();
    const { code, output } = await this.#run(
      'run-checks.js',
      [this.labUrl],
      this.#checkTimeoutMs,
      'The checks',
    );
    if (code !== 0) {
      throw new Error(
        `The checks could not run (exit code ${code}). Their last lines:\n${lastLines(output)}`,
      );
    }
    return parseCheckOutput(output);
  }

  // Runs `node <script> …args` in the container to its end, within a time limit; `what` names it
  // in the error a timeout gives.
  async #run(
    script: string,
    args: string[],
    timeoutMs: number,
    what: string,
  ): Promise<{ code: number; output: string }> {
    const { container } = this.#mounted();
    const child = await container.spawn('node', [script, ...args]);
    let output = '';
    const collected = pump(child.output, (chunk) => {
      output += chunk;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill();
        reject(
          new Error(
            `${what} did not finish within ${timeoutMs / 1000} s. The last lines:\n${lastLines(output)}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      const code = await Promise.race([child.exit, timeout, this.#stopSignal]);
      await Promise.race([collected, delay(OUTPUT_GRACE_MS)]);
      return { code, output };
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // Everything below is synchronous, so a page that is going away still tears the container down.
    this.#signalStop(new Error('The lab was stopped while it was starting.'));
    for (const unsubscribe of this.#unsubscribers.splice(0)) unsubscribe();
    this.#process?.kill();
    this.#process = null;
    this.#releaseContainer();
    this.#log.close();
    this.#selfTest.close();
  }

  #releaseContainer(): void {
    const container = this.#container;
    this.#container = null;
    if (container) releaseContainer(container, this);
  }
}

// Reads a process's output stream to its end, handing each chunk on.
async function pump(output: ReadableStream<string>, take: (chunk: string) => void): Promise<void> {
  const reader = output.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
  } catch {
    // The stream errors when the container is torn down; what was read is kept.
  } finally {
    reader.releaseLock();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
