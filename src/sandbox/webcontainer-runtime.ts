/**
 * The WebContainer runtime: runs a packaged lab inside the learner's browser tab. It boots the
 * page's one WebContainer, mounts the lab's file tree as the site's build packaged it (no
 * `npm install` in the browser), starts `node lab.js`, and drives the running lab through the
 * container's file system and processes. It touches no DOM: the sandbox UI reads what it reports,
 * and the tests drive it with a fake WebContainer in Node.
 */
import type { FileTree } from '../../sandboxes/pack.ts';
import { progressFromLine } from './progress.ts';
import { RuntimeUnavailable, type CheckResult, type LabRuntime, type Progress } from './runtime.ts';

/** The port the lab's platform listens on inside the container. */
export const LAB_PORT = 3000;

/** What the support check needs to know about the browser, read from the page by the caller. */
export interface SupportEnvironment {
  /** `globalThis.crossOriginIsolated` */
  crossOriginIsolated: boolean;
  /** `navigator.userAgent` */
  userAgent: string;
  /** Whether `SharedArrayBuffer` exists. */
  hasSharedArrayBuffer: boolean;
  /** `navigator.maxTouchPoints`: an iPad reports itself as a Mac, and only touch tells them apart. @default 0 */
  maxTouchPoints?: number;
}

/** A running process, as much of `WebContainerProcess` as this runtime uses. */
export interface WebContainerProcessLike {
  readonly output: ReadableStream<string>;
  readonly exit: Promise<number>;
  kill(): void;
}

/** A WebContainer, as much of `@webcontainer/api`'s `WebContainer` as this runtime uses. */
export interface WebContainerLike {
  mount(tree: FileTree): Promise<void>;
  spawn(
    command: string,
    args: string[],
    options?: { env?: Record<string, string | number | boolean> },
  ): Promise<WebContainerProcessLike>;
  readonly fs: {
    readFile(path: string, encoding: 'utf-8'): Promise<string>;
    writeFile(path: string, data: string): Promise<void>;
    mkdir(path: string, options: { recursive: true }): Promise<string>;
  };
  on(event: 'server-ready', listener: (port: number, url: string) => void): () => void;
  on(
    event: 'port',
    listener: (port: number, type: 'open' | 'close', url: string) => void,
  ): () => void;
  on(event: 'error', listener: (error: { message: string }) => void): () => void;
  teardown(): void;
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
  /** The port the lab listens on inside the container. @default LAB_PORT */
  port?: number;
  /** The browser's capabilities. @default browserEnvironment() */
  environment?: SupportEnvironment;
}

// How much of the lab's output is kept for a terminal that subscribes late.
const OUTPUT_KEPT = 200_000;
// How many of the last output lines an error message quotes.
const LINES_QUOTED = 15;
// A process's output stream may deliver its last chunks just after its exit code; wait this long for them.
const OUTPUT_GRACE_MS = 200;

/** Reads the support environment from the current page (an empty one outside a browser). */
export function browserEnvironment(): SupportEnvironment {
  const nav = (globalThis as { navigator?: { userAgent?: string; maxTouchPoints?: number } })
    .navigator;
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: nav?.userAgent ?? '',
    hasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    maxTouchPoints: nav?.maxTouchPoints ?? 0,
  };
}

/** Why WebContainer cannot run in this browser, or null when it can. */
export function webContainerSupport(env: SupportEnvironment): RuntimeUnavailable | null {
  const ua = env.userAgent;
  // Every browser on iOS and iPadOS is WebKit under a tight memory limit, too tight for a lab of
  // several Node processes; an iPad asks for the desktop site, so it says "Macintosh" but has touch.
  if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && (env.maxTouchPoints ?? 0) > 1)) {
    return new RuntimeUnavailable('ios', 'WebContainer does not run labs on iPhone or iPad');
  }
  const browser = unsupportedBrowser(ua);
  if (browser) return new RuntimeUnavailable('unsupported-browser', browser);
  // Isolation is checked after the browser, so that an old browser is named as the cause rather
  // than the isolation it cannot provide.
  if (!env.crossOriginIsolated) {
    return new RuntimeUnavailable(
      'no-isolation',
      'the page is not cross-origin isolated (COOP/COEP headers), so WebContainer cannot share memory with its workers',
    );
  }
  if (!env.hasSharedArrayBuffer) {
    return new RuntimeUnavailable('unsupported-browser', 'this browser has no SharedArrayBuffer');
  }
  return null;
}

// WebContainer's own support page: Chromium-based browsers fully, Firefox in beta, Safari from
// 16.4 in beta. Browsers this does not recognise are left to the feature checks.
function unsupportedBrowser(ua: string): string | null {
  if (/Trident\/|MSIE /.test(ua)) return 'Internet Explorer cannot run WebContainer';
  if (/Edge\/\d/.test(ua)) return 'the old Edge (EdgeHTML) cannot run WebContainer';
  if (/Chrome\/|Chromium\/|Firefox\//.test(ua)) return null;
  const safari = /Version\/(\d+)(?:\.(\d+))?.*Safari\//.exec(ua);
  if (safari) {
    const major = Number(safari[1]);
    const minor = Number(safari[2] ?? 0);
    if (major < 16 || (major === 16 && minor < 4)) {
      return `Safari ${major}.${minor} cannot run WebContainer (it needs Safari 16.4 or later)`;
    }
  }
  return null;
}

let booting: Promise<WebContainerLike> | null = null;

/**
 * Boots the page's one WebContainer on first call and returns the same one afterwards, until it
 * is torn down. It loads `@webcontainer/api` only then, so a lesson page pays nothing before Start.
 */
export function bootWebContainer(): Promise<WebContainerLike> {
  booting ??= (async () => {
    const { WebContainer } = await import('@webcontainer/api');
    // The site sends `Cross-Origin-Embedder-Policy: require-corp` (src/utils/isolation.ts), and
    // WebContainer must be booted with the same policy; it is fixed for the page at first boot.
    const container = await WebContainer.boot({ coep: 'require-corp', workdirName: 'lab' });
    // Forgetting the container when it is torn down lets a later Start boot a fresh one; the
    // library allows a new boot once the previous container is gone.
    const handle: WebContainerLike = {
      fs: container.fs,
      mount: (tree) => container.mount(tree),
      spawn: (command, args, options) => container.spawn(command, args, options),
      on: container.on.bind(container),
      teardown: () => {
        if (booting === current) booting = null;
        container.teardown();
      },
    };
    return handle;
  })();
  const current = booting;
  // A boot that failed may be retried (the library releases its lock); a boot that hangs keeps
  // the library's lock forever, so it stays remembered and only a page reload gets past it.
  current.catch(() => {
    if (booting === current) booting = null;
  });
  return current;
}

/** Downloads a packaged lab's file tree from the site. */
export async function fetchLabTree(url: string): Promise<FileTree> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return (await response.json()) as FileTree;
}

/**
 * Parses the output of `run-checks.js`: the last line that is a JSON object with `results`.
 * Terminal output mixes stdout and stderr, so a line printed after the results is skipped.
 */
export function parseCheckOutput(output: string): CheckResult[] {
  const lines = cleanLines(output);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]!.trim();
    if (!line.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const results = (parsed as { results?: unknown }).results;
    if (!Array.isArray(results)) continue;
    return results.map((result: unknown, position) => {
      if (!isCheckResult(result)) {
        throw new Error(
          `The checks' result ${position + 1} is malformed: ${JSON.stringify(result)}`,
        );
      }
      return {
        id: result.id,
        ok: result.ok,
        message: { fr: result.message.fr, en: result.message.en },
      };
    });
  }
  throw new Error(
    `The checks printed no results line. Their last lines:\n${lastLines(output).join('\n')}`,
  );
}

function isCheckResult(value: unknown): value is CheckResult {
  if (typeof value !== 'object' || value === null) return false;
  const { id, ok, message } = value as Partial<CheckResult>;
  return (
    typeof id === 'string' &&
    typeof ok === 'boolean' &&
    typeof message === 'object' &&
    message !== null &&
    typeof message.fr === 'string' &&
    typeof message.en === 'string'
  );
}

/**
 * Stops a runtime when the page goes away (`pagehide`), so the container does not outlive the
 * page; returns the unsubscriber. The UI passes `window`.
 */
export function stopOnPageHide(
  runtime: Pick<LabRuntime, 'stop'>,
  target: {
    addEventListener(type: 'pagehide', listener: () => void): void;
    removeEventListener(type: 'pagehide', listener: () => void): void;
  },
): () => void {
  // stop() kills the lab and tears the container down before its first await, so this runs in
  // full even though the page does not wait for the promise.
  const listener = (): void => void runtime.stop();
  target.addEventListener('pagehide', listener);
  return () => target.removeEventListener('pagehide', listener);
}

// A terminal's colour and cursor sequences, which start with ESC by definition.
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

// Terminal output ends lines with CR LF and may colour text: lines without either.
function cleanLines(text: string): string[] {
  return text.replace(TERMINAL_ESCAPES, '').replace(/\r/g, '').split('\n');
}

function lastLines(text: string): string[] {
  return cleanLines(text)
    .filter((line) => line.trim() !== '')
    .slice(-LINES_QUOTED);
}

// Every file of a tree folder, by path relative to it.
function flattenTree(tree: FileTree, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, node] of Object.entries(tree)) {
    if ('directory' in node) {
      for (const [path, contents] of flattenTree(node.directory, `${prefix}${name}/`)) {
        files.set(path, contents);
      }
    } else {
      files.set(`${prefix}${name}`, node.file.contents);
    }
  }
  return files;
}

function folderOf(tree: FileTree, name: string): FileTree | null {
  const node = tree[name];
  return node && 'directory' in node ? node.directory : null;
}

function fileOf(tree: FileTree, name: string): string | null {
  const node = tree[name];
  return node && 'file' in node ? node.file.contents : null;
}

// An editable name is a plain relative path inside `app/`; anything else in a manifest is a bug.
function isPlainRelativePath(name: string): boolean {
  return (
    name !== '' &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    name.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

// The parts of the packaged tree the runtime works with, checked once when it arrives.
interface PackagedLab {
  tree: FileTree;
  editable: string[];
  app: Map<string, string>;
  solution: Map<string, string> | null;
  hasChecks: boolean;
}

function readPackagedLab(tree: FileTree, labId: string): PackagedLab {
  const manifestText = fileOf(tree, 'lab.json');
  const app = folderOf(tree, 'app');
  if (manifestText === null || app === null || fileOf(tree, 'lab.js') === null) {
    throw new Error(`The packaged lab "${labId}" lacks lab.json, lab.js or app/.`);
  }
  const manifest = JSON.parse(manifestText) as { id?: unknown; editable?: unknown };
  if (manifest.id !== labId) {
    throw new Error(`The packaged lab is "${String(manifest.id)}", not "${labId}".`);
  }
  const editable = manifest.editable;
  if (
    !Array.isArray(editable) ||
    !editable.every((name): name is string => typeof name === 'string' && isPlainRelativePath(name))
  ) {
    throw new Error(`The packaged lab "${labId}" has a malformed "editable" list.`);
  }
  const solution = folderOf(tree, 'solution');
  return {
    tree,
    editable,
    app: flattenTree(app),
    solution: solution ? flattenTree(solution) : null,
    hasChecks: fileOf(tree, 'run-checks.js') !== null,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Which runtime holds each container: one container per page, so one running lab per page.
const owners = new WeakMap<WebContainerLike, WebContainerRuntime>();

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
  readonly #port: number;
  readonly #environment: SupportEnvironment;

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

  #output: string[] = [];
  #outputSize = 0;
  readonly #listeners = new Set<(chunk: string) => void>();

  constructor(options: WebContainerRuntimeOptions) {
    this.#labId = options.labId;
    this.#treeUrl = options.treeUrl;
    this.#boot = options.boot ?? bootWebContainer;
    this.#fetchTree = options.fetchTree ?? fetchLabTree;
    this.#bootTimeoutMs = options.bootTimeoutMs ?? 20_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.#checkTimeoutMs = options.checkTimeoutMs ?? 60_000;
    this.#port = options.port ?? LAB_PORT;
    this.#environment = options.environment ?? browserEnvironment();
    this.#stopSignal = new Promise<never>((_, reject) => {
      this.#signalStop = reject;
    });
    // Nobody may be waiting on the signal when it fires; that is not an error.
    this.#stopSignal.catch(() => {});
  }

  /** The lab's address inside the container, which the checks visit. */
  get labUrl(): string {
    return `http://127.0.0.1:${this.#port}/`;
  }

  start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }> {
    this.#starting ??= this.#start(onProgress).catch(async (error: unknown) => {
      // A failed start leaves nothing running: the page may fall back to the local runtime.
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
    const container = await this.#bootWithTimeLimit();
    const owner = owners.get(container);
    if (owner && owner !== this) {
      throw new Error(
        `Another lab is running in this page's WebContainer; stop it before starting "${this.#labId}".`,
      );
    }
    owners.set(container, this);
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

  async #bootWithTimeLimit(): Promise<WebContainerLike> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new RuntimeUnavailable(
            'boot-timeout',
            `WebContainer did not start within ${this.#bootTimeoutMs / 1000} s. Its runtime is served by StackBlitz, which this network may block. A stuck start cannot be retried in this page: reload it to try again.`,
          ),
        );
      }, this.#bootTimeoutMs);
    });
    const boot = Promise.resolve()
      .then(() => this.#boot())
      .catch((error: unknown) => {
        throw new RuntimeUnavailable(
          'boot-failed',
          `WebContainer could not start: ${messageOf(error)}. Try again; if it fails again, reload the page.`,
        );
      });
    let taken = false;
    // A boot that answers after the time limit or after stop() would leave a container running
    // that nobody uses. It is torn down once the current turn of the event loop is over, unless a
    // later Start of this page (which shares the same boot) has claimed it by then.
    boot.then(
      (container) => {
        setTimeout(() => {
          if (taken || owners.has(container)) return;
          try {
            container.teardown();
          } catch {
            // Already torn down elsewhere: nothing is left to release.
          }
        }, 0);
      },
      () => {},
    );
    try {
      const container = await Promise.race([boot, timeout, this.#stopSignal]);
      taken = true;
      return container;
    } finally {
      clearTimeout(timer);
    }
  }

  // Starts `node lab.js` and resolves once the lab says it is ready and its port has a URL.
  async #runLab(
    container: WebContainerLike,
    onProgress: (progress: Progress) => void,
  ): Promise<{ previewUrl: string }> {
    let previewUrl: string | null = null;
    let announced = false;
    let resolveReady: (value: { previewUrl: string }) => void = () => {};
    let rejectReady: (error: Error) => void = () => {};
    const ready = new Promise<{ previewUrl: string }>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // The port opens before the instances are ready and the "Lab ready" line may come before or
    // after WebContainer reports the port: the lab is ready when both have happened.
    const settleIfReady = (): void => {
      if (previewUrl !== null && announced && !this.#ready) {
        this.#ready = true;
        onProgress({ step: 'ready' });
        resolveReady({ previewUrl });
      }
    };
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
        if (!this.#ready)
          rejectReady(new Error(`WebContainer reported an error: ${error.message}`));
      }),
    );

    // The same reading of the platform's lines as the local runtime, so both report alike.
    const onLine = (line: string): void => {
      const progress = progressFromLine(line);
      if (progress?.step === 'ready') {
        announced = true;
        settleIfReady();
      } else if (progress) {
        onProgress(progress);
      }
    };

    onProgress({ step: 'starting' });
    const labProcess = await container.spawn('node', ['lab.js'], {
      env: { LAB_PORT: String(this.#port), LAB_HOST: '127.0.0.1' },
    });
    this.#process = labProcess;
    const pumped = this.#pump(labProcess.output, onLine);
    void labProcess.exit.then(async (code) => {
      if (this.#ready || this.#stopped) return;
      await Promise.race([pumped, delay(OUTPUT_GRACE_MS)]);
      rejectReady(
        new Error(
          `The lab stopped (exit code ${code}) before it was ready. Its last lines:\n${this.#lastOutputLines()}`,
        ),
      );
    });

    const timer = setTimeout(() => {
      rejectReady(
        new Error(
          `The lab was not ready within ${this.#startTimeoutMs / 1000} s. Its last lines:\n${this.#lastOutputLines()}`,
        ),
      );
    }, this.#startTimeoutMs);
    try {
      return await ready;
    } finally {
      clearTimeout(timer);
    }
  }

  // Sends every chunk of the lab's output to the terminal and every complete line to `onLine`.
  async #pump(output: ReadableStream<string>, onLine: (line: string) => void): Promise<void> {
    const reader = output.getReader();
    let partial = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#record(value);
        const lines = (partial + value).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(cleanLines(line).join(''));
      }
    } catch {
      // The stream errors when the container is torn down; there is nothing left to read.
    } finally {
      reader.releaseLock();
    }
  }

  #record(chunk: string): void {
    this.#output.push(chunk);
    this.#outputSize += chunk.length;
    while (this.#outputSize > OUTPUT_KEPT && this.#output.length > 1) {
      this.#outputSize -= this.#output.shift()!.length;
    }
    for (const listener of this.#listeners) {
      try {
        listener(chunk);
      } catch {
        // One broken listener (a terminal gone) must not starve the others or the progress.
      }
    }
  }

  #lastOutputLines(): string {
    return lastLines(this.#output.join('')).join('\n');
  }

  onOutput(listener: (chunk: string) => void): () => void {
    // A terminal opened after the start sees what it missed, as one chunk.
    const kept = this.#output.join('');
    if (kept) listener(kept);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
    return this.readFiles();
  }

  async solve(): Promise<Record<string, string>> {
    const { lab } = this.#mounted();
    if (!lab.solution) {
      throw new Error(`The lab "${this.#labId}" has no solution: it is a lab to explore freely.`);
    }
    await this.#writeChanged(lab.solution);
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

  async check(): Promise<CheckResult[]> {
    const { container, lab } = this.#mounted();
    if (!this.#ready) throw new Error('The lab is not ready yet: wait for it before checking.');
    if (!lab.hasChecks) throw new Error(`The lab "${this.#labId}" has no checks.`);
    const checks = await container.spawn('node', ['run-checks.js', this.labUrl]);
    let output = '';
    const collected = (async () => {
      const reader = checks.output.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          output += value;
        }
      } catch {
        // A torn-down container ends the stream with an error; what was read is kept.
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        checks.kill();
        reject(
          new Error(
            `The checks did not finish within ${this.#checkTimeoutMs / 1000} s. Their last lines:\n${lastLines(output).join('\n')}`,
          ),
        );
      }, this.#checkTimeoutMs);
    });
    try {
      const code = await Promise.race([checks.exit, timeout]);
      await Promise.race([collected, delay(OUTPUT_GRACE_MS)]);
      if (code !== 0) {
        throw new Error(
          `The checks could not run (exit code ${code}). Their last lines:\n${lastLines(output).join('\n')}`,
        );
      }
      return parseCheckOutput(output);
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
    this.#listeners.clear();
  }

  #releaseContainer(): void {
    const container = this.#container;
    this.#container = null;
    if (container && owners.get(container) === this) {
      owners.delete(container);
      // The library throws on a second teardown; ownership makes sure there is only one.
      container.teardown();
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
