import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_INSTANCES, MIN_INSTANCES } from './config.ts';
import { pickLanguage, renderDashboard } from './dashboard/page.ts';
import type { EventBus } from './events.ts';
import { labLanguage, requestLanguage, textOf, type Lang } from './language.ts';
import { HttpError, openEventStream, readJsonBody, refuseCrossSite, sendJson } from './http.ts';
import { readCookie } from './balancer.ts';
import { keyMatches, presentedKey } from './instructor-key.ts';
import { TaskRefusedError, UnknownTaskError } from './tasks.ts';
import {
  MAX_SESSION_MAX_AGE_SECONDS,
  MIN_SESSION_MAX_AGE_SECONDS,
  RolloutError,
} from './orchestrator.ts';
import type { ConfigChange, LabEvent, LabState, TaskList, TaskResult } from './types.ts';

/** What the control API acts on. */
export interface ControlTarget {
  bus: EventBus;
  state(): LabState;
  kill(id: string): boolean;
  replaceAll(): Promise<void>;
  scale(count: number): Promise<void>;
  configure(change: ConfigChange): Promise<void>;
  stopStore(): Promise<void>;
  startStore(): Promise<void>;
  /** The names of the app's one-off tasks (`tasks/*.js`), see tasks.ts. */
  listTasks(): string[];
  /** Runs one task as its own process until it ends; throws an UnknownTaskError for a name that is none. */
  runTask(name: string): Promise<TaskResult>;
  /** `LAB_FRAMED=1`: cookies for a frame of another site, controls whatever the Host. */
  framed: boolean;
  /** The dashboard's cookie round trip ended: whether the test cookie came back. */
  cookieTest(returned: boolean): void;
  /**
   * Classroom mode: the instructor's key, which every control write must present (Bearer or
   * cookie, see instructor-key.ts); `null` outside classroom mode. @default null
   */
  instructorKey?: string | null;
  /**
   * `LAB_LANG`: the language of an error answer when the request's `Accept-Language` names
   * neither French nor English (curl sends none). @default labLanguage() of the environment
   */
  lang?: Lang;
}

const MAX_CONTROL_BODY = 16 * 1024;
/** The event stream sends a `heartbeat` event this often. */
export const HEARTBEAT_MS = 5000;
/** The cookie `GET /lab/cookie-test` sets and looks for. */
export const TEST_COOKIE = 'lab.cookie-test';

const assetsDir = fileURLToPath(new URL('./dashboard/assets/', import.meta.url));
const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The dashboard may be shown in a frame of the course site, which is cross-origin isolated.
const EMBEDDABLE = {
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'x-content-type-options': 'nosniff',
};

/**
 * The platform's own HTTP surface: `/` (the dashboard), `/lab/*` (control API, event stream,
 * dashboard assets). Returns false for any other path, which then belongs to the app.
 */
export function createControl(
  target: ControlTarget,
): (request: http.IncomingMessage, response: http.ServerResponse) => boolean {
  const assets = loadAssets();
  const pages = new Map<'fr' | 'en', string>();
  // The test cookie's value is this lab run's own, so an old cookie cannot pass for a new one.
  const cookieToken = randomBytes(12).toString('base64url');

  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://lab.invalid');
    const pathname = url.pathname;
    if (pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
      const lang = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language']);
      let page = pages.get(lang);
      if (page === undefined) {
        page = renderDashboard(lang);
        pages.set(lang, page);
      }
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-language': lang,
        vary: 'Accept-Language',
        ...EMBEDDABLE,
      });
      response.end(request.method === 'HEAD' ? undefined : page);
      return true;
    }
    if (pathname !== '/lab' && !pathname.startsWith('/lab/')) return false;
    handleApi(target, assets, cookieToken, request, response, url).catch((error: unknown) => {
      // The dashboard says its page's language in Accept-Language; a tool that says none gets
      // the lab's. The answer keeps one shape whatever the language: {"error": "<sentence>"}.
      const lang = requestLanguage(
        request.headers['accept-language'],
        target.lang ?? labLanguage(),
      );
      if (error instanceof HttpError) {
        sendJson(response, error.status, { error: error.text(lang) });
      } else if (error instanceof RolloutError) {
        // The change was valid but the new instances did not start: the learner's code is at fault.
        sendJson(response, 422, { error: error.text(lang) });
      } else {
        console.error('control API error:', error);
        sendJson(response, 500, { error: textOf(error, lang) });
      }
    });
    return true;
  };
}

async function handleApi(
  target: ControlTarget,
  assets: Map<string, { body: Buffer; type: string }>,
  cookieToken: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
): Promise<void> {
  const method = request.method ?? 'GET';
  const pathname = url.pathname;
  // In a classroom, everything under /lab/ that could change something is the instructor's:
  // checked before any route, so that a route added later is covered too.
  const key = target.instructorKey ?? null;
  if (key !== null && method !== 'GET' && method !== 'HEAD') {
    if (!keyMatches(presentedKey(request), key)) {
      throw new HttpError(401, {
        fr: "Seul l'animateur pilote ce laboratoire : envoyez la clé de la salle (Authorization: Bearer <clé>), ou ouvrez d'abord dans ce navigateur l'adresse de l'animateur que le laboratoire a affichée.",
        en: 'Only the instructor drives this lab: send the classroom key (Authorization: Bearer <key>), or open the Instructor URL the lab printed in this browser first.',
      });
    }
  }

  if (pathname.startsWith('/lab/assets/')) {
    allow(method, ['GET', 'HEAD']);
    const asset = assets.get(pathname.slice('/lab/assets/'.length));
    if (!asset)
      throw new HttpError(404, {
        fr: `Le tableau de bord n'a pas de fichier ${pathname}.`,
        en: `No dashboard file ${pathname}.`,
      });
    response.writeHead(200, {
      'content-type': asset.type,
      'cache-control': 'no-cache',
      ...EMBEDDABLE,
    });
    response.end(method === 'HEAD' ? undefined : asset.body);
    return;
  }
  if (pathname === '/lab/state') {
    allow(method, ['GET', 'HEAD']);
    sendJson(response, 200, target.state());
    return;
  }
  if (pathname === '/lab/events') {
    allow(method, ['GET']);
    streamEvents(target, request, response);
    return;
  }
  if (pathname === '/lab/cookie-test') {
    allow(method, ['GET']);
    cookieTest(target, cookieToken, request, response, url.searchParams.get('round'));
    return;
  }

  if (pathname === '/lab/tasks') {
    allow(method, ['GET', 'HEAD']);
    const list: TaskList = { tasks: target.listTasks() };
    sendJson(response, 200, list);
    return;
  }
  if (pathname.startsWith('/lab/tasks/')) {
    await runTask(target, request, response, pathname.slice('/lab/tasks/'.length));
    return;
  }

  const kill = /^\/lab\/instances\/([^/]+)\/kill$/.exec(pathname);
  const routes: Record<string, string> = {
    '/lab/replace': 'POST',
    '/lab/scale': 'POST',
    '/lab/config': 'PUT',
    '/lab/store/stop': 'POST',
    '/lab/store/start': 'POST',
  };
  const expected = kill ? 'POST' : routes[pathname];
  if (!expected)
    throw new HttpError(404, {
      fr: `La plateforme n'a pas de route ${method} ${pathname} : voyez la référence du laboratoire.`,
      en: `No platform route ${method} ${pathname}: see the lab reference.`,
    });
  allow(method, [expected]);
  refuseCrossSite(
    request,
    { fr: 'piloter le laboratoire', en: 'control the lab' },
    { framed: target.framed },
  );
  const body = await readJsonBody(request, MAX_CONTROL_BODY);

  if (kill) {
    const id = decodeURIComponent(kill[1] ?? '');
    expectNoFields(body);
    if (!target.kill(id))
      throw new HttpError(404, {
        fr: `Aucune instance « ${id} » ne tourne : GET /lab/state donne celles qui tournent.`,
        en: `No running instance "${id}": GET /lab/state lists the running ones.`,
      });
    sendJson(response, 200, { killed: id, state: target.state() });
    return;
  }
  switch (pathname) {
    case '/lab/replace':
      expectNoFields(body);
      await target.replaceAll();
      break;
    case '/lab/scale':
      await target.scale(readScale(body));
      break;
    case '/lab/config':
      await target.configure(readConfigChange(body));
      break;
    case '/lab/store/stop':
      expectNoFields(body);
      await target.stopStore();
      break;
    case '/lab/store/start':
      expectNoFields(body);
      await target.startStore();
      break;
  }
  sendJson(response, 200, target.state());
}

// `POST /lab/tasks/{name}`: a one-off admin process, answered once it has ended. The name is
// decoded here and checked by the runner, which accepts only the name of a file of tasks/.
async function runTask(
  target: ControlTarget,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  encoded: string,
): Promise<void> {
  allow(request.method ?? 'GET', ['POST']);
  refuseCrossSite(
    request,
    { fr: 'lancer une tâche du lab', en: "run the lab's tasks" },
    { framed: target.framed },
  );
  expectNoFields(await readJsonBody(request, MAX_CONTROL_BODY));
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    name = encoded;
  }
  let result: TaskResult;
  try {
    result = await target.runTask(name);
  } catch (error) {
    if (error instanceof UnknownTaskError) throw new HttpError(404, error.texts);
    if (error instanceof TaskRefusedError) throw new HttpError(429, error.texts);
    throw error;
  }
  sendJson(response, 200, result);
}

function allow(method: string, allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpError(405, {
      fr: `Utilisez ici ${allowed.join(' ou ')}, pas ${method}.`,
      en: `Use ${allowed.join(' or ')} here, not ${method}.`,
    });
  }
}

function expectNoFields(body: Record<string, unknown>): void {
  const fields = Object.keys(body);
  if (fields.length > 0)
    throw new HttpError(400, {
      fr: `Champ inattendu « ${fields[0]} » : cette action ne prend aucun paramètre.`,
      en: `Unexpected field "${fields[0]}": this action takes no parameters.`,
    });
}

function readScale(body: Record<string, unknown>): number {
  const extra = Object.keys(body).find((field) => field !== 'count');
  if (extra)
    throw new HttpError(400, {
      fr: `Champ inattendu « ${extra} » : envoyez {"count": n}.`,
      en: `Unexpected field "${extra}": send {"count": n}.`,
    });
  const count = body['count'];
  if (!isWholeNumberIn(count, MIN_INSTANCES, MAX_INSTANCES)) {
    throw new HttpError(400, {
      fr: `"count" doit être un nombre entier de ${MIN_INSTANCES} à ${MAX_INSTANCES}.`,
      en: `"count" must be a whole number from ${MIN_INSTANCES} to ${MAX_INSTANCES}.`,
    });
  }
  return count;
}

/** The fields `PUT /lab/config` takes. */
const CONFIG_FIELDS = ['sessionStore', 'sticky', 'sessionMaxAgeSeconds'];

function readConfigChange(body: Record<string, unknown>): ConfigChange {
  const extra = Object.keys(body).find((field) => !CONFIG_FIELDS.includes(field));
  if (extra)
    throw new HttpError(400, {
      fr: `Champ inattendu « ${extra} » : envoyez "sessionStore", "sticky", "sessionMaxAgeSeconds" ou plusieurs d'entre eux.`,
      en: `Unexpected field "${extra}": send "sessionStore", "sticky", "sessionMaxAgeSeconds", or several of them.`,
    });
  const change: ConfigChange = {};
  if ('sessionStore' in body) {
    const store = body['sessionStore'];
    if (store !== 'memory' && store !== 'redis')
      throw new HttpError(400, {
        fr: '"sessionStore" doit valoir "memory" ou "redis".',
        en: '"sessionStore" must be "memory" or "redis".',
      });
    change.sessionStore = store;
  }
  if ('sticky' in body) {
    if (typeof body['sticky'] !== 'boolean')
      throw new HttpError(400, {
        fr: '"sticky" doit valoir true ou false.',
        en: '"sticky" must be true or false.',
      });
    change.sticky = body['sticky'];
  }
  if ('sessionMaxAgeSeconds' in body) {
    const seconds = body['sessionMaxAgeSeconds'];
    if (!isWholeNumberIn(seconds, MIN_SESSION_MAX_AGE_SECONDS, MAX_SESSION_MAX_AGE_SECONDS))
      throw new HttpError(400, {
        fr: `"sessionMaxAgeSeconds" doit être un nombre entier de secondes, de ${MIN_SESSION_MAX_AGE_SECONDS} à ${MAX_SESSION_MAX_AGE_SECONDS}.`,
        en: `"sessionMaxAgeSeconds" must be a whole number of seconds from ${MIN_SESSION_MAX_AGE_SECONDS} to ${MAX_SESSION_MAX_AGE_SECONDS}.`,
      });
    change.sessionMaxAgeSeconds = seconds;
  }
  if (Object.keys(change).length === 0)
    throw new HttpError(400, {
      fr: 'Envoyez "sessionStore", "sticky", "sessionMaxAgeSeconds" ou plusieurs d\'entre eux.',
      en: 'Send "sessionStore", "sticky", "sessionMaxAgeSeconds", or several of them.',
    });
  return change;
}

// Server-Sent Events: the current state first, then everything that happens.
function streamEvents(
  target: ControlTarget,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  let unsubscribe = (): void => {};
  const stream = openEventStream(request, response, {
    headers: EMBEDDABLE,
    onClose: () => unsubscribe(),
  });
  const send = (event: LabEvent): void => {
    stream.send(JSON.stringify(event), event.type);
  };
  send({ type: 'state', at: Date.now(), state: target.state() });
  // A heartbeat lets the dashboard tell a quiet stream from one a proxy holds back.
  const heartbeat = setInterval(() => send({ type: 'heartbeat', at: Date.now() }), HEARTBEAT_MS);
  const stopBus = target.bus.subscribe(send);
  unsubscribe = () => {
    clearInterval(heartbeat);
    stopBus();
  };
}

/**
 * `GET /lab/cookie-test?round=1` sets a test cookie with the session cookie's attributes;
 * `?round=2` answers `{"returned": bool}`, whether it came back, and records it in the
 * self-test. This is how the dashboard learns whether the session cookie works in its frame.
 */
function cookieTest(
  target: ControlTarget,
  token: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  round: string | null,
): void {
  // The same attributes as the app's session cookie in this mode (see the app's config.js).
  const attributes = target.framed
    ? 'Path=/lab/cookie-test; HttpOnly; Secure; SameSite=None; Partitioned'
    : 'Path=/lab/cookie-test; HttpOnly; SameSite=Lax';
  if (round === '1') {
    sendJson(
      response,
      200,
      { cookie: TEST_COOKIE, next: '/lab/cookie-test?round=2' },
      { 'set-cookie': `${TEST_COOKIE}=${token}; Max-Age=300; ${attributes}`, ...EMBEDDABLE },
    );
    return;
  }
  if (round === '2') {
    const header = request.headers.cookie;
    const returned = header !== undefined && readCookie(header, TEST_COOKIE) === token;
    target.cookieTest(returned);
    // The cookie has done its work: remove it, so that the next test starts from nothing.
    sendJson(
      response,
      200,
      { returned },
      { 'set-cookie': `${TEST_COOKIE}=; Max-Age=0; ${attributes}`, ...EMBEDDABLE },
    );
    return;
  }
  throw new HttpError(400, {
    fr: "Demandez d'abord /lab/cookie-test?round=1, puis /lab/cookie-test?round=2.",
    en: 'Ask /lab/cookie-test?round=1 first, then /lab/cookie-test?round=2.',
  });
}

function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  let names: string[];
  try {
    names = fs.readdirSync(assetsDir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = ASSET_TYPES[path.extname(name)];
    if (type) assets.set(name, { body: fs.readFileSync(path.join(assetsDir, name)), type });
  }
  return assets;
}

/** Whether a field of a request's body is a whole number from `min` to `max`. */
function isWholeNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
