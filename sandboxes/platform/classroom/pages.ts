/**
 * The classroom's two pages, rendered on the server in the reader's language: `/join` for the
 * room's phones and `/projector` for the instructor's screen. Their whole structure is in the
 * HTML; the scripts in `assets/` only fill it. Every URL is relative, like the dashboard's.
 */
import type { Lang } from '../dashboard/strings.ts';
import { escapeHtml, renderHeadStart } from '../html.ts';
import { classroomStrings, type ClassroomStringKey } from './strings.ts';

function helpers(lang: Lang): { t: (key: ClassroomStringKey) => string; other: Lang } {
  const s = classroomStrings[lang];
  return { t: (key) => escapeHtml(s[key]), other: lang === 'fr' ? 'en' : 'fr' };
}

/**
 * `/join`: one big Visit button, an auto-visit switch, the count, the instance that answered
 * and, in a live region, what just happened. A classic script (no module, no framework), so
 * that an old phone's browser runs it too.
 */
export function renderJoin(lang: Lang): string {
  const { t, other } = helpers(lang);
  const head = renderHeadStart({
    lang,
    title: t('joinTitle'),
    stylesheets: ['lab/assets/instance-colours.css', 'lab/classroom/join.css'],
    strings: classroomStrings[lang],
  });
  return `${head}<script src="lab/classroom/join.js" defer></script>
</head>
<body>
<main class="join">
  <header>
    <h1>${t('joinTitle')}</h1>
    <a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${t('otherLanguage')}</a>
  </header>
  <p>${t('joinIntro')}</p>
  <button type="button" id="visit" class="visit">${t('visit')}</button>
  <label class="auto"><input type="checkbox" id="auto" role="switch"> ${t('autoVisit')}</label>
  <dl class="figures">
    <div><dt>${t('sentLabel')}</dt><dd id="sent">0</dd></div>
    <div><dt>${t('countLabel')}</dt><dd id="count">${t('none')}</dd></div>
    <div><dt>${t('instanceLabel')}</dt><dd id="instance"><span id="swatch" class="swatch" aria-hidden="true"></span><span id="instance-name">${t('none')}</span></dd></div>
  </dl>
  <p id="news" class="news" role="status" aria-live="polite" aria-atomic="true">${t('newsStart')}</p>
  <p id="error" class="error" role="alert" hidden></p>
  <noscript><p class="error">${t('noScript')}</p></noscript>
</main>
</body>
</html>
`;
}

/**
 * `/projector`: the room at a glance for the instructor's screen (participants, their counts,
 * what each instance stop cost, the store), with large type on demand. Its script reuses the
 * dashboard's modules (strings and helpers, the polling data source).
 */
export function renderProjector(lang: Lang): string {
  const { t, other } = helpers(lang);
  const head = renderHeadStart({
    lang,
    title: t('projectorTitle'),
    stylesheets: ['lab/projector/projector.css'],
    strings: classroomStrings[lang],
  });
  return `${head}<script type="module" src="lab/projector/projector.js"></script>
<link rel="modulepreload" href="lab/assets/format.js">
<link rel="modulepreload" href="lab/assets/source-polling.js">
</head>
<body>
<main class="projector">
  <header>
    <h1>${t('projectorTitle')}</h1>
    <p>${t('projectorIntro')}</p>
    <p class="tools">
      <button type="button" id="large" aria-pressed="false">${t('largeType')}</button>
      <a href="./?lang=${lang}">${t('dashboardLink')}</a>
      <a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${t('otherLanguage')}</a>
    </p>
  </header>
  <dl class="glance">
    <div><dt>${t('glanceParticipants')}</dt><dd id="participants">0</dd></div>
    <div><dt>${t('glanceSessionStore')}</dt><dd id="session-store">${t('none')}</dd></div>
    <div><dt>${t('glanceStore')}</dt><dd id="store">${t('none')}</dd></div>
    <div><dt>${t('glanceInstances')}</dt><dd id="instances">${t('none')}</dd></div>
  </dl>
  <p id="feed-lost" class="error" role="alert" hidden>${t('feedLost')}</p>
  <section aria-labelledby="h-stops">
    <h2 id="h-stops">${t('stopsHeading')}</h2>
    <p id="stops-empty">${t('stopsEmpty')}</p>
    <ol id="stops" class="stops" aria-live="polite"></ol>
  </section>
  <section aria-labelledby="h-room">
    <h2 id="h-room">${t('roomHeading')}</h2>
    <p id="room-empty">${t('roomEmpty')}</p>
    <table id="room" hidden>
      <thead><tr><th scope="col">${t('colName')}</th><th scope="col">${t('colVisits')}</th><th scope="col">${t('colCount')}</th><th scope="col">${t('colInstance')}</th><th scope="col">${t('colLost')}</th></tr></thead>
      <tbody id="room-rows"></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;
}
