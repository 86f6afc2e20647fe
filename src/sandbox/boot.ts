/**
 * The page's one WebContainer: booted on demand (the library loads only then), within a time
 * limit (offline, `WebContainer.boot()` never settles), and held by one runtime at a time.
 */
import type { FileTree } from '../../sandboxes/pack.ts';
import { messageOf } from '../../sandboxes/platform/errors.ts';
import { RuntimeUnavailable } from './runtime.ts';

/** A running process, as much of `WebContainerProcess` as the runtime uses. */
export interface WebContainerProcessLike {
  readonly output: ReadableStream<string>;
  readonly exit: Promise<number>;
  kill(): void;
}

/** A WebContainer, as much of `@webcontainer/api`'s `WebContainer` as the runtime uses. */
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

// Which runtime holds each container: one container per page, so one running lab per page.
const owners = new WeakMap<WebContainerLike, object>();

/** Makes `owner` the one user of `container`; refuses when another runtime holds it. */
export function claimContainer(container: WebContainerLike, owner: object, labId: string): void {
  const current = owners.get(container);
  if (current && current !== owner) {
    throw new Error(
      `Another lab is running in this page's WebContainer; stop it before starting "${labId}".`,
    );
  }
  owners.set(container, owner);
}

/** Lets go of a container `owner` holds and tears it down (the library throws on a second teardown). */
export function releaseContainer(container: WebContainerLike, owner: object): void {
  if (owners.get(container) !== owner) return;
  owners.delete(container);
  container.teardown();
}

/**
 * Boots within `timeoutMs`, or until `stopped` rejects. A failed boot is `boot-failed`, one that
 * takes too long `boot-timeout`; a container that arrives after either is torn down unless a
 * later Start of this page (which shares the same boot) has claimed it by then.
 */
export async function bootWithTimeLimit(
  boot: () => Promise<WebContainerLike>,
  timeoutMs: number,
  stopped: Promise<never>,
): Promise<WebContainerLike> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RuntimeUnavailable(
          'boot-timeout',
          `WebContainer did not start within ${timeoutMs / 1000} s. Its runtime is served by StackBlitz, which this network may block. A stuck start cannot be retried in this page: reload it to try again.`,
        ),
      );
    }, timeoutMs);
  });
  const booted = Promise.resolve()
    .then(boot)
    .catch((error: unknown) => {
      throw new RuntimeUnavailable(
        'boot-failed',
        `WebContainer could not start: ${messageOf(error)}. Try again; if it fails again, reload the page.`,
      );
    });
  let taken = false;
  booted.then(
    (container) => {
      // Once the current turn of the event loop is over, so that the winner has claimed it.
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
    const container = await Promise.race([booted, timeout, stopped]);
    taken = true;
    return container;
  } finally {
    clearTimeout(timer);
  }
}
