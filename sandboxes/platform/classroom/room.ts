/**
 * Classroom mode, on the lab's own port: the room's phones open `/join` and visit; the
 * instructor, with the key, drives the lab and shows `/projector`. This module serves those
 * pages, keeps the room's tally from the app's answers (who visited, what count the app gave
 * back, which instance holds whose session, what each instance stop cost), limits each
 * participant's visits, and turns the instructor's URL into an HttpOnly cookie.
 *
 *   GET /join               the participants' page (sets the lab.participant cookie)
 *   GET /projector          the room at a glance, for the projector
 *   GET /?key=<key>         sets the instructor's cookie, then shows the dashboard
 *   GET /lab/room           RoomState (types.ts): the whole room
 *   GET /lab/room/me        ParticipantView (types.ts): the caller's own record
 *   GET /lab/classroom/…    the join page's script and style
 *   GET /lab/projector/…    the projector's module and style (dashboard/projector/)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCookie, type AppAnswer } from '../balancer.ts';
import { pickLanguage } from '../dashboard/page.ts';
import type { Lang } from '../dashboard/strings.ts';
import type { EventBus } from '../events.ts';
import { sendJson } from '../http.ts';
import { instructorCookie, keyMatches } from '../instructor-key.ts';
import type {
  LabState,
  ParticipantView,
  RoomParticipant,
  RoomState,
  RoomStop,
  StopReason,
} from '../types.ts';
import { renderJoin, renderProjector } from './pages.ts';

/** The cookie that tells one participant from another, whatever their session becomes. */
export const PARTICIPANT_COOKIE = 'lab.participant';
/** A participant's visits: about this many a second, with a burst of `VISIT_BURST`. */
export const VISITS_PER_SECOND = 10;
const VISIT_BURST = 20;
/** The most participants (and rate buckets) kept; the least recently seen go first. */
const MAX_PARTICIPANTS = 2000;
/** The most instance stops kept for the projector, and per participant. */
const MAX_STOPS = 50;
const MAX_OWN_STOPS = 5;

// A stop that takes an instance's memory with it; a lab that stops, or an instance that never
// started, takes nobody's session.
const DISRUPTIONS: ReadonlySet<StopReason> = new Set([
  'killed',
  'crashed',
  'unhealthy',
  'replaced',
  'scaled-down',
]);

const assetsDir = fileURLToPath(new URL('./assets/', import.meta.url));
// The projector's module sits in the dashboard's folder, beside the modules it imports from
// `../assets/`, so that the same relative path holds on disk and in the URL.
const projectorDir = fileURLToPath(new URL('../dashboard/projector/', import.meta.url));
const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Participant {
  id: string;
  name: string;
  visits: number;
  count: number | null;
  instance: string | null;
  lost: number;
  /** The instances that hold a copy of this participant's session, and in which store. */
  holders: Map<string, 'memory' | 'redis'>;
  stops: ParticipantView['stops'];
}

interface Bucket {
  tokens: number;
  at: number;
}

/** What the classroom needs of the lab. */
export interface ClassroomOptions {
  key: string;
  bus: EventBus;
  state(): LabState;
}

/** The classroom layer of a lab; see the module's comment for what it serves. */
export class Classroom {
  #key: string;
  #state: () => LabState;
  #participants = new Map<string, Participant>();
  #buckets = new Map<string, Bucket>();
  #stops: RoomStop[] = [];
  #joined = 0;
  #pages = new Map<string, string>();
  #assets = new Map([
    ...prefixed('classroom/', loadAssets(assetsDir)),
    ...prefixed('projector/', loadAssets(projectorDir)),
  ]);
  #unsubscribe: () => void;

  constructor(options: ClassroomOptions) {
    this.#key = options.key;
    this.#state = options.state;
    this.#unsubscribe = options.bus.subscribe(
      (event) => {
        if (event.type === 'instance-stopped' && DISRUPTIONS.has(event.reason)) {
          this.#instanceStopped(event.id, event.reason, event.at);
        }
      },
      { requests: false },
    );
  }

  /** Stops listening to the lab's events. */
  close(): void {
    this.#unsubscribe();
  }

  /**
   * Serves what belongs to the classroom, or refuses a visit over the participant's limit;
   * returns false for everything else, which the control API and the balancer then handle.
   */
  handle(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    // A visit, the one request a room sends a hundred times a second, takes the short way: no
    // URL to parse when the path cannot leave /api/ (no `..`, no escapes that could spell one).
    const raw = request.url ?? '/';
    if (raw.startsWith('/api/') && !raw.includes('..') && !raw.includes('%')) {
      return this.#limit(request, response);
    }
    const url = new URL(raw, 'http://lab.invalid');
    const method = request.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (url.pathname.startsWith('/api/')) return this.#limit(request, response);
    if (!reading) return false;
    if (url.pathname === '/' && url.searchParams.has('key')) {
      this.#instructorLogin(url, response);
      return true;
    }
    if (url.pathname === '/join' || url.pathname === '/projector') {
      const lang = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language']);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-language': lang,
        vary: 'Accept-Language',
        'x-content-type-options': 'nosniff',
      };
      if (url.pathname === '/join' && !this.#participantId(request)) {
        headers['set-cookie'] =
          `${PARTICIPANT_COOKIE}=${randomBytes(12).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400`;
      }
      response.writeHead(200, headers);
      response.end(method === 'HEAD' ? undefined : this.#page(url.pathname, lang));
      return true;
    }
    if (url.pathname === '/lab/room') {
      sendJson(response, 200, this.room());
      return true;
    }
    if (url.pathname === '/lab/room/me') {
      const id = this.#participantId(request);
      const participant = id ? this.#participants.get(id) : undefined;
      if (!participant) {
        sendJson(response, 404, {
          error: 'This browser has not visited through /join yet: open /join, then visit.',
        });
      } else sendJson(response, 200, this.#view(participant));
      return true;
    }
    if (url.pathname.startsWith('/lab/classroom/') || url.pathname.startsWith('/lab/projector/')) {
      const asset = this.#assets.get(url.pathname.slice('/lab/'.length));
      if (!asset) {
        sendJson(response, 404, { error: `No classroom file ${url.pathname}.` });
        return true;
      }
      response.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      response.end(method === 'HEAD' ? undefined : asset.body);
      return true;
    }
    return false;
  }

  /** Reads one app answer the balancer passed on: a counted visit updates its participant. */
  recordAnswer(answer: AppAnswer): void {
    const { request } = answer;
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/api/visit') return;
    if (answer.status !== 200) return;
    const id = this.#participantId(request);
    if (!id) return;
    let body: { instance?: unknown; visits?: unknown; store?: unknown };
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body;
    } catch {
      return;
    }
    const participant = this.#participant(id);
    participant.visits += 1;
    participant.count = typeof body.visits === 'number' ? body.visits : null;
    participant.instance = answer.instance;
    participant.holders.set(answer.instance, body.store === 'redis' ? 'redis' : 'memory');
  }

  /** The whole room, as `GET /lab/room` answers it. */
  room(): RoomState {
    const state = this.#state();
    return {
      sessionStore: state.sessionStore,
      store: { kind: state.store.kind, up: state.store.up },
      instances: state.instances.map((instance) => instance.id),
      participants: [...this.#participants.values()].map((participant): RoomParticipant => ({
        name: participant.name,
        visits: participant.visits,
        count: participant.count,
        instance: participant.instance,
        lost: participant.lost,
      })),
      stops: this.#stops,
    };
  }

  #view(participant: Participant): ParticipantView {
    return {
      name: participant.name,
      visits: participant.visits,
      count: participant.count,
      instance: participant.instance,
      lost: participant.lost,
      stops: participant.stops,
    };
  }

  // An instance stopped: every session it held in its memory is gone; the ones in Redis are not.
  #instanceStopped(instance: string, reason: StopReason, at: number): void {
    let lost = 0;
    let kept = 0;
    for (const participant of this.#participants.values()) {
      const store = participant.holders.get(instance);
      if (store === undefined) continue;
      participant.holders.delete(instance);
      const wasLost = store === 'memory';
      if (wasLost) {
        lost += 1;
        participant.lost += 1;
      } else kept += 1;
      participant.stops.push({ at, instance, reason, lost: wasLost });
      if (participant.stops.length > MAX_OWN_STOPS) participant.stops.shift();
    }
    this.#stops.push({ at, instance, reason, lost, kept });
    if (this.#stops.length > MAX_STOPS) this.#stops.shift();
  }

  // A visit over the participant's share is refused before it reaches an instance. The share is
  // keyed on the participant's cookie (else their session's), never on the address: a whole room
  // may reach the laptop through one address.
  #limit(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    const cookie = request.headers.cookie ?? '';
    const key =
      this.#participantId(request) ??
      (readCookie(cookie, 'lab.sid') ? `s:${readCookie(cookie, 'lab.sid')}` : 'anonymous');
    const now = performance.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: VISIT_BURST, at: now };
      if (this.#buckets.size >= MAX_PARTICIPANTS) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    bucket.tokens = Math.min(
      VISIT_BURST,
      bucket.tokens + ((now - bucket.at) / 1000) * VISITS_PER_SECOND,
    );
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return false;
    }
    const wait = Math.ceil((1 - bucket.tokens) / VISITS_PER_SECOND);
    sendJson(
      response,
      429,
      {
        error: `Too many visits from this participant: about ${VISITS_PER_SECOND} a second at most. Wait a moment, then visit again.`,
      },
      { 'retry-after': String(Math.max(1, wait)) },
    );
    return true;
  }

  #instructorLogin(url: URL, response: http.ServerResponse): void {
    if (!keyMatches(url.searchParams.get('key'), this.#key)) {
      sendJson(response, 401, {
        error:
          'This is not the key this classroom printed: copy the whole Instructor URL from the terminal that runs npm run classroom.',
      });
      return;
    }
    // The key leaves the address bar at once: it lives on in the HttpOnly cookie only.
    url.searchParams.delete('key');
    response.writeHead(303, {
      location: `/${url.search}`,
      'set-cookie': instructorCookie(this.#key, '/'),
      'cache-control': 'no-store',
    });
    response.end();
  }

  #participantId(request: http.IncomingMessage): string | null {
    const cookie = request.headers.cookie;
    return cookie ? readCookie(cookie, PARTICIPANT_COOKIE) : null;
  }

  #participant(id: string): Participant {
    let participant = this.#participants.get(id);
    // The room keeps the order in which people joined: the projector's rows stay in place.
    if (participant) return participant;
    {
      this.#joined += 1;
      participant = {
        id,
        name: `P${this.#joined}`,
        visits: 0,
        count: null,
        instance: null,
        lost: 0,
        holders: new Map(),
        stops: [],
      };
      if (this.#participants.size >= MAX_PARTICIPANTS) {
        const oldest = this.#participants.keys().next().value;
        if (oldest !== undefined) this.#participants.delete(oldest);
      }
    }
    this.#participants.set(id, participant);
    return participant;
  }

  #page(pathname: string, lang: Lang): string {
    const cacheKey = `${pathname}:${lang}`;
    let page = this.#pages.get(cacheKey);
    if (page === undefined) {
      page = pathname === '/join' ? renderJoin(lang) : renderProjector(lang);
      this.#pages.set(cacheKey, page);
    }
    return page;
  }
}

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = ASSET_TYPES[path.extname(name)];
    if (type) assets.set(name, { body: fs.readFileSync(path.join(dir, name)), type });
  }
  return assets;
}

function prefixed(prefix: string, assets: Map<string, Asset>): [string, Asset][] {
  return [...assets].map(([name, asset]) => [`${prefix}${name}`, asset]);
}
