/**
 * The WebContainer runtime against a fake WebContainer: WebContainer itself cannot boot here
 * (its runtime is served by StackBlitz), so these tests check what the runtime asks of it.
 */
import { describe, expect, it } from 'vitest';
import type { FileTree } from '../../sandboxes/pack.ts';
import { formatSelfTestLine } from '../../sandboxes/platform/lines.ts';
import { parseCheckOutput } from '../../src/sandbox/check-output.ts';
import type { Progress } from '../../src/sandbox/runtime.ts';
import { RuntimeUnavailable, stopOnPageHide } from '../../src/sandbox/runtime.ts';
import type { SelfTestReport } from '../../src/sandbox/self-test.ts';
import { webContainerSupport } from '../../src/sandbox/support.ts';
import { rejection, TWO_INSTANCE_LAB_START } from './runtime-helpers.ts';
import {
  WebContainerRuntime,
  type WebContainerRuntimeOptions,
} from '../../src/sandbox/webcontainer-runtime.ts';
import {
  behaveLikeLab,
  type FakeLabOptions,
  type FakeProcess,
  chromeEnvironment,
  exerciseTree,
  explorationTree,
  FakeWebContainer,
  WAITED_FOR_ROLLOUT,
} from './fake-webcontainer.ts';

const TREE_URL = '/labs/cart.json';

// A runtime on a fake container, with the downloads it was asked for recorded.
function setUp(
  options: {
    tree?: FileTree;
    script?: boolean;
    lab?: FakeLabOptions;
  } & Partial<WebContainerRuntimeOptions> = {},
) {
  const container = new FakeWebContainer();
  if (options.script !== false) behaveLikeLab(container, options.lab);
  const tree = options.tree ?? exerciseTree();
  const fetched: string[] = [];
  const boots: number[] = [];
  const runtime = new WebContainerRuntime({
    labId: 'cart',
    treeUrl: TREE_URL,
    boot: async () => {
      boots.push(Date.now());
      return container;
    },
    fetchTree: async (url) => {
      fetched.push(url);
      return tree;
    },
    environment: chromeEnvironment,
    bootTimeoutMs: 1000,
    startTimeoutMs: 1000,
    checkTimeoutMs: 1000,
    ...options,
  });
  return { container, runtime, tree, fetched, boots };
}

async function started(options: Parameters<typeof setUp>[0] = {}) {
  const setup = setUp(options);
  const progress: Progress[] = [];
  const { previewUrl } = await setup.runtime.start((step) => progress.push(step));
  return { ...setup, progress, previewUrl };
}

describe('webContainerSupport', () => {
  const ua = {
    chrome: chromeEnvironment.userAgent,
    edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
    firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0',
    safari18:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15',
    safari16_3:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.3 Safari/605.1.15',
    iphone:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    chromeOnIpad:
      'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1',
    oldEdge:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582',
    ie: 'Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko',
  };
  const env = (userAgent: string, extra: Partial<typeof chromeEnvironment> = {}) => ({
    ...chromeEnvironment,
    userAgent,
    ...extra,
  });
  const reason = (error: RuntimeUnavailable | null) => error?.reason ?? null;

  it('accepts Chromium-based browsers, Firefox and Safari 16.4+ on an isolated page', () => {
    for (const agent of [ua.chrome, ua.edge, ua.firefox, ua.safari18]) {
      expect(webContainerSupport(env(agent)), agent).toBeNull();
    }
  });

  it('refuses a page that is not cross-origin isolated', () => {
    expect(reason(webContainerSupport(env(ua.chrome, { crossOriginIsolated: false })))).toBe(
      'no-isolation',
    );
  });

  it('refuses iPhone and iPad, including an iPad that reports itself as a Mac', () => {
    expect(reason(webContainerSupport(env(ua.iphone)))).toBe('ios');
    expect(reason(webContainerSupport(env(ua.chromeOnIpad)))).toBe('ios');
    expect(reason(webContainerSupport(env(ua.safari18, { maxTouchPoints: 5 })))).toBe('ios');
    // A Mac with a mouse is a Mac.
    expect(webContainerSupport(env(ua.safari18, { maxTouchPoints: 0 }))).toBeNull();
  });

  it('refuses browsers WebContainer does not support, naming the browser rather than isolation', () => {
    for (const agent of [ua.safari16_3, ua.oldEdge, ua.ie]) {
      const refusal = webContainerSupport(env(agent, { crossOriginIsolated: false }));
      expect(reason(refusal), agent).toBe('unsupported-browser');
    }
    expect(webContainerSupport(env(ua.safari16_3))?.message).toMatch(/16\.4/);
    expect(reason(webContainerSupport(env(ua.chrome, { hasSharedArrayBuffer: false })))).toBe(
      'unsupported-browser',
    );
  });
});

describe('WebContainerRuntime: start', () => {
  it('gives up with boot-timeout when boot() never settles, as offline', async () => {
    const container = new FakeWebContainer();
    const started = Date.now();
    const runtime = new WebContainerRuntime({
      labId: 'cart',
      treeUrl: TREE_URL,
      boot: () => new Promise(() => {}),
      fetchTree: async () => exerciseTree(),
      environment: chromeEnvironment,
      bootTimeoutMs: 30,
    });
    const progress: Progress[] = [];
    const error = await rejection(runtime.start((step) => progress.push(step)));
    expect(error).toBeInstanceOf(RuntimeUnavailable);
    expect((error as RuntimeUnavailable).reason).toBe('boot-timeout');
    expect(error.message).toMatch(/reload/i);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(progress).toEqual([{ step: 'booting' }]);
    expect(container.mounted).toEqual([]);
  });

  it('reports a boot that fails as boot-failed, with its message', async () => {
    const { runtime } = setUp({
      boot: async () => {
        throw new Error('Unable to create more instances');
      },
    });
    const error = await rejection(runtime.start(() => {}));
    expect((error as RuntimeUnavailable).reason).toBe('boot-failed');
    expect(error.message).toContain('Unable to create more instances');
  });

  it('refuses before booting when the browser cannot run WebContainer', async () => {
    const { runtime, boots, fetched } = setUp({
      environment: { ...chromeEnvironment, crossOriginIsolated: false },
    });
    const error = await rejection(runtime.start(() => {}));
    expect((error as RuntimeUnavailable).reason).toBe('no-isolation');
    expect(boots).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('mounts the packaged tree fetched from the lab URL, as it is', async () => {
    const { container, tree, fetched } = await started();
    expect(fetched).toEqual([TREE_URL]);
    expect(container.mounted).toHaveLength(1);
    expect(container.mounted[0]).toBe(tree);
  });

  it("spawns node lab.js with exactly WebContainer's conditions in its environment", async () => {
    const { container } = await started();
    expect(container.spawned).toHaveLength(1);
    const lab = container.spawned[0]!;
    expect([lab.command, ...lab.args]).toEqual(['node', 'lab.js']);
    // Nothing else: the lab takes its session store and instance count from its own lab.json.
    expect(lab.env).toEqual({
      LAB_PORT: '3000',
      LAB_HOST: '0.0.0.0',
      LAB_FRAMED: '1',
      LAB_SELF_TEST: '1',
      LAB_STOP_GRACE_MS: '3000',
      // The page's language, French unless the page says otherwise.
      LAB_LANG: 'fr',
    });
  });

  it("reports progress from the lab's own output, lines split across chunks included", async () => {
    const { progress } = await started();
    expect(progress).toEqual([
      { step: 'booting' },
      { step: 'downloading' },
      { step: 'mounting' },
      ...TWO_INSTANCE_LAB_START,
    ]);
  });

  it("takes the preview URL from the lab port's server-ready event, not another port's", async () => {
    const { previewUrl } = await started();
    expect(previewUrl).toBe('https://lab--3000.preview.test/');
  });

  it("takes the preview URL from a port 'open' event too, and honours another port", async () => {
    const container = new FakeWebContainer();
    container.onSpawn = (lab) => {
      container.emit('port', 4100, 'open', 'https://lab--4100.preview.test/');
      lab.print('Lab ready at http://127.0.0.1:4100/ (3 instances)\n');
    };
    const { runtime } = setUp({ boot: async () => container, port: 4100 });
    expect(await runtime.start(() => {})).toEqual({
      previewUrl: 'https://lab--4100.preview.test/',
    });
    expect(container.spawned[0]!.env).toMatchObject({ LAB_PORT: '4100' });
  });

  it("ignores another port's server-ready and port events, before and after the lab's", async () => {
    const { runtime, container } = setUp({ script: false });
    container.onSpawn = (lab) => {
      container.emit('port', 3101, 'open', 'https://web-1--3101.preview.test/');
      container.emit('server-ready', 6380, 'https://store--6380.preview.test/');
      lab.print('Lab ready at http://127.0.0.1:3000/ (3 instances)\n');
      setTimeout(() => {
        container.emit('port', 3000, 'close', 'https://closing.preview.test/');
        container.emit('server-ready', 3000, 'https://lab--3000.preview.test/');
        container.emit('server-ready', 3102, 'https://web-2--3102.preview.test/');
      }, 20);
    };
    expect(await runtime.start(() => {})).toEqual({
      previewUrl: 'https://lab--3000.preview.test/',
    });
  });

  it('waits for the lab to say it is ready, even when its port opened earlier', async () => {
    const { runtime, container } = setUp({ script: false });
    let resolved = false;
    const start = runtime
      .start(() => {})
      .then((result) => {
        resolved = true;
        return result;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lab = container.spawned[0]!;
    container.emit('server-ready', 3000, 'https://early.preview.test/');
    lab.print('lab: starting instance 1 of 3\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resolved).toBe(false);
    lab.print('Lab ready at http://127.0.0.1:3000/ (3 instances)\n');
    expect(await start).toEqual({ previewUrl: 'https://early.preview.test/' });
  });

  it('resolves when WebContainer reports the port after the lab said it was ready', async () => {
    const { runtime, container } = setUp({ script: false });
    container.onSpawn = (lab) => {
      lab.print('Lab ready at http://127.0.0.1:3000/ (3 instances)\n');
      setTimeout(() => container.emit('server-ready', 3000, 'https://late.preview.test/'), 20);
    };
    expect(await runtime.start(() => {})).toEqual({ previewUrl: 'https://late.preview.test/' });
  });

  it('fails clearly, quoting its last lines, when the lab exits before it is ready', async () => {
    const container = new FakeWebContainer();
    container.onSpawn = (lab) => {
      lab.print('lab: starting the embedded store\r\n');
      lab.print('Cannot start the lab: port 3000 is taken\r\n');
      lab.exitWith(1);
    };
    const { runtime } = setUp({ boot: async () => container });
    const error = await rejection(runtime.start(() => {}));
    expect(error.message).toMatch(/exit code 1/);
    expect(error.message).toContain('Cannot start the lab: port 3000 is taken');
    // A failed start lets go of the container, so the page can fall back to the local runtime.
    expect(container.teardowns).toBe(1);
  });

  it('fails when the lab is not ready in time', async () => {
    const container = new FakeWebContainer();
    container.onSpawn = (lab) => lab.print('lab: starting the embedded store\n');
    const { runtime } = setUp({ boot: async () => container, startTimeoutMs: 50 });
    const error = await rejection(runtime.start(() => {}));
    expect(error.message).toMatch(/not ready within/);
    expect(error.message).toContain('lab: starting the embedded store');
    expect(container.spawned[0]!.killed).toBe(true);
  });

  it('reports a download that fails, after the boot', async () => {
    const { runtime, container } = setUp({
      fetchTree: async () => {
        throw new Error('HTTP 404 Not Found');
      },
    });
    const error = await rejection(runtime.start(() => {}));
    expect(error.message).toContain(TREE_URL);
    expect(error.message).toContain('HTTP 404');
    expect(container.mounted).toEqual([]);
  });

  it('refuses a packaged lab that is not the one asked for', async () => {
    const { runtime } = setUp({ labId: 'sessions' });
    expect((await rejection(runtime.start(() => {}))).message).toMatch(/"cart", not "sessions"/);
  });

  it("gives the lab's output to every listener, replaying it to late ones", async () => {
    const { runtime, container } = setUp();
    const early: string[] = [];
    runtime.onOutput((chunk) => early.push(chunk));
    await runtime.start(() => {});
    const late: string[] = [];
    const unsubscribe = runtime.onOutput((chunk) => late.push(chunk));
    expect(early.join('')).toContain('Lab ready at http://127.0.0.1:3000/');
    expect(late.join('')).toBe(early.join(''));
    unsubscribe();
    container.spawned[0]!.print('[web-1] GET /\r\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(early.at(-1)).toBe('[web-1] GET /\r\n');
    expect(late.join('')).not.toContain('GET /');
  });

  it("refuses a second lab in the page's one container while the first runs", async () => {
    const first = await started();
    const second = new WebContainerRuntime({
      labId: 'cart',
      treeUrl: TREE_URL,
      boot: async () => first.container,
      fetchTree: async () => exerciseTree(),
      environment: chromeEnvironment,
    });
    expect((await rejection(second.start(() => {}))).message).toMatch(/Another lab is running/);
    // The second runtime's failure must not tear down the first one's container.
    expect(first.container.teardowns).toBe(0);
    expect(first.container.mounted).toHaveLength(1);
  });
});

describe('WebContainerRuntime: files', () => {
  it('reads the editable files from app/ in the container', async () => {
    const { runtime, container } = await started();
    container.files.set('app/server.js', '// changed by the platform\n');
    expect(await runtime.readFiles()).toEqual({
      'cart.js': 'const carts = new Map(); // start\n',
      'server.js': '// changed by the platform\n',
    });
  });

  it('writes an edit into the container at app/<name>', async () => {
    const { runtime, container } = await started();
    await runtime.writeFile('cart.js', '// edited\n');
    expect(container.writes).toEqual([{ path: 'app/cart.js', data: '// edited\n' }]);
  });

  it('refuses a file that is not editable, or a path out of app/', async () => {
    const { runtime, container } = await started();
    for (const name of [
      'config.js',
      '../lab.js',
      '../../etc/passwd',
      '/app/cart.js',
      'app/cart.js',
    ]) {
      const error = await rejection(runtime.writeFile(name, 'x'));
      expect(error.message, name).toMatch(/not one of this lab's editable files/);
    }
    expect(container.writes).toEqual([]);
  });

  it('refuses to touch files before the lab is started', async () => {
    const { runtime, container } = setUp();
    expect((await rejection(runtime.readFiles())).message).toMatch(/not started/);
    expect((await rejection(runtime.writeFile('cart.js', 'x'))).message).toMatch(/not started/);
    expect(container.writes).toEqual([]);
  });

  it('reset writes back the starting files that changed, and only those', async () => {
    const { runtime, container } = await started();
    await runtime.writeFile('cart.js', '// broken\n');
    container.writes.length = 0;
    const files = await runtime.reset();
    expect(container.writes).toEqual([
      { path: 'app/cart.js', data: 'const carts = new Map(); // start\n' },
    ]);
    expect(files).toEqual({
      'cart.js': 'const carts = new Map(); // start\n',
      'server.js': '// server start\n',
    });
  });

  it("solve writes the solution's files over app/, making folders a new file needs", async () => {
    const { runtime, container } = await started();
    const files = await runtime.solve();
    expect(container.writes).toEqual([
      { path: 'app/cart.js', data: '// cart in the session: solved\n' },
      { path: 'app/lib/helper.js', data: '// new helper\n' },
    ]);
    expect(container.directoriesMade).toEqual(['app/lib']);
    expect(files['cart.js']).toBe('// cart in the session: solved\n');
  });

  it('solve resolves only once wait-rollout.js says the platform rolled the solution out', async () => {
    const { runtime, container } = await started();
    container.log.length = 0;
    await runtime.solve();
    expect(container.log).toEqual([
      'write app/cart.js',
      'write app/lib/helper.js',
      ...WAITED_FOR_ROLLOUT,
    ]);
    expect(container.commandLine('wait-rollout.js')).toEqual([
      'node',
      'wait-rollout.js',
      'http://127.0.0.1:3000/',
    ]);
  });

  it('reset waits for the rollout the same way', async () => {
    const { runtime, container } = await started();
    await runtime.writeFile('cart.js', '// broken\n');
    await new Promise((resolve) => setTimeout(resolve, 60));
    container.log.length = 0;
    await runtime.reset();
    expect(container.log).toEqual(['write app/cart.js', ...WAITED_FOR_ROLLOUT]);
  });

  it("solve fails with the platform's own error when the rollout fails", async () => {
    const { runtime } = await started({
      lab: {
        rolloutError: (contents) =>
          contents.includes('solved') ? 'SyntaxError: Unexpected token in cart.js' : null,
      },
    });
    const error = await rejection(runtime.solve());
    expect(error.message).toMatch(/could not roll the files out/);
    expect(error.message).toContain('SyntaxError: Unexpected token in cart.js');
  });

  it('says what is missing when the packaged lab has no wait-rollout.js', async () => {
    const tree = exerciseTree();
    delete tree['wait-rollout.js'];
    const { runtime } = await started({ tree });
    const error = await rejection(runtime.reset());
    expect(error.message).toMatch(/exit code 1/);
    expect(error.message).toContain("Cannot find module '/home/lab/wait-rollout.js'");
  });

  it('solve says so when the lab has no solution', async () => {
    const { runtime, container } = await started({ tree: explorationTree() });
    expect((await rejection(runtime.solve())).message).toMatch(/no solution/);
    expect(container.writes).toEqual([]);
  });
});

describe('WebContainerRuntime: checks', () => {
  const results = [
    {
      id: 'no-global-map',
      ok: false,
      message: { fr: 'Le panier est en mémoire', en: 'The cart is in memory' },
    },
    {
      id: 'survives-restart',
      ok: true,
      message: { fr: 'Le panier survit', en: 'The cart survives' },
    },
  ];

  // Scripts the container so that the lab starts and `node run-checks.js` runs as `behave` says.
  function withChecks(behave: (checks: FakeProcess) => void) {
    const container = new FakeWebContainer();
    behaveLikeLab(container);
    const lab = container.onSpawn;
    container.onSpawn = (process) =>
      process.args[0] === 'run-checks.js' ? behave(process) : lab(process);
    return container;
  }

  it('runs run-checks.js against the lab inside the container and parses its last line', async () => {
    const container = withChecks((checks) => {
      checks.print('checking 2 things\r\n');
      checks.print(`${JSON.stringify({ results })}\r\n`);
      checks.exitWith(0);
    });
    const { runtime } = await started({ boot: async () => container });
    expect(await runtime.check()).toEqual(results);
    expect(container.commandLine('run-checks.js')).toEqual([
      'node',
      'run-checks.js',
      'http://127.0.0.1:3000/',
    ]);
  });

  it('waits for an edit still rolling out before running the checks', async () => {
    const container = withChecks((checks) => {
      checks.print(`${JSON.stringify({ results })}\n`);
      checks.exitWith(0);
    });
    const { runtime } = await started({ boot: async () => container });
    container.log.length = 0;
    await runtime.writeFile('cart.js', '// edited\n');
    await runtime.check();
    expect(container.log).toEqual([
      'write app/cart.js',
      ...WAITED_FOR_ROLLOUT,
      'spawn run-checks.js',
      'exit run-checks.js 0',
    ]);
  });

  it('fails clearly when the checks cannot run', async () => {
    const container = withChecks((checks) => {
      checks.print('Error: Cannot find module ./checks/check.js\r\n');
      checks.exitWith(1);
    });
    const { runtime } = await started({ boot: async () => container });
    const error = await rejection(runtime.check());
    expect(error.message).toMatch(/exit code 1/);
    expect(error.message).toContain('Cannot find module');
  });

  it('fails clearly when the checks print no results', async () => {
    const container = withChecks((checks) => {
      checks.print('all good, probably\n');
      checks.exitWith(0);
    });
    const { runtime } = await started({ boot: async () => container });
    expect((await rejection(runtime.check())).message).toMatch(/no results line/);
  });

  it('says so when the lab has no checks, without spawning anything', async () => {
    const { runtime, container } = await started({ tree: explorationTree() });
    expect((await rejection(runtime.check())).message).toMatch(/no checks/);
    expect(container.spawned).toHaveLength(1);
  });

  it('parseCheckOutput skips what follows the results and refuses malformed results', () => {
    const json = JSON.stringify({ results });
    expect(parseCheckOutput(`${json}\r\n(node) a warning on stderr\r\n`)).toEqual(results);
    expect(parseCheckOutput(`\u001b[32m${json}\u001b[0m\n`)).toEqual(results);
    // Only the last results line counts: an earlier one is not the final word.
    expect(parseCheckOutput(`{"results":[]}\n${json}\n`)).toEqual(results);
    expect(() => parseCheckOutput('{"results":[{"id":"x","ok":"yes"}]}\n')).toThrow(/malformed/);
  });
});

describe('WebContainerRuntime: self-test', () => {
  it("gathers the lab's self-test lines into one report, finding by finding", async () => {
    const lines = [
      formatSelfTestLine({ name: 'storeLink', status: 'ok', detail: 'PING answered in 4 ms' }),
      formatSelfTestLine({
        name: 'sigterm',
        status: 'fallback',
        detail: 'SIGTERM never arrived; SIGKILL after 3000 ms',
      }),
      formatSelfTestLine({ name: 'watcher', status: 'fallback', detail: 'per-file watching' }),
    ];
    const { runtime, container } = await started({ lab: { selfTestLines: lines } });
    const reports: SelfTestReport[] = [];
    runtime.onSelfTest((report) => reports.push(report));
    // A late listener gets the report so far at once.
    expect(reports.at(-1)).toEqual({
      storeLink: { status: 'ok', detail: 'PING answered in 4 ms' },
      sigterm: { status: 'fallback', detail: 'SIGTERM never arrived; SIGKILL after 3000 ms' },
      watcher: { status: 'fallback', detail: 'per-file watching' },
      cookie: { status: 'pending', detail: '' },
    });
    // The cookie is reported later, once the dashboard has sent it back; split across chunks.
    const lab = container.spawned[0]!;
    lab.print('self-test: cookie fai');
    lab.print('led: the cookie never came back to the lab\r\n');
    lab.print('[web-1] GET /api/session\r\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reports).toHaveLength(2);
    expect(reports[1]!.cookie).toEqual({
      status: 'failed',
      detail: 'the cookie never came back to the lab',
    });
  });

  it('reports nothing when the lab prints no self-test line', async () => {
    const { runtime } = await started();
    const reports: SelfTestReport[] = [];
    runtime.onSelfTest((report) => reports.push(report));
    expect(reports).toEqual([]);
  });
});

describe('WebContainerRuntime: stop', () => {
  it('kills the lab and tears the container down, once, however often it is called', async () => {
    const { runtime, container } = await started();
    await runtime.stop();
    await runtime.stop();
    expect(container.spawned[0]!.killed).toBe(true);
    expect(container.teardowns).toBe(1);
    expect(container.listenerCount()).toBe(0);
    expect((await rejection(runtime.writeFile('cart.js', 'x'))).message).toMatch(/stopped/);
  });

  it('gives up a start that is still booting, and tears down a container that comes later', async () => {
    const container = new FakeWebContainer();
    let answer: (value: FakeWebContainer) => void = () => {};
    const { runtime } = setUp({
      boot: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    const start = runtime.start(() => {});
    await runtime.stop();
    expect((await rejection(start)).message).toMatch(/stopped/);
    answer(container);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(container.teardowns).toBe(1);
    expect(container.mounted).toEqual([]);
  });

  it('stopOnPageHide stops the runtime when the page goes', async () => {
    const { runtime, container } = await started();
    const listeners = new Map<string, () => void>();
    const page = {
      addEventListener: (type: string, listener: () => void) => listeners.set(type, listener),
      removeEventListener: (type: string) => listeners.delete(type),
    };
    const unsubscribe = stopOnPageHide(runtime, page);
    listeners.get('pagehide')!();
    // stop() does its work before its first await, as a page that is going away cannot wait.
    expect(container.teardowns).toBe(1);
    unsubscribe();
    expect(listeners.size).toBe(0);
  });
});
