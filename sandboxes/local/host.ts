/**
 * The local runtime's server: runs labs as real processes on this machine for the course site,
 * which reaches it through its own origin (the dev and preview servers proxy `/_labs/` here).
 * Each lab runs on a working copy: the lab laid out (lab-model.ts: its base lab's app, its own
 * files, the shared checks client, its resolved lab.json), so a learner's edits never touch the
 * project's own files, and the lab's defaults come from that lab.json as in WebContainer.
 *
 *   GET  /_labs/                       the labs this host can run
 *   GET  /_labs/?key=<key>             keeps the instructor's key in a cookie on this device
 *   GET  /_labs/{lab}/status           stopped, starting, ready or failed
 *   POST /_labs/{lab}/start            starts the lab; answers once every instance is ready
 *   GET  /_labs/{lab}/output           the lab's output as Server-Sent Events (replayed first)
 *   GET  /_labs/{lab}/files            the editable files
 *   PUT  /_labs/{lab}/files/{name}     {"content"}: writes one editable file
 *   POST /_labs/{lab}/reset|solve      starting files or solution back in place
 *   POST /_labs/{lab}/check            runs the lab's checks against it
 *   POST /_labs/{lab}/stop             stops the lab
 *   *    /_labs/{lab}/app/…            the running lab itself (dashboard, app, control API)
 *
 * It answers only to its own host names (a foreign Host is DNS rebinding), and only to this
 * machine's own clients unless the instructor's key is presented (see refuseOutsiders).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  isExercise,
  layOutLab,
  listLabs,
  readManifest,
  writeLayout,
  type LabLayout,
  type LabManifest,
} from '../labs/lab-model.ts';
import {
  HttpError,
  isStaleKeepAlive,
  openEventStream,
  parseAllowedHosts,
  readJsonBody,
  refuseCrossSite,
  refuseForeignHost,
  sendJson,
  type HostGuardOptions,
} from '../platform/http.ts';
import {
  clientAddress,
  instructorCookie,
  isLoopback,
  keyMatches,
  presentedKey,
} from '../platform/instructor-key.ts';
import {
  labLanguage,
  languageOfTag,
  requestLanguage,
  textOf,
  type Lang,
  type Localized,
} from '../platform/language.ts';
import { readyUrl } from '../platform/lines.ts';
import { nodeHttp } from '../platform/node-http.ts';
import { waitForRollout } from '../platform/rollout-wait.ts';
import { OutputLog } from '../../src/sandbox/output-log.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The same entry as `npm run lab`: it turns the V8 compile cache on before the platform's
// TypeScript loads, so a lab started from the page starts as fast as one started by hand.
const labEntry = path.join(root, 'scripts/lab.mjs');

/** How much of a lab's output is kept to replay to a terminal that connects late. */
const OUTPUT_KEPT = 200_000;
const MAX_BODY = 256 * 1024;
const START_TIMEOUT_MS = 60_000;

// What a lab process gets of the host's environment: what any program needs to run, never the
// host's own INSTANCES, SESSION_STORE, REDIS_URL or LAB_* (a lab's defaults come from its
// lab.json, as in WebContainer). LAB_ALLOWED_HOSTS is the one exception: the host forwards the
// page's Host to the lab, so the lab must answer to the same names as the host.
const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
  'LAB_ALLOWED_HOSTS',
];

/**
 * The environment a lab process starts with: the few passed through, and where its app is.
 * `allowedHosts`, when given, are the names the host answers to, which the lab must accept too;
 * `lang`, when given, is the language of the page that started it (`LAB_LANG`).
 */
export function labEnvironment(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
  allowedHosts?: readonly string[],
  lang?: Lang,
): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = env[name];
    if (value !== undefined) passed[name] = value;
  }
  if (allowedHosts) passed['LAB_ALLOWED_HOSTS'] = allowedHosts.join(',');
  if (lang) passed['LAB_LANG'] = lang;
  return { ...passed, LAB_PORT: '0', LAB_HOST: '127.0.0.1', LAB_APP_DIR: appDir };
}

/** Options of the lab host. */
export interface LabHostOptions {
  /** @default 0, any free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where the working copies live. @default `.lab-work/local` in the project */
  workDir?: string;
  /**
   * Host names the host answers to besides `localhost`, IP literals and its own `host`: the
   * site's `HOST` and `LAB_ALLOWED_HOSTS`. Any other `Host` gets 403 (DNS rebinding).
   * @default LAB_ALLOWED_HOSTS's names
   */
  allowedHosts?: string[];
  /**
   * The instructor's key: a client that is not this machine (the site's proxy says which) may
   * use `/_labs/` only with it, as `Authorization: Bearer <key>` or the cookie that opening
   * `/_labs/?key=<key>` sets. `null`: only this machine may. @default null
   */
  instructorKey?: string | null;
  /**
   * Keeps one lab process started ahead, its modules loaded, for the next Start (about 100 ms
   * off it; see SpareLab). @default true
   */
  spare?: boolean;
}

/** A running lab host. */
export interface LabHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

type LabPhase = 'stopped' | 'starting' | 'ready' | 'failed';

/** How long after a lab's start the next spare starts, so that it never competes with one. */
const SPARE_AFTER_MS = 1000;

/**
 * One lab process started ahead of the next Start, its Node booted and the platform's modules
 * loaded, waiting to be told which lab to run (`scripts/lab.mjs --when-asked`): about 100 ms of
 * the lab's own start done before the learner presses Start. It gets the environment a lab
 * started then would get, with the lab's own variables only once it is told; it exits when the
 * host closes its stdin, or goes away.
 */
class SpareLab {
  #child: ChildProcess | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #env: Record<string, string>;

  constructor(env: Record<string, string>) {
    this.#env = env;
  }

  /** Starts the spare after `delayMs`, unless there is one already. */
  prepare(delayMs = 0): void {
    if (this.#closed || this.#child || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed || this.#child) return;
      const child = spawn(process.execPath, [labEntry, '--when-asked'], {
        cwd: root,
        env: this.#env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.#child = child;
      child.once('exit', () => {
        if (this.#child === child) this.#child = null;
      });
    }, delayMs);
  }

  /** The spare, told to run a lab with `env`; null when none is waiting. */
  take(env: Record<string, string>): ChildProcess | null {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.stdin) return null;
    this.#child = null;
    child.stdin.end(`${JSON.stringify(env)}\n`);
    return child;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

// One lab on this host: its working copy, its process and its output.
class LocalLab {
  readonly manifest: LabManifest;
  readonly workDir: string;
  phase: LabPhase = 'stopped';
  error: string | null = null;
  // The same failure in both languages, for the sandbox that asked to start the lab.
  #failure: Localized | null = null;
  labUrl: string | null = null;
  #child: ChildProcess | null = null;
  #starting: Promise<void> | null = null;
  // The same output log as the browser runtimes': kept up to a limit, replayed on demand.
  readonly #log = new OutputLog(OUTPUT_KEPT);

  readonly #allowedHosts: readonly string[];
  readonly #spare: SpareLab | null;

  constructor(
    manifest: LabManifest,
    workRoot: string,
    allowedHosts: readonly string[],
    spare: SpareLab | null = null,
  ) {
    this.manifest = manifest;
    this.workDir = path.join(workRoot, manifest.id);
    this.#allowedHosts = allowedHosts;
    this.#spare = spare;
  }

  get appDir(): string {
    return path.join(this.workDir, 'app');
  }
  get exercise(): boolean {
    return isExercise(this.manifest);
  }

  output(): string {
    return this.#log.text();
  }

  subscribe(listener: (chunk: string) => void): () => void {
    return this.#log.onChunk(listener, { replay: false });
  }

  #emit(chunk: string): void {
    this.#log.append(chunk);
  }

  /**
   * Starts the lab on its working copy (made from the starting files the first time), speaking
   * `lang` (the page's). A lab that already runs keeps its language: pages share one lab.
   */
  start(lang?: Lang): Promise<void> {
    if (this.phase === 'ready') return Promise.resolve();
    this.#starting ??= this.#start(lang).finally(() => {
      this.#starting = null;
      // The next Start, of this lab or another, finds a spare ready.
      this.#spare?.prepare(SPARE_AFTER_MS);
    });
    return this.#starting;
  }

  async #start(lang?: Lang): Promise<void> {
    this.phase = 'starting';
    this.error = null;
    this.#failure = null;
    // A new run, a new output: the ready line of an earlier run must not count for this one.
    this.#log.clear();
    this.#layOut();
    const env = labEnvironment(this.appDir, process.env, this.#allowedHosts, lang);
    const child =
      this.#spare?.take(env) ??
      spawn(process.execPath, [labEntry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#emit(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.#emit(chunk));
    child.once('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = null;
      this.labUrl = null;
      if (this.phase !== 'stopped') {
        this.phase = 'failed';
        this.error = `The lab stopped (${signal ?? `code ${code}`}).`;
        this.#failure = {
          fr: `Le laboratoire s'est arrêté (${signal ?? `code ${code}`}).`,
          en: this.error,
        };
        this.#emit(`\n${this.error}\n`);
      }
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (this.phase === 'starting') {
      const url = readyUrl(this.#log.text());
      if (url) {
        this.labUrl = url;
        this.phase = 'ready';
        return;
      }
      if (this.#child !== child) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        this.error = `The lab did not start within ${START_TIMEOUT_MS / 1000} s.`;
        this.#failure = {
          fr: `Le laboratoire n'a pas démarré en ${START_TIMEOUT_MS / 1000} s.`,
          en: this.error,
        };
        break;
      }
      await this.#nextOutput(25);
    }
    this.phase = 'failed';
    this.error ??= 'The lab did not start.';
    const failure = this.#failure ?? {
      fr: "Le laboratoire n'a pas démarré.",
      en: 'The lab did not start.',
    };
    // What the lab printed last says why; it is quoted as it is, in the lab's own language.
    const tail = `\n${this.#log.text().slice(-2000)}`;
    throw new HttpError(500, { fr: failure.fr + tail, en: failure.en + tail });
  }

  // Resolves when the lab prints something (its ready line, say), or after `ms` at the latest.
  #nextOutput(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.#log.onChunk(done, { replay: false });
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.phase = 'stopped';
    this.labUrl = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }

  /** The editable files of the working copy (or of the starting files before the first start). */
  readFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    if (!this.#laidOut()) {
      const layout = layOutLab(this.manifest.id);
      for (const name of this.manifest.editable) files[name] = layout.get(`app/${name}`) ?? '';
      return files;
    }
    for (const name of this.manifest.editable)
      files[name] = fs.readFileSync(path.join(this.appDir, name), 'utf8');
    return files;
  }

  /** Writes one editable file into the working copy; the lab's platform rolls it out. */
  writeFile(name: string, content: string): void {
    this.#editablePath(name);
    if (!this.#laidOut()) this.#layOut();
    const target = this.#editablePath(name);
    fs.writeFileSync(target, content);
  }

  async reset(): Promise<Record<string, string>> {
    await this.#rollingOut(() => this.#writeEditable(layOutLab(this.manifest.id)));
    return this.readFiles();
  }

  async solve(): Promise<Record<string, string>> {
    if (!this.exercise)
      throw new HttpError(404, {
        fr: `Le laboratoire « ${this.manifest.id} » n'a pas de solution : il s'explore librement.`,
        en: `The lab "${this.manifest.id}" has no solution: it is a lab to explore freely.`,
      });
    await this.#rollingOut(() =>
      this.#writeEditable(layOutLab(this.manifest.id, { solved: true })),
    );
    return this.readFiles();
  }

  // Changes files and, when the lab runs, waits until its platform has rolled them out, so that
  // a Check right after Solve checks the solution and not the instances it is replacing.
  async #rollingOut(change: () => void): Promise<void> {
    const labUrl = this.phase === 'ready' ? this.labUrl : null;
    const original = JSON.stringify(this.readFiles());
    if (!this.#laidOut()) this.#layOut();
    change();
    if (!labUrl || JSON.stringify(this.readFiles()) === original) return;
    const outcome = await waitForRollout(labUrl);
    if (!outcome.ok) this.#emit(`\nlab host: the new files did not roll out: ${outcome.error}\n`);
  }

  async check(): Promise<unknown> {
    if (!this.exercise)
      throw new HttpError(404, {
        fr: `Le laboratoire « ${this.manifest.id} » n'a pas de vérification.`,
        en: `The lab "${this.manifest.id}" has no checks.`,
      });
    if (this.phase !== 'ready' || !this.labUrl)
      throw new HttpError(409, {
        fr: 'Démarrez le laboratoire avant de le vérifier.',
        en: 'Start the lab before checking it.',
      });
    // From the laid-out copy, where the shared checks client sits beside the lab's own check.
    const checkFile = path.join(this.workDir, ...(this.manifest.check ?? '').split('/'));
    const module = (await import(pathToFileURL(checkFile).href)) as {
      check: (url: string) => Promise<unknown>;
    };
    return module.check(this.labUrl);
  }

  // The only way a name reaches the disk: it must be one of the lab's editable files, and the
  // file there must not be a link that leads elsewhere.
  #editablePath(name: string): string {
    if (!this.manifest.editable.includes(name)) {
      const files = this.manifest.editable.join(', ');
      throw new HttpError(403, {
        fr: `« ${name} » n'est pas l'un des fichiers modifiables de ce laboratoire (${files}).`,
        en: `"${name}" is not one of this lab's editable files (${files}).`,
      });
    }
    const target = path.join(this.appDir, name);
    if (
      path.relative(this.appDir, target).startsWith('..') ||
      path.isAbsolute(path.relative(this.appDir, target))
    ) {
      throw new HttpError(403, {
        fr: `« ${name} » est hors du dossier du laboratoire.`,
        en: `"${name}" is outside the lab's folder.`,
      });
    }
    if (fs.existsSync(target) && fs.lstatSync(target).isSymbolicLink()) {
      throw new HttpError(403, {
        fr: `« ${name} » est un lien ; les liens ne sont pas suivis.`,
        en: `"${name}" is a link; links are not followed.`,
      });
    }
    return target;
  }

  // A working copy made by an earlier version of the host has no lab.json: it is laid out anew.
  #laidOut(): boolean {
    return fs.existsSync(path.join(this.workDir, 'lab.json'));
  }

  // Lays the lab out into the working copy: everything follows the lab's sources, except the
  // editable files the copy already has, which hold the learner's edits.
  #layOut(): void {
    writeLayout(layOutLab(this.manifest.id), this.workDir, {
      keep: this.#laidOut() ? this.manifest.editable.map((name) => `app/${name}`) : [],
    });
  }

  // Writes a layout's editable files over the working copy (Reset and Solve change nothing else).
  #writeEditable(layout: LabLayout): void {
    for (const name of this.manifest.editable) {
      const contents = layout.get(`app/${name}`);
      if (contents !== undefined) fs.writeFileSync(this.#editablePath(name), contents);
    }
  }
}

/** Starts the lab host; nothing runs until a page asks for a lab. */
export async function startLabHost(options: LabHostOptions = {}): Promise<LabHost> {
  const workDir = options.workDir ?? path.join(root, '.lab-work', 'local');
  const allowedHosts = options.allowedHosts ?? parseAllowedHosts(process.env['LAB_ALLOWED_HOSTS']);
  const labs = new Map<string, LocalLab>();
  // What every lab process gets before it is told its lab (labEnvironment without LAB_APP_DIR).
  const spareEnv = labEnvironment('', process.env, allowedHosts);
  delete spareEnv['LAB_APP_DIR'];
  const spare = options.spare === false ? null : new SpareLab(spareEnv);
  for (const id of listLabs()) {
    labs.set(id, new LocalLab(readManifest(id), workDir, allowedHosts, spare));
  }
  const guard: Guard = {
    hosts: { ownHost: options.host ?? '127.0.0.1', allowed: allowedHosts },
    key: options.instructorKey ?? null,
  };

  const server = nodeHttp.createServer((request, response) => {
    handle(labs, guard, request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!(error instanceof HttpError)) console.error('lab host:', error);
      // The sandbox says its page's language in Accept-Language, as the dashboard does.
      const lang = requestLanguage(request.headers['accept-language'], labLanguage());
      sendJson(response, status, { error: textOf(error, lang) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  spare?.prepare();
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    port,
    close: async () => {
      await Promise.all([spare?.close(), ...[...labs.values()].map((lab) => lab.stop())]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Who may use the host: which Host names it answers to, and the instructor's key.
interface Guard {
  hosts: HostGuardOptions;
  key: string | null;
}

// Lab files and lab control run code on this machine: its own user may use them; anyone else
// on the room's network needs the instructor's key, and can still read the course.
function refuseOutsiders(guard: Guard, request: http.IncomingMessage): void {
  refuseForeignHost(request, guard.hosts);
  if (isLoopback(clientAddress(request))) return;
  if (guard.key !== null && keyMatches(presentedKey(request), guard.key)) return;
  throw new HttpError(403, {
    fr: "Les laboratoires de cette machine se pilotent depuis cette machine seulement : ouvrez le cours ici, ou présentez la clé de l'animateur. Tous les autres peuvent lire le cours et ses laboratoires enregistrés.",
    en: "Labs on this machine are driven from this machine only: open the course here, or present the instructor's key. Everyone else can read the course and its recorded labs.",
  });
}

async function handle(
  labs: Map<string, LocalLab>,
  guard: Guard,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://host.invalid');
  const method = request.method ?? 'GET';
  const parts = url.pathname.split('/');
  // ['', '_labs', lab, action, ...rest]
  if (parts[1] !== '_labs')
    throw new HttpError(404, {
      fr: "Ce chemin n'est pas celui d'un laboratoire.",
      en: 'Not a lab path.',
    });
  const presented = url.searchParams.get('key');
  if (parts[2] === '' && presented !== null && guard.key !== null) {
    // Opening /_labs/?key=<key> once on another device keeps the key there in a cookie.
    refuseForeignHost(request, guard.hosts);
    if (!keyMatches(presented, guard.key)) {
      throw new HttpError(403, {
        fr: "Ce n'est pas la clé de l'animateur qu'a affichée npm start : recopiez-la depuis son terminal.",
        en: "This is not the instructor's key that npm start printed: copy it again from its terminal.",
      });
    }
    response.writeHead(303, {
      location: '/',
      'set-cookie': instructorCookie(guard.key, '/_labs/'),
      'cache-control': 'no-store',
    });
    response.end();
    return;
  }
  refuseOutsiders(guard, request);
  const id = parts[2] ?? '';
  if (id === '') {
    sendJson(response, 200, {
      labs: [...labs.values()].map((lab) => ({
        id: lab.manifest.id,
        title: lab.manifest.title,
        editable: lab.manifest.editable,
        exercise: lab.exercise,
      })),
    });
    return;
  }
  const lab = labs.get(id);
  if (!lab)
    throw new HttpError(404, {
      fr: `Pas de laboratoire « ${id} » ici.`,
      en: `No lab "${id}" here.`,
    });
  const action = parts[3] ?? '';

  if (action === 'app') {
    // The dashboard's links are relative: it must be served from a path that ends with a slash.
    if (parts.length === 4) {
      response.writeHead(308, { location: `/_labs/${id}/app/${url.search}` });
      response.end();
      return;
    }
    if (lab.phase !== 'ready' || !lab.labUrl)
      throw new HttpError(503, {
        fr: `Le laboratoire « ${id} » ne tourne pas : démarrez-le d'abord.`,
        en: `The lab "${id}" is not running: start it first.`,
      });
    proxy(request, response, lab.labUrl, `/${parts.slice(4).join('/')}${url.search}`);
    return;
  }
  if (action === 'status') {
    sendJson(response, 200, { phase: lab.phase, error: lab.error });
    return;
  }
  if (action === 'output') {
    streamOutput(lab, request, response);
    return;
  }
  if (action === 'files' && parts.length === 4) {
    sendJson(response, 200, { files: lab.readFiles() });
    return;
  }

  // Everything below changes something: from this site's own pages only, and JSON only.
  refuseCrossSite(request, { fr: 'modifier un laboratoire', en: 'change a lab' });
  if (action === 'files' && parts.length === 5) {
    expectMethod(method, 'PUT');
    const body = await readJsonBody(request, MAX_BODY);
    const content = body['content'];
    if (typeof content !== 'string')
      throw new HttpError(400, {
        fr: 'Envoyez {"content": "…le texte du fichier…"}.',
        en: 'Send {"content": "…the file\'s text…"}.',
      });
    lab.writeFile(decodeURIComponent(parts[4] ?? ''), content);
    sendJson(response, 200, { ok: true });
    return;
  }
  expectMethod(method, 'POST');
  const body = await readJsonBody(request, MAX_BODY);
  switch (action) {
    case 'start':
      // `{"lang": "en"}`: the page's language; without it, the lab's own default applies.
      await lab.start(
        languageOfTag(typeof body['lang'] === 'string' ? body['lang'] : '') ?? undefined,
      );
      sendJson(response, 200, { phase: lab.phase });
      return;
    case 'stop':
      await lab.stop();
      sendJson(response, 200, { phase: lab.phase });
      return;
    case 'reset':
      sendJson(response, 200, { files: await lab.reset() });
      return;
    case 'solve':
      sendJson(response, 200, { files: await lab.solve() });
      return;
    case 'check':
      sendJson(response, 200, { results: await lab.check() });
      return;
    default:
      throw new HttpError(404, {
        fr: `Pas d'action de laboratoire « ${action} ».`,
        en: `No lab action "${action}".`,
      });
  }
}

function expectMethod(method: string, expected: string): void {
  if (method !== expected)
    throw new HttpError(405, {
      fr: `Utilisez ici ${expected}, pas ${method}.`,
      en: `Use ${expected} here, not ${method}.`,
    });
}

function streamOutput(
  lab: LocalLab,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  let unsubscribe = (): void => {};
  const stream = openEventStream(request, response, { onClose: () => unsubscribe() });
  const send = (chunk: string): void => {
    stream.send(JSON.stringify(chunk));
  };
  if (lab.output()) send(lab.output());
  unsubscribe = lab.subscribe(send);
}

// A plain reverse proxy to the running lab, streaming both ways (the event stream included). A
// request without a body that met a kept-alive connection the lab had just closed is sent once
// more (CI saw one of a dashboard's sixteen module requests answered 502 "socket hang up"); one
// with a body has been streamed away already and cannot be.
export function proxy(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  labUrl: string,
  pathname: string,
): void {
  const target = new URL(labUrl);
  const bodiless = request.method === 'GET' || request.method === 'HEAD';
  const attempt = (retried: boolean): void => {
    const upstream = nodeHttp.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: pathname,
        headers: {
          ...request.headers,
          'x-forwarded-host': request.headers['x-forwarded-host'] ?? request.headers.host ?? '',
        },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (bodiless && !retried && !response.headersSent && isStaleKeepAlive(upstream, error)) {
        attempt(true);
        return;
      }
      sendJson(response, 502, { error: `The lab did not answer: ${error.message}` });
    });
    response.on('close', () => upstream.destroy());
    if (bodiless) upstream.end();
    else request.pipe(upstream);
  };
  attempt(false);
}

// `node sandboxes/local/host.ts` runs the host alone (LAB_HOST_PORT, default any free port).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const host = await startLabHost({ port: Number(process.env['LAB_HOST_PORT'] ?? 0) });
  console.log(`Lab host ready at ${host.url}`);
  const stop = (): void => {
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
