// @ts-check
/**
 * The dashboard's entry module: it fills the server-rendered page from the lab's data source
 * and wires the learner's actions to the platform's control API.
 *
 * Every module sits beside this one in `lab/assets/` and every URL is relative, without a
 * leading slash, so that the dashboard also works when a site serves the lab under a path prefix.
 *
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 * @typedef {import('./feed.js').FeedStatus} FeedStatus
 */
import { setUpBurst } from './burst.js';
import { setUpControls } from './controls.js';
import { setUpTasks, showTaskEvent } from './tasks.js';
import { logDifferences, logEvent } from './event-log.js';
import { setUpExpiry } from './expiry.js';
import { startFeed } from './feed.js';
import { observed } from './observer.js';
import { byId, t } from './format.js';
import { carryInHeader } from './session-carrier.js';
import { readSession, renderKnown, setUpSession } from './session.js';
import { testCookieOnce } from './self-test.js';
import { eventStreamSource } from './source-events.js';
import { pollingSource } from './source-polling.js';
import {
  countServed,
  currentState,
  noteRolloutStarted,
  renderSelfTest,
  renderState,
  setInstanceStatus,
  setStoreUp,
  showRolloutError,
} from './state-view.js';

/** Set once the feed exists; until then no source has spoken and nothing is live. */
/** @type {{ readonly live: boolean } | null} */
let feed = null;
/** The recording this page plays (`?recording=<id>`, in the course's static build), or null for a live lab. */
const recordingId = new URLSearchParams(window.location.search).get('recording');

/**
 * Shows a whole state, from whichever source. While no event stream tells what happens, the
 * log notes what changed since the state shown before.
 * @param {LabState} next
 */
function showState(next) {
  if (!feed?.live) logDifferences(currentState(), next);
  renderState(next);
  renderKnown();
  void testCookieOnce(next).then((returned) => {
    // The browser does not send the lab's cookie back: carry the session in the header at
    // once, before two visits have to find it out.
    if (returned === false) carryInHeader();
  });
}

async function refreshState() {
  // No lab stands behind a recording: its states come from the recording alone.
  if (recordingId !== null) return;
  try {
    const response = await fetch('lab/state', { cache: 'no-store' });
    if (response.ok) showState(await response.json());
  } catch {
    // The feed's status already says the lab is out of reach; the feed tries again by itself.
  }
}

/** @type {ReturnType<typeof setTimeout> | null} */
let refreshTimer = null;
// Several instance events arrive together during a rollout: fetch the state once after them.
function scheduleRefresh() {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refreshState();
  }, 250);
}

/** @param {LabEvent} event */
function handleEvent(event) {
  logEvent(event, currentState());
  switch (event.type) {
    case 'request':
      countServed(event.instance);
      break;
    case 'instance-ready':
    case 'instance-unready':
      setInstanceStatus(event.id, event.type === 'instance-ready' ? 'ready' : 'unready');
      scheduleRefresh();
      break;
    case 'instance-started':
    case 'instance-stopped':
      scheduleRefresh();
      break;
    case 'store-down':
    case 'store-up':
      setStoreUp(event.type === 'store-up');
      break;
    case 'rollout-started':
      noteRolloutStarted(event.at);
      scheduleRefresh();
      break;
    case 'rollout-finished':
      showRolloutError(null);
      scheduleRefresh();
      break;
    case 'rollout-failed':
      showRolloutError(event.error);
      scheduleRefresh();
      break;
    case 'self-test':
      renderSelfTest(event.report);
      break;
    case 'task':
      showTaskEvent(event);
      break;
    default:
      break;
  }
}

/** @type {Record<FeedStatus, { key: string, ok: boolean }>} */
const FEED_TEXT = {
  connecting: { key: 'feedConnecting', ok: false },
  live: { key: 'feedConnected', ok: true },
  lost: { key: 'feedReconnecting', ok: false },
  'polling-silent': { key: 'feedPollingSilent', ok: false },
  'polling-down': { key: 'feedPollingDown', ok: false },
};

/** @param {FeedStatus} status */
function showFeed(status) {
  const glance = byId('glance-feed');
  const { key, ok } = FEED_TEXT[status];
  glance.textContent = t(key);
  glance.className = ok ? 'ok' : status === 'lost' ? 'bad' : 'notice';
}

if (recordingId !== null) {
  // A recording plays through the same views: whole states, events, and its visits through the
  // session panel (player.js); nothing is asked of a lab, and the page's frame hears it all too.
  void import('./player.js').then(({ playRecording }) =>
    playRecording(
      recordingId,
      observed({
        state: (next) => {
          renderState(next);
          renderKnown();
        },
        event: handleEvent,
      }),
    ),
  );
} else {
  startLive();
}

/** Wires the controls and starts the feed of a live lab. */
function startLive() {
  setUpControls({ refresh: () => void refreshState() });
  setUpTasks();
  setUpSession();
  setUpBurst();
  setUpExpiry();
  void refreshState();
  void readSession();
  feed = startFeed({
    stream: eventStreamSource('lab/events'),
    fallback: pollingSource({ url: 'lab/state', intervalMs: 1000 }),
    // Everything the feed delivers is also told to a page that frames the dashboard (its steps).
    sink: observed({ state: showState, event: handleEvent }),
    onStatus: showFeed,
    onResume: () => void refreshState(),
  });
}
