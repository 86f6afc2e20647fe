/**
 * The lab's dashboard page, rendered on the server.
 *
 * The whole structure (headings, cards' container, every control) is in the HTML, so the page
 * reads and navigates before its script runs; the script's modules in `assets/` (entry
 * `dashboard.js`) then fill it from the lab's data source: the event stream, or polling
 * `lab/state` where the stream cannot pass. Every URL is relative, without a leading slash, so
 * the page also works when a site serves the lab under a path prefix such as `/labs/sessions/`.
 */
import { escapeHtml, renderHeadStart } from '../html.ts';
import { acceptedLanguage, languageOfTag } from '../language.ts';
import { strings, type Lang, type StringKey } from './strings.ts';

/** Picks the dashboard's language: `?lang=` first, then `Accept-Language`, else French. */
export function pickLanguage(query: string | null, acceptLanguage: string | undefined): Lang {
  // Accept either the value of `lang` or a whole query string, since callers have either at hand.
  let asked = query;
  if (asked !== null && (asked.includes('=') || asked.startsWith('?'))) {
    asked = new URLSearchParams(asked).get('lang');
  }
  const fromQuery = asked === null ? null : languageOfTag(asked);
  if (fromQuery !== null) return fromQuery;
  return acceptedLanguage(acceptLanguage) ?? 'fr';
}

/**
 * The dashboard's script modules, every one a file of `assets/`: the entry first, then the
 * modules it imports, which the page asks for at once rather than one import after another.
 */
export const DASHBOARD_MODULES = [
  'dashboard.js',
  'burst.js',
  'controls.js',
  'event-log.js',
  'expiry.js',
  'feed.js',
  'format.js',
  'observer.js',
  'self-test.js',
  'session-carrier.js',
  'session.js',
  'source-events.js',
  'source-polling.js',
  'state-view.js',
  'tasks.js',
] as const;

/** The modules only a recording's page loads: its player, the recording source, the step engine. */
export const RECORDING_MODULES = ['player.js', 'source-recording.js', 'steps.js'] as const;

/** How the page is rendered: `recording` for the course's static build, which plays recordings. */
export interface DashboardOptions {
  /**
   * The page plays a recording named by its address (`?recording=<id>`) instead of reading a
   * lab: it has the player, and its other language is the file beside it (`en.html`).
   */
  recording?: boolean;
}

/**
 * The recording's player, at the top of the page: what it shows (labelled as a recording, its
 * date filled in by the script), its controls, and the step's caption in a live region.
 */
function renderPlayer(t: (key: StringKey) => string): string {
  return `  <section id="player" class="player" aria-labelledby="player-label">
    <h2 id="player-label" class="player-label">${t('recordingLoading')}</h2>
    <p id="player-title" class="player-title"></p>
    <p id="player-error" class="player-error" role="alert" hidden></p>
    <div class="player-buttons" role="group" aria-label="${t('playerControls')}">
      <button type="button" id="player-back">${t('playerBack')}</button>
      <button type="button" id="player-play" class="primary">${t('playerPause')}</button>
      <button type="button" id="player-forward">${t('playerForward')}</button>
    </div>
    <div class="player-scrub">
      <label for="player-scrub">${t('playerPosition')}</label>
      <input type="range" id="player-scrub" min="0" max="0" step="10" value="0">
      <span id="player-time" class="player-time" aria-hidden="true">0:00</span>
    </div>
    <div class="player-speed">
      <label for="player-speed">${t('playerSpeed')}</label>
      <select id="player-speed"><option value="1" selected>1×</option></select>
    </div>
    <div id="player-now" class="player-now" aria-live="polite">
      <p id="player-step" class="player-step"></p>
      <p id="player-caption" class="player-caption"></p>
    </div>
    <p id="player-reason" class="player-reason">${t('recordingControlsReason')}</p>
  </section>
`;
}

/** Renders the dashboard's full HTML document in one language. */
export function renderDashboard(lang: Lang, options: DashboardOptions = {}): string {
  const s = strings[lang];
  const t = (key: StringKey): string => escapeHtml(s[key]);
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const recording = options.recording === true;
  const preloads = recording
    ? [...DASHBOARD_MODULES.slice(1), ...RECORDING_MODULES]
    : DASHBOARD_MODULES.slice(1);

  const head = renderHeadStart({
    lang,
    title: t('title'),
    stylesheets: ['lab/assets/dashboard.css', 'lab/assets/instance-colours.css'],
    strings: s,
  });
  return `${head}<script type="module" src="lab/assets/${DASHBOARD_MODULES[0]}"></script>
${recording ? '<link rel="stylesheet" href="lab/assets/player.css">\n' : ''}${preloads
    .map((name) => `<link rel="modulepreload" href="lab/assets/${name}">`)
    .join('\n')}
</head>
<body>
<header class="top">
  <div class="top-title">
    <h1>${t('title')}</h1>
    <a class="lang" href="${recording ? `${other}.html` : `?lang=${other}`}" hreflang="${other}" lang="${other}">${t('otherLanguage')}</a>
  </div>
${recording ? renderPlayer(t) : ''}
  <p>${t('intro')}</p>
  <section aria-labelledby="h-glance">
    <h2 id="h-glance" class="visually-hidden">${t('glanceHeading')}</h2>
    <dl class="glance">
      <div><dt>${t('glanceSessionStore')}</dt><dd id="glance-session-store">${t('unknown')}</dd></div>
      <div><dt>${t('glanceSticky')}</dt><dd id="glance-sticky">${t('unknown')}</dd></div>
      <div><dt>${t('glanceStore')}</dt><dd id="glance-store">${t('unknown')}</dd></div>
      <div><dt>${t('glanceInstances')}</dt><dd id="glance-desired">${t('unknown')}</dd></div>
      <div><dt>${t('glanceFeed')}</dt><dd id="glance-feed">${t('feedConnecting')}</dd></div>
      <div><dt>${t('glanceCarrier')}</dt><dd id="glance-carrier">${t('carrierCookie')}</dd></div>
      <div><dt>${t('glanceWatcher')}</dt><dd id="glance-watcher">${t('unknown')}</dd></div>
    </dl>
  </section>
  <section id="selftest" class="selftest" aria-labelledby="h-selftest" hidden>
    <h2 id="h-selftest">${t('selfTestHeading')}</h2>
    <dl id="selftest-list" class="glance checks"></dl>
  </section>
</header>
<div id="rollout-failed" class="banner" role="alert" hidden>
  <h2>${t('rolloutFailedTitle')}</h2>
  <p>${t('rolloutFailedBody')}</p>
  <pre id="rollout-error"></pre>
</div>
<p id="rollout-line" class="rollout-line" hidden></p>
<div id="cookie-warning" class="banner banner-notice" role="alert" hidden>
  <h2>${t('cookieWarningTitle')}</h2>
  <p>${t('cookieWarningBody')}</p>
  <p><a id="cookie-open" href="?lang=${lang}" target="_blank" rel="noopener">${t('cookieWarningLink')}</a></p>
</div>
<div id="action-error" class="banner banner-small" role="alert" hidden></div>
<p id="action-status" class="action-status" role="status"></p>
<main>
  <section class="panel session" aria-labelledby="h-session">
    <h2 id="h-session">${t('sessionHeading')}</h2>
    <p id="session-result" class="result" aria-live="polite" aria-atomic="true">${t('sessionNone')}</p>
    <dl class="figures">
      <div><dt>${t('sentLabel')}</dt><dd id="session-sent">0</dd></div>
      <div><dt>${t('lastCountLabel')}</dt><dd id="session-visits">–</dd></div>
      <div><dt>${t('answeredByLabel')}</dt><dd id="session-instance">–</dd></div>
      <div><dt>${t('expiresLabel')}</dt><dd id="session-expires">–</dd></div>
    </dl>
    <p id="expiry-note" class="help" aria-live="off"></p>
    <div class="buttons">
      <button type="button" id="visit" class="primary">${t('visit')}</button>
      <button type="button" id="auto" aria-pressed="false">${t('autoTraffic')}</button>
      <button type="button" id="burst" aria-describedby="burst-help">${t('burst')}</button>
      <button type="button" id="new-session">${t('newSession')}</button>
    </div>
    <p id="burst-help" class="help">${t('burstHelp')}</p>
    <p id="burst-result" class="result" aria-live="polite" aria-atomic="true" hidden></p>
    <h3 id="h-known">${t('knownHeading')}</h3>
    <ul id="known" class="known" aria-labelledby="h-known"></ul>
  </section>
  <section class="panel instances" aria-labelledby="h-instances">
    <h2 id="h-instances" tabindex="-1">${t('instancesHeading')}</h2>
    <p id="instances-empty">${t('instancesEmpty')}</p>
    <ul id="cards" class="cards"></ul>
  </section>
  <section class="panel timeline" aria-labelledby="h-timeline">
    <h2 id="h-timeline">${t('timelineHeading')}</h2>
    <p class="help">${t('timelineHelp')}</p>
    <p id="timeline-empty">${t('timelineEmpty')}</p>
    <ol id="timeline" class="tl-list"></ol>
  </section>
  <section class="panel controls" aria-labelledby="h-controls">
    <h2 id="h-controls">${t('controlsHeading')}</h2>
    <div class="control">
      <button type="button" id="replace">${t('replaceAll')}</button>
      <p class="help">${t('replaceHelp')}</p>
    </div>
    <form id="scale-form" class="control inline">
      <label for="scale-count">${t('scaleLabel')}</label>
      <input id="scale-count" name="count" type="number" min="1" max="8" step="1" value="3" required>
      <button type="submit">${t('scaleApply')}</button>
    </form>
    <form id="config-form" class="control">
      <fieldset>
        <legend>${t('configLegend')}</legend>
        <label><input type="radio" name="sessionStore" value="memory" checked> ${t('configMemory')}</label>
        <label><input type="radio" name="sessionStore" value="redis"> ${t('configRedis')}</label>
      </fieldset>
      <label><input type="checkbox" name="sticky" id="config-sticky"> ${t('configSticky')}</label>
      <label for="config-max-age">${t('configMaxAge')}</label>
      <input id="config-max-age" name="sessionMaxAgeSeconds" type="number" min="5" max="86400" step="1" value="86400" required aria-describedby="config-max-age-help">
      <p id="config-max-age-help" class="help">${t('configMaxAgeHelp')}</p>
      <button type="submit">${t('configApply')}</button>
    </form>
    <div class="control" role="group" aria-labelledby="h-store">
      <h3 id="h-store">${t('storeHeading')}</h3>
      <div class="buttons">
        <button type="button" id="store-stop">${t('storeStop')}</button>
        <button type="button" id="store-start">${t('storeStart')}</button>
      </div>
    </div>
    <form id="task-form" class="control" aria-labelledby="h-tasks">
      <h3 id="h-tasks">${t('tasksHeading')}</h3>
      <p class="help">${t('tasksHelp')}</p>
      <label for="task-name">${t('taskLabel')}</label>
      <select id="task-name" name="task"></select>
      <button type="submit" id="task-run">${t('taskRun')}</button>
      <p id="task-none" class="help" hidden>${t('taskNone')}</p>
      <p id="task-result" class="result" role="status" aria-live="polite"></p>
      <pre id="task-output" class="task-output" aria-label="${t('taskOutputLabel')}" tabindex="0" hidden></pre>
    </form>
  </section>
  <section class="panel events" aria-labelledby="h-events">
    <h2 id="h-events">${t('eventsHeading')}</h2>
    <p id="events-empty">${t('eventsEmpty')}</p>
    <ol id="events" class="events-list" tabindex="0" aria-labelledby="h-events"></ol>
  </section>
</main>
</body>
</html>
`;
}
