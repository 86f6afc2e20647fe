/**
 * A fake WebContainer for the runtime's tests: an in-memory file system, processes whose output
 * and exit the test drives, and events the test fires. It records what the runtime did (mounts,
 * spawns, writes, teardowns), so the tests assert on what reached the "container". Like the real
 * one, it runs only scripts that are in its file system: `node missing.js` fails as Node would.
 */
import type { FileTree } from '../../sandboxes/pack.ts';
import type { WebContainerLike, WebContainerProcessLike } from '../../src/sandbox/boot.ts';
import type { SupportEnvironment } from '../../src/sandbox/support.ts';

type Env = Record<string, string | number | boolean>;

/** A spawned process: the test prints to its output and decides when it exits. */
export class FakeProcess implements WebContainerProcessLike {
  readonly command: string;
  readonly args: string[];
  readonly env: Env | undefined;
  readonly output: ReadableStream<string>;
  readonly exit: Promise<number>;
  killed = false;
  #controller!: ReadableStreamDefaultController<string>;
  #resolveExit!: (code: number) => void;
  #exited = false;

  constructor(command: string, args: string[], env: Env | undefined) {
    this.command = command;
    this.args = args;
    this.env = env;
    this.output = new ReadableStream<string>({
      start: (controller) => {
        this.#controller = controller;
      },
    });
    this.exit = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
  }

  /** Writes to the process's terminal output. */
  print(text: string): void {
    if (!this.#exited) this.#controller.enqueue(text);
  }

  /** Ends the process with an exit code; its output stream closes, as a real one does. */
  exitWith(code: number): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#controller.close();
    this.#resolveExit(code);
  }

  kill(): void {
    this.killed = true;
    this.exitWith(143);
  }
}

type Listener = (...args: never[]) => void;

/** The fake container. `onSpawn` scripts how each spawned process behaves. */
export class FakeWebContainer implements WebContainerLike {
  readonly mounted: FileTree[] = [];
  readonly files = new Map<string, string>();
  readonly spawned: FakeProcess[] = [];
  readonly writes: { path: string; data: string }[] = [];
  readonly directoriesMade: string[] = [];
  teardowns = 0;
  onSpawn: (process: FakeProcess) => void = () => {};
  /** Called after every write, as the lab's file watcher would see it. */
  onWrite: (path: string, data: string) => void = () => {};
  /** What happened, in order: `write <path>`, `spawn <script>`, `exit <script> <code>`, and what scripts add. */
  readonly log: string[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  /** The command line of the first process spawned to run `script`, e.g. `['node', 'lab.js']`. */
  commandLine(script: string): string[] {
    const process = this.spawned.find((spawned) => spawned.args[0] === script);
    if (!process) throw new Error(`nothing spawned ${script}; spawned: ${this.log.join(', ')}`);
    return [process.command, ...process.args];
  }

  readonly fs = {
    readFile: async (path: string, _encoding: 'utf-8'): Promise<string> => {
      const contents = this.files.get(path);
      if (contents === undefined) throw new Error(`ENOENT: ${path}`);
      return contents;
    },
    writeFile: async (path: string, data: string): Promise<void> => {
      this.writes.push({ path, data });
      this.files.set(path, data);
      this.log.push(`write ${path}`);
      this.onWrite(path, data);
    },
    mkdir: async (path: string, _options: { recursive: true }): Promise<string> => {
      this.directoriesMade.push(path);
      return path;
    },
  };

  async mount(tree: FileTree): Promise<void> {
    this.mounted.push(tree);
    const walk = (folder: FileTree, prefix: string): void => {
      for (const [name, node] of Object.entries(folder)) {
        if ('directory' in node) walk(node.directory, `${prefix}${name}/`);
        else this.files.set(`${prefix}${name}`, node.file.contents);
      }
    };
    walk(tree, '');
  }

  async spawn(command: string, args: string[], options?: { env?: Env }): Promise<FakeProcess> {
    const process = new FakeProcess(command, args, options?.env);
    this.spawned.push(process);
    const script = args[0] ?? '';
    this.log.push(`spawn ${script}`);
    void process.exit.then((code) => this.log.push(`exit ${script} ${code}`));
    // A real process starts after spawn() has resolved; the script runs on the next turn.
    setTimeout(() => {
      if (command === 'node' && !this.files.has(script)) {
        process.print(
          `node:internal/modules/cjs/loader\r\nError: Cannot find module '/home/lab/${script}'\r\n`,
        );
        process.exitWith(1);
        return;
      }
      this.onSpawn(process);
    }, 0);
    return process;
  }

  // One signature for every event: WebContainerLike, which this class implements, gives each
  // event's listener its type where the fake stands in for the real thing.
  on(event: string, listener: Listener): () => void {
    const set = this.#listeners.get(event) ?? new Set<Listener>();
    this.#listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Fires an event to the runtime's listeners. */
  emit(event: 'server-ready', port: number, url: string): void;
  emit(event: 'port', port: number, type: 'open' | 'close', url: string): void;
  emit(event: 'error', error: { message: string }): void;
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      (listener as (...values: unknown[]) => void)(...args);
    }
  }

  /** How many listeners are subscribed, to see that stop() let go of them. */
  listenerCount(): number {
    let count = 0;
    for (const set of this.#listeners.values()) count += set.size;
    return count;
  }

  teardown(): void {
    // The real library throws on a second teardown; so does the fake, to catch a double stop.
    if (this.teardowns > 0) throw new Error('WebContainer already torn down');
    this.teardowns += 1;
  }
}

/**
 * What the container's log shows when the runtime waits for a rollout that succeeds: it runs
 * wait-rollout.js, the lab (as `behaveLikeLab` plays it) finishes the rollout, the script exits 0.
 */
export const WAITED_FOR_ROLLOUT = [
  'spawn wait-rollout.js',
  'rollout finished',
  'exit wait-rollout.js 0',
] as const;

/** How `behaveLikeLab` rolls an edit out, so a test can make a rollout slow or fail. */
export interface FakeLabOptions {
  port?: number;
  previewUrl?: string;
  /** How long a rollout takes after an edit of app/. @default 40 */
  rolloutMs?: number;
  /** The error a rollout of these contents ends with (as a file that does not start), or null. */
  rolloutError?: (contents: string) => string | null;
  /** Self-test lines the lab prints once ready, as `LAB_SELF_TEST=1` makes it. @default [] */
  selfTestLines?: string[];
}

/**
 * Makes `node lab.js` print what the real platform prints and open the lab's port; then every
 * write into app/ makes a rollout due, which ends after `rolloutMs` as the platform's does, and
 * `node wait-rollout.js <url>` waits for it and answers as the packaged lab's CLI does.
 */
export function behaveLikeLab(container: FakeWebContainer, options: FakeLabOptions = {}): void {
  const port = options.port ?? 3000;
  const previewUrl = options.previewUrl ?? 'https://lab--3000.preview.test/';
  const rolloutMs = options.rolloutMs ?? 40;
  let lab: FakeProcess | null = null;
  // The files whose last version does not start, as the platform's rollout would find them.
  const broken = new Map<string, string>();
  // The platform's `rollout` state: due from an edit until it has finished or failed. A write
  // during a rollout makes it start over, and whoever waited gets the outcome of the last one.
  let due: {
    timer: ReturnType<typeof setTimeout>;
    waiters: ((error: string | null) => void)[];
  } | null = null;
  let nextInstance = 3;
  container.onWrite = (path, data) => {
    if (!lab || !path.startsWith('app/')) return;
    const error = options.rolloutError?.(data) ?? null;
    if (error) broken.set(path, error);
    else broken.delete(path);
    const waiters = due?.waiters ?? [];
    if (due) clearTimeout(due.timer);
    const running = lab;
    due = {
      waiters,
      timer: setTimeout(() => {
        due = null;
        const failure = [...broken.values()][0] ?? null;
        if (failure) {
          running.print(`platform: rollout failed: ${failure}\r\n`);
          container.log.push('rollout failed');
        } else {
          running.print(`platform: web-${nextInstance} is ready\r\n`);
          nextInstance += 1;
          container.log.push('rollout finished');
        }
        for (const waiter of waiters) waiter(failure);
      }, rolloutMs),
    };
  };
  container.onSpawn = (process) => {
    const script = process.args[0];
    if (script === 'wait-rollout.js') {
      const answer = (error: string | null): void => {
        process.print(`${JSON.stringify({ ok: error === null, error })}\n`);
        process.exitWith(error === null ? 0 : 1);
      };
      if (due) due.waiters.push(answer);
      else answer(null);
      return;
    }
    if (script !== 'lab.js') return;
    lab = process;
    process.print('lab: starting the embedded store\r\n');
    // The store's port opens first: its URL is not the dashboard's.
    container.emit('server-ready', 6380, 'https://store--6380.preview.test/');
    // A line split across two chunks, as a terminal may deliver it.
    process.print('lab: starting instance 1 of 2\r\nlab: starting inst');
    process.print('ance 2 of 2\r\n');
    container.emit('server-ready', port, previewUrl);
    // The instances' ports open after the lab's: theirs are not the dashboard's either.
    container.emit('port', port + 101, 'open', `https://web-1--${port + 101}.preview.test/`);
    process.print('platform: web-1 is ready\r\nplatform: web-2 is ready\r\n');
    process.print(`Lab ready at http://127.0.0.1:${port}/ (2 instances, sessions in memory)\r\n`);
    for (const line of options.selfTestLines ?? []) process.print(`${line}\r\n`);
  };
}

/** A browser that runs WebContainer: desktop Chrome on a cross-origin isolated page. */
export const chromeEnvironment: SupportEnvironment = {
  crossOriginIsolated: true,
  hasSharedArrayBuffer: true,
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  maxTouchPoints: 0,
};

/** A small packaged exercise lab, shaped as sandboxes/pack.ts builds one. */
export function exerciseTree(): FileTree {
  return {
    'package.json': { file: { contents: '{"name":"lab-cart","scripts":{"lab":"node lab.js"}}' } },
    'lab.js': { file: { contents: '// the platform' } },
    'store.js': { file: { contents: '// the store' } },
    'run-checks.js': { file: { contents: '// the checks runner' } },
    'wait-rollout.js': { file: { contents: '// waits for the rollout' } },
    'lab.json': {
      file: {
        contents: JSON.stringify({
          id: 'cart',
          title: { fr: 'Panier', en: 'Cart' },
          editable: ['cart.js', 'server.js'],
        }),
      },
    },
    app: {
      directory: {
        'cart.js': { file: { contents: 'const carts = new Map(); // start\n' } },
        'server.js': { file: { contents: '// server start\n' } },
        'config.js': { file: { contents: '// config start\n' } },
      },
    },
    solution: {
      directory: {
        'cart.js': { file: { contents: '// cart in the session: solved\n' } },
        lib: { directory: { 'helper.js': { file: { contents: '// new helper\n' } } } },
      },
    },
    checks: { directory: { 'check.js': { file: { contents: '// checks' } } } },
  };
}

/** The same lab without solution or checks: a lab to explore. */
export function explorationTree(): FileTree {
  const tree = exerciseTree();
  delete tree['solution'];
  delete tree['checks'];
  delete tree['run-checks.js'];
  return tree;
}
