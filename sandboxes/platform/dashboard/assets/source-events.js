// @ts-check
/**
 * The data source of a live lab: its Server-Sent Events stream, `lab/events`.
 *
 * @typedef {import('./feed.js').DataSource} DataSource
 * @typedef {import('./feed.js').Sink} Sink
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 */

/** Every event type the lab sends; an EventSource only hands over the types it listens to. */
/** @type {LabEvent['type'][]} */
const EVENT_TYPES = [
  'state',
  'request',
  'instance-started',
  'instance-ready',
  'instance-unready',
  'instance-stopped',
  'store-down',
  'store-up',
  'rollout-started',
  'rollout-finished',
  'rollout-failed',
  'log',
  'heartbeat',
  'self-test',
  'task',
];

/**
 * The event stream as a data source.
 * @param {string} [url] relative, so the dashboard works under a path prefix
 * @returns {DataSource}
 */
export function eventStreamSource(url = 'lab/events') {
  /** @type {EventSource | null} */
  let source = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let retry = null;
  let retryDelay = 1000;

  /** @param {Sink} sink */
  function connect(sink) {
    const stream = new EventSource(url);
    source = stream;
    stream.addEventListener('open', () => {
      retryDelay = 1000;
      sink.health('open');
    });
    stream.addEventListener('error', () => {
      sink.health('failed');
      // The browser retries by itself after a dropped connection, but gives up for good after
      // an HTTP error (the lab restarting, a proxy in the way): then we retry, more slowly each time.
      if (stream.readyState === EventSource.CLOSED && source === stream) {
        retry = setTimeout(() => connect(sink), retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10_000);
      }
    });
    for (const type of EVENT_TYPES) {
      stream.addEventListener(type, (message) => {
        /** @type {LabEvent} */
        let event;
        try {
          event = JSON.parse(/** @type {MessageEvent<string>} */ (message).data);
        } catch (error) {
          console.warn('Unreadable lab event', error);
          return;
        }
        sink.health('message');
        if (event.type === 'state') sink.state(event.state);
        else sink.event(event);
      });
    }
  }

  return {
    start: (sink) => connect(sink),
    stop() {
      if (retry !== null) clearTimeout(retry);
      source?.close();
      source = null;
    },
  };
}
