// @ts-check
/**
 * The data source for when the event stream cannot pass: `lab/state`, asked for every second.
 * It delivers whole states only; what happened between two of them is for the dashboard to
 * see in their differences.
 *
 * @typedef {import('./feed.js').DataSource} DataSource
 * @typedef {import('./feed.js').Sink} Sink
 */

/**
 * Polling as a data source.
 * @param {{ url?: string, intervalMs?: number }} [options] `url` relative, so the dashboard
 *   works under a path prefix; `intervalMs` @default 1000
 * @returns {DataSource}
 */
export function pollingSource({ url = 'lab/state', intervalMs = 1000 } = {}) {
  // Each start gets a new run number, so an answer still on its way after stop() is dropped.
  let run = 0;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;

  /** @param {Sink} sink @param {number} mine */
  async function tick(sink, mine) {
    try {
      const response = await fetch(url, { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const state = await response.json();
      if (mine !== run) return;
      sink.health('message');
      sink.state(state);
    } catch {
      if (mine !== run) return;
      sink.health('failed');
    }
    // The next poll waits for this one: a slow lab is never asked twice at once.
    if (mine === run) timer = setTimeout(() => void tick(sink, mine), intervalMs);
  }

  return {
    start(sink) {
      run += 1;
      void tick(sink, run);
    },
    stop() {
      run += 1;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
