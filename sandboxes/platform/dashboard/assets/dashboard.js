// @ts-check
/**
 * The dashboard's script: it fills the server-rendered page from `lab/state` and the event
 * stream, and sends the learner's actions to the platform's control API.
 *
 * Every URL is relative, without a leading slash, so that the dashboard also works when a site
 * serves the lab under a path prefix.
 *
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 * @typedef {import('../../types.ts').InstanceView} InstanceView
 * @typedef {{ instance: string | null, visits: number | null, lost: boolean, error: string | null, status?: number }} Visit
 */

(() => {
  /** How often automatic traffic sends a visit, in milliseconds. */
  const AUTO_INTERVAL = 700;
  /** How many visits the timeline and events the log keep, so a long session stays light. */
  const TIMELINE_MAX = 60;
  const EVENTS_MAX = 40;
  const PALETTE_SIZE = 8;
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
  ];

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`The dashboard page has no #${id}`);
    return element;
  }

  /** @type {Record<string, string>} */
  const strings = JSON.parse(byId('lab-strings').textContent ?? '{}');
  const plural = new Intl.PluralRules(document.documentElement.lang);

  /**
   * Looks a string up and fills its `{placeholders}`.
   * @param {string} key
   * @param {Record<string, string | number | null>} [values]
   */
  function t(key, values = {}) {
    return (strings[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? '?'));
  }

  /** @param {number} n */
  function visitsText(n) {
    return t(plural.select(n) === 'one' ? 'visitsOne' : 'visitsOther', { n });
  }

  /**
   * Creates an element with a class and text.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string} [className]
   * @param {string} [text]
   */
  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  /** @param {string} text */
  function hiddenText(text) {
    return el('span', 'visually-hidden', text);
  }

  // Each instance keeps one colour for its whole life; the id is always written next to it, so
  // the colour only helps and never carries meaning alone.
  /** @type {Map<string, number>} */
  const colours = new Map();
  /** @param {string | null} id */
  function colourClass(id) {
    if (id === null) return 'cx';
    let index = colours.get(id);
    if (index === undefined) {
      index = colours.size % PALETTE_SIZE;
      colours.set(id, index);
    }
    return `c${index}`;
  }

  /** @type {LabState | null} */
  let state = null;
  /** @type {Map<string, HTMLLIElement>} */
  const cards = new Map();
  /** What each instance answered last, which shows memory sessions splitting across instances. */
  /** @type {Map<string, number>} */
  const known = new Map();
  let sent = 0;
  /** @type {number | null} */
  let lastVisits = null;
  let visitInFlight = false;
  /** @type {ReturnType<typeof setInterval> | null} */
  let autoTimer = null;
  // The forms stop following the platform's state once the learner starts editing them.
  let configDirty = false;
  let scaleDirty = false;

  // ---- Talking to the platform ----

  /** @param {Response} response @returns {Promise<{ error?: unknown } & Record<string, unknown>>} */
  async function readJson(response) {
    try {
      return await response.json();
    } catch {
      return {};
    }
  }

  /** @param {string} message */
  function showActionError(message) {
    const box = byId('action-error');
    box.textContent = message;
    box.hidden = false;
  }

  function clearActionError() {
    byId('action-error').hidden = true;
  }

  /**
   * Sends one write to the control API and reports the outcome.
   * @param {'POST' | 'PUT'} method
   * @param {string} url
   * @param {unknown} body
   * @param {string} label the action's name, as the learner saw it on its button
   */
  async function send(method, url, body, label) {
    // Rollouts answer only once they are over, which takes a few seconds: say that it is under way.
    const status = byId('action-status');
    status.textContent = t('pending', { action: label });
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch {
      status.textContent = '';
      showActionError(t('unreachable'));
      return false;
    }
    if (!response.ok) {
      const data = await readJson(response);
      const error =
        typeof data.error === 'string' ? data.error : t('httpStatus', { status: response.status });
      status.textContent = '';
      showActionError(t('failed', { action: label, error }));
      return false;
    }
    clearActionError();
    status.textContent = t('done', { action: label });
    void refreshState();
    return true;
  }

  async function refreshState() {
    try {
      const response = await fetch('lab/state');
      if (response.ok) renderState(await response.json());
    } catch {
      // The feed's status already says the lab is out of reach; the next poll tries again.
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

  // ---- The state: glance, cards, forms, rollout error ----

  /** @param {LabState} next */
  function renderState(next) {
    state = next;
    byId('glance-session-store').textContent = t(
      next.sessionStore === 'redis' ? 'storeRedis' : 'storeMemory',
    );
    byId('glance-sticky').textContent = t(next.sticky ? 'stickyOn' : 'stickyOff');
    renderStore();
    byId('glance-desired').textContent = String(next.desired);
    renderCards(next.instances);
    renderKnown();
    if (!configDirty) {
      const form = /** @type {HTMLFormElement} */ (byId('config-form'));
      for (const radio of form.querySelectorAll('input[name="sessionStore"]')) {
        const input = /** @type {HTMLInputElement} */ (radio);
        input.checked = input.value === next.sessionStore;
      }
      /** @type {HTMLInputElement} */ (byId('config-sticky')).checked = next.sticky;
    }
    if (!scaleDirty)
      /** @type {HTMLInputElement} */ (byId('scale-count')).value = String(next.desired);
    showRolloutError(next.lastError);
  }

  function renderStore() {
    if (!state) return;
    const { store } = state;
    const where =
      store.kind === 'embedded' ? t('storeEmbedded', { port: store.port }) : t('storeExternal');
    const glance = byId('glance-store');
    glance.textContent = `${store.up ? '●' : '✕'} ${t(store.up ? 'storeUp' : 'storeDown')} (${where})`;
    glance.className = store.up ? 'ok' : 'bad';
  }

  /** @param {string | null} error */
  function showRolloutError(error) {
    const banner = byId('rollout-failed');
    if (error === null) {
      banner.hidden = true;
      return;
    }
    byId('rollout-error').textContent = error;
    banner.hidden = false;
  }

  const STATUS_SYMBOL = { starting: '◐', ready: '●', unready: '○', stopping: '■' };
  const STATUS_KEY = {
    starting: 'statusStarting',
    ready: 'statusReady',
    unready: 'statusUnready',
    stopping: 'statusStopping',
  };

  /** @param {InstanceView[]} instances */
  function renderCards(instances) {
    const list = byId('cards');
    const seen = new Set(instances.map((instance) => instance.id));
    for (const [id, card] of cards) {
      if (seen.has(id)) continue;
      // A killed card takes the keyboard focus with it: move focus to the section, not the page's top.
      if (card.contains(document.activeElement)) byId('h-instances').focus();
      card.remove();
      cards.delete(id);
    }
    for (const [index, instance] of instances.entries()) {
      let card = cards.get(instance.id);
      if (!card) {
        card = createCard(instance.id);
        cards.set(instance.id, card);
      }
      // Move a card only when it is out of place: moving a node takes the keyboard focus away
      // from the Kill button inside it, and state updates arrive all the time.
      const current = list.children[index] ?? null;
      if (current !== card) list.insertBefore(card, current);
      updateCard(card, instance);
    }
    byId('instances-empty').hidden = instances.length > 0;
  }

  /** @param {string} id */
  function createCard(id) {
    const card = el('li', `card ${colourClass(id)}`);
    card.dataset['id'] = id;
    const title = el('h3');
    title.append(el('span', 'swatch'), id);
    const status = el('p', 'status');
    const served = el('p', 'served');
    served.append(`${t('servedLabel')} `, el('strong', 'served-count', '0'));
    const process = el('p', 'process');
    const kill = el('button', 'kill', t('kill'));
    kill.type = 'button';
    kill.append(hiddenText(` ${id}`));
    kill.addEventListener('click', () => {
      void send('POST', `lab/instances/${encodeURIComponent(id)}/kill`, {}, `${t('kill')} ${id}`);
    });
    card.append(title, status, served, process, kill);
    return card;
  }

  /** @param {HTMLLIElement} card @param {InstanceView} instance */
  function updateCard(card, instance) {
    setStatus(card, instance.status);
    setServed(card, instance.served);
    const process = card.querySelector('.process');
    if (process)
      process.textContent = t('processLabel', { port: instance.port, pid: instance.pid });
  }

  /** @param {HTMLLIElement} card @param {InstanceView['status']} status */
  function setStatus(card, status) {
    const line = card.querySelector('.status');
    if (!line) return;
    line.textContent = `${STATUS_SYMBOL[status]} ${t(STATUS_KEY[status])}`;
    card.classList.remove('st-starting', 'st-ready', 'st-unready', 'st-stopping');
    card.classList.add(`st-${status}`);
  }

  /** @param {HTMLLIElement} card @param {number} served */
  function setServed(card, served) {
    const count = card.querySelector('.served-count');
    if (count) count.textContent = String(served);
  }

  // ---- The learner's session ----

  function renderKnown() {
    const list = byId('known');
    list.replaceChildren();
    for (const instance of state?.instances ?? []) {
      const count = known.get(instance.id);
      const text =
        count === undefined
          ? t('knownNothing', { instance: instance.id })
          : t('knownCount', { instance: instance.id, visits: visitsText(count) });
      const item = el('li', colourClass(instance.id));
      item.append(el('span', 'swatch'), text);
      list.append(item);
    }
  }

  async function visit() {
    // Automatic traffic never piles requests up behind a slow one.
    if (visitInFlight) return;
    visitInFlight = true;
    try {
      let response;
      try {
        response = await fetch('api/visit', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        });
      } catch {
        showActionError(t('unreachable'));
        addToTimeline({ instance: null, visits: null, lost: false, error: t('unreachable') });
        return;
      }
      const data = await readJson(response);
      if (!response.ok) {
        const error =
          typeof data.error === 'string'
            ? data.error
            : t('httpStatus', { status: response.status });
        byId('session-result').textContent = t('sessionError', { status: response.status, error });
        addToTimeline({
          instance: null,
          visits: null,
          lost: false,
          error: `${response.status}: ${error}`,
          status: response.status,
        });
        return;
      }
      recordVisit(String(data['instance']), Number(data['visits']), String(data['store']));
    } finally {
      visitInFlight = false;
    }
  }

  /**
   * Compares a visit with the one before: a count that did not grow means the session was lost.
   * @param {string} instance @param {number} visits @param {string} store
   */
  function recordVisit(instance, visits, store) {
    sent += 1;
    const expected = lastVisits === null ? null : lastVisits + 1;
    const lost = expected !== null && visits < expected;
    lastVisits = visits;
    known.set(instance, visits);

    let message;
    if (lost && visits === 1) message = t('sessionLostFresh', { instance, expected });
    else if (lost)
      message = t('sessionLostStale', { instance, visits: visitsText(visits), expected });
    else {
      const where = t(store === 'redis' ? 'sessionStoreRedis' : 'sessionStoreMemory');
      message = t('sessionAnswered', { instance, visits: visitsText(visits), store: where });
    }
    const result = byId('session-result');
    result.textContent = message;
    result.classList.toggle('lost', lost);
    byId('session-sent').textContent = String(sent);
    byId('session-visits').textContent = String(visits);
    byId('session-instance').textContent = instance;
    renderKnown();
    addToTimeline({ instance, visits, lost, error: null });
  }

  /** @param {Visit} entry */
  function addToTimeline(entry) {
    const list = byId('timeline');
    const item = el('li', `tl ${colourClass(entry.instance)}`);
    const time = new Date().toLocaleTimeString(document.documentElement.lang);
    item.append(el('span', 'tl-id', entry.instance ?? '?'));
    if (entry.error !== null) {
      item.classList.add('tl-error');
      item.append(
        el('span', 'tl-n', String(entry.status ?? '!')),
        hiddenText(`, ${t('timelineError')}: ${entry.error}`),
      );
      item.title = `${time} ${entry.error}`;
    } else {
      const visits = entry.visits ?? 0;
      item.append(el('span', 'tl-n', String(visits)), hiddenText(`, ${visitsText(visits)}`));
      item.title = `${time} ${entry.instance}: ${visitsText(visits)}`;
      if (entry.lost) {
        item.classList.add('tl-lost');
        item.append(el('span', 'tl-flag', '✕'), hiddenText(`, ${t('timelineLost')}`));
        item.title += `, ${t('timelineLost')}`;
      }
    }
    list.append(item);
    while (list.children.length > TIMELINE_MAX) list.firstElementChild?.remove();
    byId('timeline-empty').hidden = true;
  }

  /** @param {boolean} on */
  function setAutoTraffic(on) {
    const button = byId('auto');
    button.setAttribute('aria-pressed', String(on));
    // A visit every 0.7 s would make a screen reader talk without pause: stop announcing them.
    byId('session-result').setAttribute('aria-live', on ? 'off' : 'polite');
    if (autoTimer !== null) clearInterval(autoTimer);
    autoTimer = on ? setInterval(() => void visit(), AUTO_INTERVAL) : null;
  }

  // ---- The event stream and the log ----

  /**
   * Adds a line to the log, stamped with the platform's own time for the event.
   * @param {number} at @param {string} text @param {boolean} [warning]
   */
  function logEvent(at, text, warning = false) {
    const list = byId('events');
    const item = el('li', warning ? 'warn' : undefined);
    const time = el(
      'time',
      undefined,
      new Date(at).toLocaleTimeString(document.documentElement.lang),
    );
    time.dateTime = new Date(at).toISOString();
    item.append(time, ` ${warning ? '⚠ ' : ''}${text}`);
    list.prepend(item);
    while (list.children.length > EVENTS_MAX) list.lastElementChild?.remove();
    byId('events-empty').hidden = true;
  }

  /** @type {Record<import('../../types.ts').StopReason, string>} */
  const STOP_KEY = {
    killed: 'evKilled',
    crashed: 'evCrashed',
    replaced: 'evReplaced',
    'scaled-down': 'evScaledDown',
    'failed-to-start': 'evFailedToStart',
    unhealthy: 'evUnhealthy',
    'lab-stopped': 'evLabStopped',
  };

  /** @param {LabEvent} event */
  function handleEvent(event) {
    switch (event.type) {
      case 'state':
        renderState(event.state);
        break;
      case 'request': {
        const card = event.instance === null ? undefined : cards.get(event.instance);
        const view = state?.instances.find((instance) => instance.id === event.instance);
        if (card && view) {
          view.served += 1;
          setServed(card, view.served);
        }
        break;
      }
      case 'instance-started':
        logEvent(event.at, t('evStarted', { id: event.id, port: event.port, pid: event.pid }));
        scheduleRefresh();
        break;
      case 'instance-ready':
      case 'instance-unready': {
        const ready = event.type === 'instance-ready';
        logEvent(event.at, t(ready ? 'evReady' : 'evUnready', { id: event.id }), !ready);
        const card = cards.get(event.id);
        if (card) setStatus(card, ready ? 'ready' : 'unready');
        scheduleRefresh();
        break;
      }
      case 'instance-stopped':
        logEvent(
          event.at,
          t(STOP_KEY[event.reason], { id: event.id, code: event.code ?? event.signal }),
          !['replaced', 'scaled-down', 'lab-stopped'].includes(event.reason),
        );
        scheduleRefresh();
        break;
      case 'store-down':
      case 'store-up':
        logEvent(
          event.at,
          t(event.type === 'store-down' ? 'evStoreDown' : 'evStoreUp'),
          event.type === 'store-down',
        );
        if (state) state.store.up = event.type === 'store-up';
        renderStore();
        break;
      case 'rollout-started':
        logEvent(event.at, t('evRolloutStarted', { reason: event.reason }));
        break;
      case 'rollout-finished':
        logEvent(event.at, t('evRolloutFinished'));
        showRolloutError(null);
        break;
      case 'rollout-failed':
        logEvent(event.at, t('evRolloutFailed', { error: event.error }), true);
        showRolloutError(event.error);
        break;
      case 'log':
        // Standard output is chatty; error output is what explains a crash or a failed start.
        if (event.stream === 'stderr') {
          logEvent(event.at, t('evLog', { instance: event.instance, line: event.line }));
        }
        break;
    }
  }

  /** @param {'feedConnecting' | 'feedConnected' | 'feedReconnecting'} key */
  function setFeed(key) {
    const feed = byId('glance-feed');
    feed.textContent = t(key);
    feed.className = key === 'feedConnected' ? 'ok' : 'bad';
  }

  let feedOpen = false;
  let retryDelay = 1000;

  function connect() {
    setFeed('feedConnecting');
    const source = new EventSource('lab/events');
    source.addEventListener('open', () => {
      feedOpen = true;
      retryDelay = 1000;
      setFeed('feedConnected');
      // Whatever happened while the stream was down, start again from the whole state.
      void refreshState();
    });
    source.addEventListener('error', () => {
      feedOpen = false;
      setFeed('feedReconnecting');
      // The browser retries by itself after a dropped connection, but gives up for good after
      // an HTTP error (the lab restarting, a proxy in the way): then we retry, more slowly each time.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10_000);
      }
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        try {
          handleEvent(JSON.parse(/** @type {MessageEvent<string>} */ (message).data));
        } catch (error) {
          console.warn('Unreadable lab event', error);
        }
      });
    }
  }

  // ---- Wiring ----

  byId('visit').addEventListener('click', () => void visit());
  byId('auto').addEventListener('click', () => {
    setAutoTraffic(byId('auto').getAttribute('aria-pressed') !== 'true');
  });
  byId('replace').addEventListener('click', () => {
    void send('POST', 'lab/replace', {}, t('replaceAll'));
  });
  byId('store-stop').addEventListener('click', () => {
    void send('POST', 'lab/store/stop', {}, t('storeStop'));
  });
  byId('store-start').addEventListener('click', () => {
    void send('POST', 'lab/store/start', {}, t('storeStart'));
  });

  const scaleForm = /** @type {HTMLFormElement} */ (byId('scale-form'));
  scaleForm.addEventListener('input', () => (scaleDirty = true));
  scaleForm.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const count = Number(/** @type {HTMLInputElement} */ (byId('scale-count')).value);
    if (await send('POST', 'lab/scale', { count }, t('scaleAction'))) scaleDirty = false;
  });

  const configForm = /** @type {HTMLFormElement} */ (byId('config-form'));
  configForm.addEventListener('input', () => (configDirty = true));
  configForm.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    const data = new FormData(configForm);
    const body = { sessionStore: data.get('sessionStore'), sticky: data.get('sticky') !== null };
    if (await send('PUT', 'lab/config', body, t('configAction'))) configDirty = false;
  });

  // While the stream is down, poll so that the cards still follow the lab.
  setInterval(() => {
    if (!feedOpen) void refreshState();
  }, 5000);
  void refreshState();
  connect();
})();
