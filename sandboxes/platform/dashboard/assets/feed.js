// @ts-check
/**
 * Where everything the dashboard receives comes from, behind one interface.
 *
 * A data source delivers the lab's whole state, the events that happen, and signs of its own
 * health; the dashboard does not know which source it reads. Two exist:
 * - the event stream (`source-events.js`), live, the usual one;
 * - polling `lab/state` every second (`source-polling.js`), for when the stream cannot pass.
 * The third is planned and not built: a recording of a real run of the lab, played back where
 * no lab can run (see the design's "Recording" runtime). It would be one more `DataSource`
 * whose `start` delivers the recorded states and events at their recorded pace, started alone
 * (no fallback) by `startFeed`'s caller, with the page saying that it shows a recording.
 *
 * The feed runs the stream and watches it. A stream that opens and then stays silent is held
 * by something in between (a relay or proxy that buffers it): the lab sends its whole state as
 * soon as a stream opens, then a `heartbeat` every 5 s. Then, or when the stream cannot connect
 * at all, the feed polls, says so, and goes back to the stream as soon as its events flow again.
 *
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 *
 * @typedef {'open' | 'message' | 'failed'} Health
 * `open`: connected, nothing received yet; `message`: something arrived (told before the
 * message itself is delivered); `failed`: the source lost the lab, and tries again by itself.
 *
 * @typedef {object} Sink what a data source delivers to
 * @property {(state: LabState) => void} state the lab's whole state, replacing what was shown
 * @property {(event: LabEvent) => void} event one thing that happened, as the lab tells it
 * @property {(health: Health) => void} health how the source itself is doing
 *
 * @typedef {object} DataSource
 * @property {(sink: Sink) => void} start starts delivering; a source retries by itself
 * @property {() => void} stop stops delivering, at once
 *
 * @typedef {'connecting' | 'live' | 'lost' | 'polling-silent' | 'polling-down'} FeedStatus
 */

/** How long a newly opened stream may stay silent: the lab's state should come at once. */
const FIRST_MESSAGE_MS = 3000;
/** How long a stream that has sent heartbeats may stay silent: two heartbeats, and some margin. */
const STALL_MS = 12_000;

/**
 * Starts the feed: the stream, with polling whenever the stream does not deliver.
 * @param {{ stream: DataSource, fallback: DataSource, sink: Omit<Sink, 'health'>,
 *   onStatus: (status: FeedStatus) => void, onResume: () => void }} options
 *   `onResume` runs when the stream takes over again, to catch up on what it held back
 * @returns {{ readonly live: boolean }}
 */
export function startFeed({ stream, fallback, sink, onStatus, onResume }) {
  let live = false;
  let opened = false;
  /** Only a lab that sends heartbeats can be judged by a silence after its first messages. */
  let heartbeats = false;
  /** @type {'silent' | 'down' | null} */
  let polling = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let watchdog = null;

  /** @param {number} ms */
  function watch(ms) {
    if (watchdog !== null) clearTimeout(watchdog);
    watchdog = setTimeout(() => poll(opened ? 'silent' : 'down'), ms);
  }

  /** @param {'silent' | 'down'} reason */
  function poll(reason) {
    live = false;
    const wasPolling = polling !== null;
    polling = reason;
    if (wasPolling) return;
    fallback.start({
      state: (state) => sink.state(state),
      event: (event) => sink.event(event),
      health: (health) => {
        if (polling === null) return;
        if (health === 'message') onStatus(`polling-${polling}`);
        else if (health === 'failed') onStatus('lost');
      },
    });
  }

  stream.start({
    state: (state) => sink.state(state),
    event: (event) => {
      if (event.type === 'heartbeat' && !heartbeats) {
        heartbeats = true;
        watch(STALL_MS);
      }
      sink.event(event);
    },
    health: (health) => {
      if (health === 'open') {
        opened = true;
        watch(FIRST_MESSAGE_MS);
      } else if (health === 'message') {
        const resumed = polling !== null;
        if (resumed) {
          fallback.stop();
          polling = null;
        }
        if (heartbeats) watch(STALL_MS);
        else if (watchdog !== null) clearTimeout(watchdog);
        if (!live) {
          live = true;
          onStatus('live');
        }
        // Events that a relay held back arrive late and in a burst: the whole state, fetched
        // now, puts the page right after them.
        if (resumed) onResume();
      } else {
        opened = false;
        if (polling === null) onStatus('lost');
        // A stream that fails as it connects has been refused: poll at once, it may never open.
        poll('down');
      }
    },
  });
  watch(FIRST_MESSAGE_MS);

  return {
    get live() {
      return live;
    },
  };
}
