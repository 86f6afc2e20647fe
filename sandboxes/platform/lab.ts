import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Balancer, type AppAnswer } from './balancer.ts';
import { useBundlesForInstances } from './bundles.ts';
import { Classroom } from './classroom/room.ts';
import {
  extendsBase,
  LabFileError,
  labWorkDir,
  layOutLab,
  readLabDefaults,
  readManifest,
  writeLayout,
} from '../labs/lab-model.ts';
import { appDirFrom, ConfigError, parseRedisUrl, readLabConfig, type LabConfig } from './config.ts';
import { createControl } from './control.ts';
import { messageOf } from './errors.ts';
import { nodeHttp } from './node-http.ts';
import { labLanguage, textOf, type Lang } from './language.ts';
import { EventBus } from './events.ts';
import { refuseForeignHost, sendJson } from './http.ts';
import { formatReadyLine, progressLine } from './lines.ts';
import { Orchestrator, REPLACE_REASON } from './orchestrator.ts';
import { SelfTest } from './self-test.ts';
import { StoreLink } from './store-link.ts';
import { startStoreProcess, type StoreProcess } from './store-process.ts';
import type { LabEvent, LabState } from './types.ts';

/** A running lab: store, instances, balancer and platform. */
export interface RunningLab {
  url: string;
  port: number;
  bus: EventBus;
  state(): LabState;
  close(): Promise<void>;
}

/**
 * Starts a whole lab: the store (embedded unless `redisUrl` names a real Redis), the link the
 * instances reach it through, the instances, and the HTTP server that serves the balancer,
 * the control API and the dashboard on one port.
 */
export async function startLab(
  config: LabConfig,
  progress: (message: string) => void = () => {},
  bus = new EventBus(),
): Promise<RunningLab> {
  let embedded: StoreProcess | null = null;
  const external = config.redisUrl ? parseRedisUrl(config.redisUrl) : null;
  const link = new StoreLink(external);
  await link.open();
  if (external) progress(progressLine.storeExternal(external.host, external.port));
  else progress(progressLine.storeEmbedded());
  // The store and the instances start side by side: an instance that asks for the store before
  // it listens is refused and tries again, as it would with any backing service.
  const storeStarting = external
    ? Promise.resolve()
    : // On the link's own port, so that the instances reach it straight and it cuts itself.
      startStoreProcess({ port: link.port }).then((store) => {
        embedded = store;
        link.setTarget({ host: '127.0.0.1', port: store.port }, store);
      });

  let stateTimer: NodeJS.Timeout | null = null;
  const announceState = (): void => {
    // Many changes come in bursts (a rollout); one state event per burst is enough.
    if (stateTimer) return;
    stateTimer = setTimeout(() => {
      stateTimer = null;
      bus.emit({ type: 'state', at: Date.now(), state: state() });
    }, 20);
  };

  const orchestrator = new Orchestrator(
    {
      appDir: config.appDir,
      sessionSecret: config.sessionSecret,
      sessionStore: config.sessionStore,
      sticky: false,
      desired: config.instances,
      redisUrl: linkUrl(config.redisUrl, link.port),
      bus,
      storeUp: () => link.up,
      watch: config.watch,
      watchMode: config.watchMode,
      stopGraceMs: config.stopGraceMs,
      framed: config.framed,
      lang: config.lang,
      log: progress,
      taskTimeoutMs: config.taskTimeoutMs,
    },
    announceState,
  );

  // The self-test runs beside the start, so the ready line does not wait for it.
  const selfTest = config.selfTest
    ? new SelfTest({
        storeLinkPort: link.port,
        storeStarted: storeStarting,
        watchMode: config.watchMode,
        onSigtermLost: (graceMs) => {
          orchestrator.stopGraceMs = Math.min(orchestrator.stopGraceMs, graceMs);
        },
        onWatcherSilent: (reason) => orchestrator.pollAppFiles(reason),
        print: (line) => console.log(line),
        lang: config.lang,
        onReport: (report) => {
          bus.emit({ type: 'self-test', at: Date.now(), report });
          announceState();
        },
      })
    : null;

  const state = (): LabState => ({
    instances: orchestrator.view(),
    sessionStore: orchestrator.sessionStore,
    sticky: orchestrator.sticky,
    sessionMaxAgeSeconds: orchestrator.sessionMaxAgeSeconds,
    store: {
      kind: external ? 'external' : 'embedded',
      up: link.up,
      port: embedded ? embedded.port : null,
    },
    desired: orchestrator.desired,
    lastError: orchestrator.lastError,
    rollout: orchestrator.rollout,
    framed: config.framed,
    watcher: orchestrator.watcher,
    stopGraceMs: orchestrator.stopGraceMs,
    selfTest: selfTest?.report ?? null,
  });

  // Classroom mode: the room's pages, its tally and the per-participant visit limit.
  const classroom = config.classroom
    ? new Classroom({ key: config.classroom.key, bus, state })
    : null;
  const balancer = new Balancer(orchestrator, bus, {
    framed: config.framed,
    lang: config.lang,
    ...(classroom ? { onAppAnswer: (answer: AppAnswer) => classroom.recordAnswer(answer) } : {}),
  });
  const control = createControl({
    bus,
    state,
    framed: config.framed,
    lang: config.lang,
    instructorKey: config.classroom?.key ?? null,
    cookieTest: (returned) => selfTest?.recordCookie(returned),
    kill: (id) => orchestrator.kill(id),
    replaceAll: () => orchestrator.replaceAll(REPLACE_REASON),
    scale: (count) => orchestrator.scale(count),
    configure: (change) => orchestrator.configure(change),
    listTasks: () => orchestrator.tasks.list(),
    runTask: (name) => orchestrator.tasks.run(name),
    stopStore: async () => {
      if (!link.up) return;
      await link.cut();
      bus.emit({ type: 'store-down', at: Date.now() });
      announceState();
    },
    startStore: async () => {
      if (link.up) return;
      await link.open();
      bus.emit({ type: 'store-up', at: Date.now() });
      announceState();
    },
  });

  const hosts = { ownHost: config.host, allowed: config.allowedHosts, framed: config.framed };
  const server = nodeHttp.createServer((request, response) => {
    // A foreign Host is refused before anything else, the app's own routes included.
    try {
      refuseForeignHost(request, hosts);
    } catch (error) {
      sendJson(response, 403, { error: messageOf(error) });
      return;
    }
    if (classroom?.handle(request, response)) return;
    if (!control(request, response)) balancer.handle(request, response);
  });
  server.keepAliveTimeout = 65_000;

  const stopEverything = async (): Promise<void> => {
    await orchestrator.close();
    balancer.close();
    classroom?.close();
    await link.cut();
    await storeStarting.catch(() => undefined);
    await embedded?.stop();
  };

  const checked = selfTest?.run();
  try {
    const started = await Promise.allSettled([storeStarting, orchestrator.start(progress)]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await checked?.catch(() => undefined);
    await stopEverything();
    throw error;
  }

  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : config.port;
  // A lab listening on every interface is reached from this machine at 127.0.0.1.
  const reachable = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  return {
    url: `http://${host}:${port}/`,
    port,
    bus,
    state,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopEverything();
    },
  };
}

// The instances reach the store through the link; an external URL keeps its password and db.
function linkUrl(redisUrl: string | null, port: number): string {
  const url = new URL(redisUrl ?? 'redis://127.0.0.1');
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/** One line of the lab's own log for an event, or null for events too frequent to print. */
export function describeEvent(event: LabEvent): string | null {
  switch (event.type) {
    case 'instance-started':
      return `platform: ${event.id} started (pid ${event.pid}, port ${event.port})`;
    case 'instance-ready':
      return `platform: ${event.id} is ready`;
    case 'instance-unready':
      return `platform: ${event.id} is not ready`;
    case 'instance-stopped': {
      const how = event.signal
        ? `, ${event.signal}`
        : event.code !== null
          ? `, code ${event.code}`
          : '';
      const forced = event.forced ? '; forced: it did not exit within its grace after SIGTERM' : '';
      return `platform: ${event.id} stopped (${event.reason}${how}${forced})`;
    }
    case 'store-down':
      return 'platform: the store is unreachable (link cut)';
    case 'store-up':
      return 'platform: the store is reachable again';
    case 'rollout-started':
      return `platform: rolling replacement started (${event.reason})`;
    case 'rollout-finished':
      return 'platform: rolling replacement finished';
    case 'rollout-failed':
      return `platform: rolling replacement stopped: ${event.error}`;
    case 'log':
      return `[${event.instance}] ${event.line}`;
    case 'task':
      if (event.phase === 'started') {
        return `platform: task ${event.task} started (pid ${event.pid}), beside the instances`;
      }
      if (event.phase === 'output') return `[task ${event.task}] ${event.line}`;
      return `platform: task ${event.task} ${
        event.timedOut
          ? 'was stopped: it ran too long'
          : event.exitCode !== null
            ? `exited with code ${event.exitCode}`
            : `was stopped by ${event.signal}`
      }`;
    // Too frequent to print; the self-test prints its own lines, one per finding.
    case 'state':
    case 'request':
    case 'heartbeat':
    case 'self-test':
      return null;
  }
}

/**
 * The app folder to run: `LAB_APP_DIR` (a complete folder), or `LAB=<lab>`, laid out into
 * `.lab-work/<lab>/` first, since an exercise's source folder holds only what differs from its
 * base lab. The files the learner edits there are kept from one run to the next.
 */
function appDirToRun(env: NodeJS.ProcessEnv): string {
  const lab = env['LAB'];
  if (lab && env['LAB_APP_DIR']) {
    throw new ConfigError(
      'Set LAB (a lab to lay out) or LAB_APP_DIR (a complete app folder), not both.',
    );
  }
  if (lab) {
    const folder = labWorkDir(lab);
    const manifest = readManifest(lab);
    writeLayout(layOutLab(lab), folder, { keep: manifest.editable.map((name) => `app/${name}`) });
    console.log(
      `lab: ${lab} laid out in ${path.join(folder, 'app')}; edit ${manifest.editable.join(', ')} there (remove the folder to start over)`,
    );
    return path.join(folder, 'app');
  }
  const appDir = appDirFrom(env);
  const base = extendsBase(appDir);
  if (base) {
    const id = path.basename(path.dirname(appDir));
    throw new ConfigError(
      `${appDir} holds only what the lab "${id}" changes of the lab "${base}"; run it with LAB=${id} npm run lab, which lays out its complete files.`,
    );
  }
  return appDir;
}

// The line of a lab that could not start, for the person who started it.
function cannotStart(why: string, lang: Lang): string {
  return lang === 'fr'
    ? `Impossible de démarrer le laboratoire : ${why}`
    : `Cannot start the lab: ${why}`;
}

/** How a command other than `npm run lab` (e.g. `npm run classroom`) runs the lab. */
export interface LabMainOptions {
  /** The environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Changes the configuration read from the environment before the lab starts. */
  configure?: (config: LabConfig) => LabConfig;
  /** Runs once the ready line is printed. */
  onReady?: (lab: RunningLab, config: LabConfig) => void | Promise<void>;
}

/** `npm run lab`: reads the environment, starts the lab, prints its log, stops on SIGTERM. */
export async function main(options: LabMainOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  let config: LabConfig;
  try {
    // The lab's own lab.json, beside its app folder, gives the defaults the environment overrides.
    const appDir = appDirToRun(env);
    config = readLabConfig({ ...env, LAB_APP_DIR: appDir }, readLabDefaults(appDir) ?? {});
    if (options.configure) config = options.configure(config);
    // The app's packages and the instance preload as pre-built bundles (bundles.ts).
    await useBundlesForInstances((line) => console.log(`lab: ${line}`));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof LabFileError) {
      console.error(cannotStart(textOf(error, labLanguage(env)), labLanguage(env)));
      process.exit(2);
    }
    throw error;
  }
  // Subscribe before starting, so that what the instances print while they start is shown too.
  const bus = new EventBus();
  bus.subscribe(
    (event) => {
      const line = describeEvent(event);
      if (line) console.log(line);
    },
    { requests: false },
  );
  let lab: RunningLab;
  try {
    lab = await startLab(config, (message) => console.log(`lab: ${message}`), bus);
  } catch (error) {
    console.error(cannotStart(textOf(error, config.lang), config.lang));
    process.exit(1);
  }
  const state = lab.state();
  const store =
    state.store.kind === 'embedded'
      ? `embedded store on port ${state.store.port}`
      : 'external Redis';
  console.log(
    formatReadyLine(lab.url, {
      running: state.instances.length,
      desired: state.desired,
      sessionStore: state.sessionStore,
      store,
      problem: state.lastError,
    }),
  );
  await options.onReady?.(lab, config);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('lab: stopping');
    lab.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Run as a script (`node sandboxes/platform/lab.ts`), not when imported; a packaged lab's entry
// (packaged.ts, bundled as lab.js) calls main() itself.
if (process.argv[1]?.endsWith('.ts') && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
