/**
 * A fake WebContainer for the runtime's tests: an in-memory file system, processes whose output
 * and exit the test drives, and events the test fires. It records what the runtime did (mounts,
 * spawns, writes, teardowns), so the tests assert on what reached the "container".
 */
import type { FileTree } from '../../sandboxes/pack.ts';
import type {
  WebContainerLike,
  WebContainerProcessLike,
  SupportEnvironment,
} from '../../src/sandbox/webcontainer-runtime.ts';

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
  readonly #listeners = new Map<string, Set<Listener>>();

  readonly fs = {
    readFile: async (path: string, _encoding: 'utf-8'): Promise<string> => {
      const contents = this.files.get(path);
      if (contents === undefined) throw new Error(`ENOENT: ${path}`);
      return contents;
    },
    writeFile: async (path: string, data: string): Promise<void> => {
      this.writes.push({ path, data });
      this.files.set(path, data);
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
    // A real process starts after spawn() has resolved; the script runs on the next turn.
    setTimeout(() => this.onSpawn(process), 0);
    return process;
  }

  on(event: 'server-ready', listener: (port: number, url: string) => void): () => void;
  on(
    event: 'port',
    listener: (port: number, type: 'open' | 'close', url: string) => void,
  ): () => void;
  on(event: 'error', listener: (error: { message: string }) => void): () => void;
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

/** Makes `node lab.js` print what the real platform prints and open the lab's port. */
export function behaveLikeLab(
  container: FakeWebContainer,
  options: { port?: number; previewUrl?: string } = {},
): void {
  const port = options.port ?? 3000;
  const previewUrl = options.previewUrl ?? 'https://lab--3000.preview.test/';
  container.onSpawn = (process) => {
    if (process.args[0] !== 'lab.js') return;
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
