// @ts-check
/**
 * The participants' page (`/join`): sends visits, shows the count the lab answered and the
 * instance that answered, and says in plain words what an instance stop did to this session.
 *
 * A classic script, no module and no framework: it must run on an old phone's browser. The
 * server rendered the whole page; this only fills it, with strings from its JSON block.
 */
(function () {
  'use strict';

  /** @param {string} id */
  function byId(id) {
    var element = document.getElementById(id);
    if (!element) throw new Error('The join page has no #' + id);
    return element;
  }

  /** @type {Record<string, string>} */
  var strings = JSON.parse(byId('lab-strings').textContent || '{}');

  /**
   * A string with its `{placeholders}` filled in.
   * @param {string} key
   * @param {Record<string, string | number>} [values]
   */
  function t(key, values) {
    var text = strings[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : '?';
    });
  }

  // The same colour for an instance on every phone: web-1 is the first colour, web-2 the
  // second… The instance's name is always written beside it, so colour never carries meaning alone.
  /** @param {string} id */
  function colourClass(id) {
    var match = /(\d+)$/.exec(id);
    return match ? 'c' + ((Number(match[1]) - 1) % 8) : 'cx';
  }

  /** @type {Record<string, string>} */
  var HOW = {
    killed: 'howKilled',
    crashed: 'howCrashed',
    replaced: 'howReplaced',
    unhealthy: 'howUnhealthy',
    'scaled-down': 'howScaledDown',
  };

  var visitButton = byId('visit');
  var autoSwitch = /** @type {HTMLInputElement} */ (byId('auto'));
  var sentShown = byId('sent');
  var countShown = byId('count');
  var instanceShown = byId('instance-name');
  var swatch = byId('swatch');
  var news = byId('news');
  var errorShown = byId('error');

  var sent = 0;
  /** A visit is on its way; a press meanwhile is kept in `again`, never dropped. */
  var busy = false;
  var again = false;
  /** The instances that have answered this phone: a new one may be a replacement. */
  /** @type {Record<string, boolean>} */
  var seen = {};
  /** The count answered last, to notice a count that goes back. */
  var lastCount = 0;
  /** The time of the last instance stop already explained, so each is told once. */
  var explainedUpTo = 0;
  /** @type {ReturnType<typeof setInterval> | null} */
  var timer = null;

  /** @param {string | null} message */
  function showError(message) {
    errorShown.textContent = message || '';
    errorShown.hidden = !message;
  }

  /**
   * Says what the last answer means. A stop of an instance that held this session is told
   * first, once; otherwise whether the count is the whole story.
   * @param {{ instance: string, visits: number, store: string }} answer
   * @param {{ stops: { at: number, instance: string, reason: string, lost: boolean }[] } | null} me
   */
  function explain(answer, me) {
    var stops = me
      ? me.stops.filter(function (stop) {
          return stop.at > explainedUpTo;
        })
      : [];
    var stop = stops[stops.length - 1];
    if (stop) {
      explainedUpTo = stop.at;
      news.textContent = t(stop.lost ? 'newsLost' : 'newsKept', {
        instance: stop.instance,
        how: t(HOW[stop.reason] || 'howReplaced'),
        next: answer.instance,
        count: answer.visits,
      });
      return;
    }
    // A stop stays on screen until the next one: under auto-visit it would otherwise vanish
    // a second later, before the room has read it.
    if (explainedUpTo > 0) return;
    news.textContent =
      answer.store === 'memory' && answer.visits < sent
        ? t('newsSplit', { instance: answer.instance, count: answer.visits, sent: sent })
        : t('newsAnswered', { instance: answer.instance, count: answer.visits });
  }

  /** @param {{ instance: string, visits: number, store: string }} answer */
  function show(answer) {
    sentShown.textContent = String(sent);
    countShown.textContent = String(answer.visits);
    instanceShown.textContent = answer.instance;
    swatch.className = 'swatch ' + colourClass(answer.instance);
    var surprising = !seen[answer.instance] || answer.visits <= lastCount;
    seen[answer.instance] = true;
    lastCount = answer.visits;
    if (!surprising) {
      explain(answer, null);
      return Promise.resolve();
    }
    // Only then ask the lab what happened: most visits need no second request.
    return fetch('lab/room/me', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(
        function (me) {
          explain(answer, me);
        },
        function () {
          explain(answer, null);
        },
      );
  }

  /**
   * One visit. Only the POST holds `busy`: asking the lab what happened (show) runs beside the
   * next visit, so a quick second press is not swallowed while the first is being explained.
   * @param {boolean} pressed a press of the button (kept for later if a visit is on its way)
   */
  function visit(pressed) {
    if (busy) {
      if (pressed) again = true;
      return;
    }
    busy = true;
    fetch('api/visit', { method: 'POST', cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (response.ok) {
          return response.json().then(function (answer) {
            sent += 1;
            showError(null);
            void show(answer);
          });
        }
        if (response.status === 429) showError(t('errorTooMany'));
        else if (response.status === 503)
          showError(t(response.headers.get('x-lab-instance') ? 'errorStore' : 'errorNoInstance'));
        else showError(t('errorOther', { status: response.status }));
        return undefined;
      })
      .catch(function () {
        showError(t('errorNetwork'));
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          visit(true);
        }
      });
  }

  visitButton.addEventListener('click', function () {
    visit(true);
  });
  autoSwitch.addEventListener('change', function () {
    if (timer !== null) clearInterval(timer);
    timer = autoSwitch.checked
      ? setInterval(function () {
          visit(false);
        }, 1000)
      : null;
    if (autoSwitch.checked) visit(false);
  });
})();
