// @ts-check
/**
 * What the dashboard sees, told to the course page that shows it in a frame, so that the page's
 * guided steps can tick themselves (src/sandbox/panels/steps.ts judges them with steps.js).
 *
 * Each thing is posted as one frame of the scenario model (`sandboxes/labs/scenario-model.ts`):
 * a state, an event, a visit's answer. They are the shapes a recording stores, so a recording
 * played through the same dashboard posts the same frames, and the page judges both alike.
 *
 * The page is another site than the lab in WebContainer (the preview's origin), so the frames go
 * by `postMessage`; the page accepts only the messages of its own frame's window. They carry only
 * what the dashboard already shows on screen, so any page that frames the dashboard may read them.
 * A dashboard in a tab of its own has no parent: then nothing is posted.
 *
 * @typedef {import('../../../labs/scenario-model.ts').Frame} Frame
 * @typedef {import('../../../labs/scenario-model.ts').VisitFrame} VisitFrame
 * @typedef {import('../../../labs/scenario-model.ts').VisitPath} VisitPath
 * @typedef {import('./feed.js').Sink} Sink
 */

/** What marks the dashboard's messages among any others a page receives. */
export const FRAME_MESSAGE = 'lab-dashboard-frame';

/** The app requests a step can ask for, by the relative URL the dashboard uses. */
/** @type {Record<string, VisitPath>} */
const VISIT_PATHS = {
  'api/visit': '/api/visit',
  'api/session': '/api/session',
  healthz: '/healthz',
  readyz: '/readyz',
};

const framed = window.parent !== window;

/**
 * Posts one frame to the page that frames the dashboard; does nothing in a tab of its own.
 * A recording's player calls it for the visits it replays.
 * @param {Frame} frame
 */
export function postFrame(frame) {
  if (!framed) return;
  try {
    window.parent.postMessage({ type: FRAME_MESSAGE, frame }, '*');
  } catch {
    // A frame that cannot be cloned is a bug of ours, never a reason to stop the dashboard.
  }
}

/**
 * Wraps a data source's sink so that every state and event it delivers is also posted, then
 * shown as before, and starts posting the answers of the dashboard's visits. Heartbeats say
 * only that the stream is alive: they are not posted.
 * @param {Omit<Sink, 'health'>} sink
 * @returns {Omit<Sink, 'health'>}
 */
export function observed(sink) {
  watchVisits();
  return {
    state(state) {
      postFrame({ at: Date.now(), kind: 'state', state });
      sink.state(state);
    },
    event(event) {
      if (event.type !== 'heartbeat') postFrame({ at: Date.now(), kind: 'event', event });
      sink.event(event);
    },
  };
}

/**
 * The relative path of an app request, or null for anything else (the control API, assets).
 * @param {RequestInfo | URL} input
 * @returns {VisitPath | null}
 */
function visitPath(input) {
  const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const url = new URL(raw, window.location.href);
  if (url.origin !== window.location.origin) return null;
  const base = new URL('.', window.location.href).pathname;
  if (!url.pathname.startsWith(base)) return null;
  return VISIT_PATHS[url.pathname.slice(base.length)] ?? null;
}

/**
 * What the balancer says of the session cookie. In header mode the session travels in
 * `X-Lab-Session`, which the balancer turns into the cookie: a request that carried a value
 * sent its session, as a cookie would have.
 * @param {Response} response
 * @param {RequestInit | undefined} init
 * @returns {VisitFrame['cookie']}
 */
function cookieOf(response, init) {
  const report = response.headers.get('X-Lab-Cookie');
  const headers = new Headers(init?.headers);
  if (headers.get('X-Lab-Session')) return 'sent';
  return report === 'sent' || report === 'new' ? report : 'none';
}

let watching = false;

// The visits are the dashboard's own requests of the app (session.js and the checks of a
// step): watching `fetch` sees every one of them, whichever button sent it, without the
// session's code knowing about the page. Only a framed dashboard needs it, and only once.
function watchVisits() {
  if (!framed || watching) return;
  watching = true;
  const send = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const path = visitPath(input);
    if (path === null) return send(input, init);
    const began = performance.now();
    const response = await send(input, init);
    const method = (init?.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET';
    // A copy is read, so the dashboard still reads the answer itself.
    response
      .clone()
      .json()
      .catch(() => ({}))
      .then((body) => {
        const data = typeof body === 'object' && body !== null ? body : {};
        const instance = typeof data.instance === 'string' ? data.instance : null;
        postFrame({
          at: Date.now(),
          kind: 'visit',
          method,
          path,
          status: response.status,
          body: data,
          instance,
          cookie: cookieOf(response, init),
          ms: Math.round(performance.now() - began),
        });
      });
    return response;
  };
}
