// @ts-check
/**
 * The projector view (`/projector`): the whole room at a glance, read from `lab/room` every
 * second through the dashboard's own polling data source, with its strings and helpers.
 *
 * @typedef {import('../../types.ts').RoomState} RoomState
 * @typedef {import('../../types.ts').LabState} LabState
 */
import { byId, el, t, timeText } from '../assets/format.js';
import { pollingSource } from '../assets/source-polling.js';

/** @type {Record<string, string>} */
const HOW = {
  killed: 'stopKilled',
  crashed: 'stopCrashed',
  replaced: 'stopReplaced',
  unhealthy: 'stopUnhealthy',
  'scaled-down': 'stopScaledDown',
};

// The same colours as on the phones: web-1 the first, web-2 the second…
/** @param {string | null} id */
function colourClass(id) {
  const match = id === null ? null : /(\d+)$/.exec(id);
  return match ? `c${(Number(match[1]) - 1) % 8}` : 'cx';
}

/** @param {string | null} id */
function instanceCell(id) {
  const cell = el('td');
  if (id === null) {
    cell.textContent = t('none');
    return cell;
  }
  const swatch = el('span', `swatch ${colourClass(id)}`);
  swatch.setAttribute('aria-hidden', 'true');
  cell.append(swatch, id);
  return cell;
}

/** @param {RoomState} room */
function render(room) {
  byId('participants').textContent = String(room.participants.length);
  byId('session-store').textContent = t(
    room.sessionStore === 'redis' ? 'storeRedis' : 'storeMemory',
  );
  byId('store').textContent = t(room.store.up ? 'storeUp' : 'storeDown');
  byId('instances').textContent = room.instances.join(', ') || t('none');

  const stops = byId('stops');
  byId('stops-empty').hidden = room.stops.length > 0;
  // Newest first, so the last kill is always in view.
  stops.replaceChildren(
    ...room.stops
      .slice()
      .reverse()
      .map((stop) =>
        el(
          'li',
          stop.lost > 0 ? 'lost' : '',
          t('stopLine', {
            time: timeText(stop.at),
            instance: stop.instance,
            how: t(HOW[stop.reason] ?? 'stopReplaced'),
            lost: stop.lost,
            kept: stop.kept,
          }),
        ),
      ),
  );

  byId('room-empty').hidden = room.participants.length > 0;
  byId('room').hidden = room.participants.length === 0;
  byId('room-rows').replaceChildren(
    ...room.participants.map((participant) => {
      const row = el('tr');
      const name = el('th', '', participant.name);
      name.setAttribute('scope', 'row');
      row.append(
        name,
        el('td', '', String(participant.visits)),
        el('td', '', participant.count === null ? t('none') : String(participant.count)),
        instanceCell(participant.instance),
        el('td', participant.lost > 0 ? 'lost' : '', String(participant.lost)),
      );
      return row;
    }),
  );
}

const large = byId('large');
large.addEventListener('click', () => {
  const on = large.getAttribute('aria-pressed') !== 'true';
  large.setAttribute('aria-pressed', String(on));
  document.body.classList.toggle('large', on);
});

pollingSource({ url: 'lab/room' }).start({
  state: (/** @type {LabState} */ room) =>
    render(/** @type {RoomState} */ (/** @type {unknown} */ (room))),
  event: () => {},
  health: (health) => {
    byId('feed-lost').hidden = health !== 'failed';
  },
});
