// @ts-check
/**
 * The log of the platform's events, newest first: instances started, ready, stopped (and why),
 * the backing service down and up, rollouts, and the instances' error output.
 *
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').StopReason} StopReason
 */
import { byId, el, lang, rolloutReasonText, t } from './format.js';

/** How many lines the log keeps, so that a long session stays light. */
const EVENTS_MAX = 40;

/**
 * Adds a line to the log, stamped with the platform's own time for the event.
 * @param {number} at @param {string} text @param {boolean} [warning]
 */
export function logLine(at, text, warning = false) {
  const list = byId('events');
  const item = el('li', warning ? 'warn' : undefined);
  const time = el('time', undefined, new Date(at).toLocaleTimeString(lang));
  time.dateTime = new Date(at).toISOString();
  item.append(time, ` ${warning ? '⚠ ' : ''}${text}`);
  list.prepend(item);
  while (list.children.length > EVENTS_MAX) list.lastElementChild?.remove();
  byId('events-empty').hidden = true;
}

/** @type {Record<StopReason, string>} */
const STOP_KEY = {
  killed: 'evKilled',
  crashed: 'evCrashed',
  replaced: 'evReplaced',
  'scaled-down': 'evScaledDown',
  'failed-to-start': 'evFailedToStart',
  unhealthy: 'evUnhealthy',
  'lab-stopped': 'evLabStopped',
};
/** Reasons to stop that are the platform's plan, not a problem. */
const PLANNED = new Set(['replaced', 'scaled-down', 'lab-stopped']);

/**
 * Writes the log line of one event, if it has one.
 * @param {LabEvent} event
 * @param {LabState | null} state the state shown, for the grace period of a forced stop
 */
export function logEvent(event, state) {
  switch (event.type) {
    case 'instance-started':
      // The port is 0 while the instance has not listened yet.
      logLine(event.at, t('evStarted', { id: event.id, port: event.port || '…', pid: event.pid }));
      break;
    case 'instance-ready':
      logLine(event.at, t('evReady', { id: event.id }));
      break;
    case 'instance-unready':
      logLine(event.at, t('evUnready', { id: event.id }), true);
      break;
    case 'instance-stopped': {
      let text = t(STOP_KEY[event.reason], { id: event.id, code: event.code ?? event.signal });
      // A process that let its grace period run out did not handle SIGTERM: worth a warning
      // even in a planned replacement, since requests in flight were cut.
      if (event.forced) {
        const grace = state?.stopGraceMs;
        text += ` ${t('evForced', { seconds: grace === undefined ? '?' : formatSeconds(grace) })}`;
      }
      logLine(event.at, text, event.forced || !PLANNED.has(event.reason));
      break;
    }
    case 'store-down':
      logLine(event.at, t('evStoreDown'), true);
      break;
    case 'store-up':
      logLine(event.at, t('evStoreUp'));
      break;
    case 'rollout-started':
      logLine(event.at, t('evRolloutStarted', { reason: rolloutReasonText(event.reason) }));
      break;
    case 'rollout-finished':
      logLine(event.at, t('evRolloutFinished'));
      break;
    case 'rollout-failed':
      logLine(event.at, t('evRolloutFailed', { error: event.error }), true);
      break;
    case 'task':
      // The task's own lines show in its panel; the log says that it ran, and how it ended.
      if (event.phase === 'started') {
        logLine(event.at, t('evTaskStarted', { task: event.task, pid: event.pid }));
      } else if (event.phase === 'finished') {
        const code = event.exitCode ?? event.signal;
        logLine(event.at, t('evTaskFinished', { task: event.task, code }), event.exitCode !== 0);
      }
      break;
    case 'log':
      // Standard output is chatty; error output is what explains a crash or a failed start.
      if (event.stream === 'stderr') {
        logLine(event.at, t('evLog', { instance: event.instance, line: event.line }));
      }
      break;
    // Requests show on the cards, states replace the page, heartbeats only keep the feed
    // alive and the self-test has its own lines: none of them is news for the log.
    default:
      break;
  }
}

/** @param {number} ms */
function formatSeconds(ms) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(ms / 1000);
}

/**
 * Logs what changed between two states, for the times when no event stream tells it (while
 * the dashboard polls): an instance that appeared, one that is gone, the store down or up. The
 * polled state does not say why an instance went, so these lines say only what was seen.
 * @param {LabState | null} before
 * @param {LabState} after
 */
export function logDifferences(before, after) {
  if (before === null) return;
  const at = Date.now();
  const was = new Set(before.instances.map((instance) => instance.id));
  const now = new Set(after.instances.map((instance) => instance.id));
  for (const id of was) if (!now.has(id)) logLine(at, t('evSeenGone', { id }), true);
  for (const id of now) if (!was.has(id)) logLine(at, t('evSeenStarted', { id }));
  if (before.store.up !== after.store.up) {
    logLine(at, t(after.store.up ? 'evStoreUp' : 'evStoreDown'), !after.store.up);
  }
}
