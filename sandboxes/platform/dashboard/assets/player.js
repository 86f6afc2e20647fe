// @ts-check
/**
 * The recording's player: it loads a recording of a real run of the lab and its scenario, plays
 * it through the dashboard's own modules (the recording source, `source-recording.js`), and
 * gives the reader play, pause, a step back and forward by step of the scenario, a scrubber and
 * a speed. Each step is captioned in the page's language, in a live region, with the caption the
 * step engine filled from the run (`steps.js`).
 *
 * The dashboard's page loads this module only when its address names a recording
 * (`?recording=<id>`), which the course's static build serves at `/labs/dashboard/{fr,en}.html`,
 * beside the recordings at `/labs/recordings/<id>.<lang>.json` and the scenarios at
 * `/labs/scenarios/<id>.json`. Each page plays the run made in its own language (`LAB_LANG`), so
 * that what the app said reads in the page's words. Every URL is relative, as everywhere in the
 * dashboard.
 *
 * @typedef {import('../../../labs/scenario-model.ts').Recording} Recording
 * @typedef {import('../../../labs/scenario-model.ts').Scenario} Scenario
 * @typedef {import('../../../labs/scenario-model.ts').Frame} Frame
 * @typedef {import('../../../labs/scenario-model.ts').VisitFrame} VisitFrame
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 * @typedef {import('./source-recording.js').Progress} Progress
 */
import { logLine } from './event-log.js';
import { byId, lang, t } from './format.js';
import { postFrame } from './observer.js';
import { forgetVisits, showAnswer } from './session.js';
import { SPEEDS, recordingSource, scrubKeyTarget, stepEnds } from './source-recording.js';

/** What tells the page that frames the player that the recording starts again from earlier. */
export const RESET_MESSAGE = 'lab-recording-reset';

/** The live dashboard's controls, which cannot act on a recording: shown, disabled, with the reason. */
const LIVE_CONTROLS =
  '#visit, #auto, #burst, #new-session, #replace, #scale-form input, #scale-form button, #config-form input, #config-form button, #store-stop, #store-start, #task-form select, #task-form button, #cards button.kill';

/**
 * `m:ss` for a number of milliseconds.
 * @param {number} ms
 */
function clockText(ms) {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Reads one JSON file next to the dashboard; throws with what went wrong, for the page to say.
 * @param {string} url
 */
async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(t('httpStatus', { status: response.status }));
  return response.json();
}

/**
 * The caption of each step, in the page's language, with its placeholders filled by the step
 * engine from the run. Should the engine fail on this recording, the captions are filled here
 * from the step's own frames, by the one function below, so that a reader never sees `{instance}`.
 * @param {Scenario} scenario
 * @param {Recording} recording
 * @returns {Promise<string[]>}
 */
async function captionsOf(scenario, recording) {
  const key = lang === 'en' ? 'en' : 'fr';
  try {
    const { replay } = await import('./steps.js');
    return replay(scenario, recording).map(({ judgement }) => judgement.caption[key]);
  } catch {
    return scenario.steps.map((step, i) => fillFromFrames(step.caption[key], recording, i));
  }
}

/**
 * Fills a caption's `{instance}`, `{visits}` and `{count}` from the frames of step `index`: the
 * instance that answered its last visit, the count it gave, the instances of its last state.
 * Any other placeholder is left out rather than shown raw.
 * @param {string} text
 * @param {Recording} recording
 * @param {number} index
 */
function fillFromFrames(text, recording, index) {
  const from = recording.steps[index]?.at ?? 0;
  const to = recording.steps[index + 1]?.at ?? Infinity;
  const frames = recording.frames.filter((f) => f.at >= from && f.at < to);
  const visits = /** @type {VisitFrame[]} */ (frames.filter((f) => f.kind === 'visit'));
  const lastVisit = visits[visits.length - 1];
  const states = frames.flatMap((f) => (f.kind === 'state' ? [f.state] : []));
  /** @type {Record<string, string>} */
  const values = {};
  if (lastVisit?.instance) values['instance'] = lastVisit.instance;
  if (typeof lastVisit?.body['visits'] === 'number')
    values['visits'] = String(lastVisit.body['visits']);
  const lastState = states[states.length - 1];
  if (lastState) values['count'] = String(lastState.instances.length);
  return text.replace(/\{([a-z]+)\}/g, (_, name) => values[name] ?? '…');
}

/** Disables the live controls, saying why, and keeps the Kill buttons of new cards disabled too. */
function disableLiveControls() {
  const reason = byId('player-reason');
  const disable = () => {
    for (const element of document.querySelectorAll(LIVE_CONTROLS)) {
      const control = /** @type {HTMLButtonElement | HTMLInputElement} */ (element);
      control.disabled = true;
      control.setAttribute('aria-describedby', reason.id);
    }
  };
  disable();
  new MutationObserver(disable).observe(byId('cards'), { childList: true, subtree: true });
  // The reason stands where the controls are, as well as in the player.
  const note = /** @type {HTMLElement} */ (reason.cloneNode(true));
  note.removeAttribute('id');
  byId('h-controls').after(note);
}

/**
 * Forgets what the page shows, before the frames are delivered again from the start.
 */
function forgetAll() {
  forgetVisits();
  byId('events').replaceChildren();
  byId('events-empty').hidden = false;
  // The course page's guided steps forget too: the frames that follow are delivered again.
  if (window.parent !== window) {
    window.parent.postMessage({ type: RESET_MESSAGE }, window.location.origin);
  }
}

/**
 * Loads and plays recording `id` in the dashboard.
 * @param {string} id
 * @param {{ state: (state: LabState) => void, event: (event: LabEvent) => void }} show
 *   the dashboard's own ways of showing a whole state and one event
 */
export async function playRecording(id, show) {
  const label = byId('player-label');
  const status = byId('player-error');
  byId('glance-feed').textContent = t('feedRecording');
  byId('glance-feed').className = 'notice';
  disableLiveControls();
  // Framed in a lesson, the page's banner and main landmarks sit beside the lesson's own: their
  // names tell a screen reader's list of landmarks which is the lab's.
  for (const landmark of document.querySelectorAll('body > header, body > main')) {
    landmark.setAttribute('aria-label', t('title'));
  }
  // The other language's page, on the same scenario's run in that language.
  const other = /** @type {HTMLAnchorElement} */ (document.querySelector('a.lang'));
  other.href = `${other.getAttribute('href')}${window.location.search}`;

  /** @type {Recording} */
  let recording;
  /** @type {Scenario} */
  let scenario;
  try {
    [recording, scenario] = await Promise.all([
      fetchJson(`../recordings/${encodeURIComponent(id)}.${lang === 'en' ? 'en' : 'fr'}.json`),
      fetchJson(`../scenarios/${encodeURIComponent(id)}.json`),
    ]);
  } catch (error) {
    label.textContent = t('recordingUnavailable');
    status.textContent = t('recordingMissing', {
      id,
      error: String(/** @type {Error} */ (error).message),
    });
    status.hidden = false;
    return;
  }
  const captions = await captionsOf(scenario, recording);
  const key = lang === 'en' ? 'en' : 'fr';
  const date = new Date(recording.recordedAt).toLocaleDateString(lang, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
  label.textContent = t('recordingLabel', { date });
  byId('player-title').textContent = scenario.title[key];
  // The recording began at `recordedAt`; its frames count milliseconds from then.
  const started = Date.parse(recording.recordedAt);

  const play = /** @type {HTMLButtonElement} */ (byId('player-play'));
  const back = /** @type {HTMLButtonElement} */ (byId('player-back'));
  const forward = /** @type {HTMLButtonElement} */ (byId('player-forward'));
  const scrub = /** @type {HTMLInputElement} */ (byId('player-scrub'));
  const speed = /** @type {HTMLSelectElement} */ (byId('player-speed'));
  const stepLine = byId('player-step');
  const caption = byId('player-caption');
  // About forty stops from start to end, in whole tenths of a second, so that the arrow keys
  // move by a visible amount; the last stop is at or past the end, which seeking clamps.
  const stride = 100 * Math.max(1, Math.ceil(recording.durationMs / 100 / 40));
  scrub.step = String(stride);
  scrub.max = String(Math.ceil(recording.durationMs / stride) * stride);
  let shownStep = -1;
  let shownCaption = -1;
  const ends = stepEnds(recording);
  let scrubbing = false;

  /** @param {Progress} progress */
  function render(progress) {
    const total = scenario.steps.length;
    const step = scenario.steps[progress.step];
    if (progress.step !== shownStep && step) {
      shownStep = progress.step;
      stepLine.textContent = t('playerStep', { n: progress.step + 1, total, do: step.do[key] });
      caption.textContent = '';
      shownCaption = -1;
    }
    // What to notice shows once the step is done, where playing holds for it to be read: a
    // screen reader hears the step's instruction as it begins, then its caption.
    const done = progress.position >= (ends[progress.step] ?? Infinity);
    if (done && shownCaption !== progress.step) {
      shownCaption = progress.step;
      caption.textContent = captions[progress.step] ?? '';
    } else if (!done && shownCaption === progress.step) {
      shownCaption = -1;
      caption.textContent = '';
    }
    play.textContent = t(
      progress.playing ? 'playerPause' : progress.ended ? 'playerReplay' : 'playerPlay',
    );
    if (!scrubbing) scrub.value = String(Math.round(progress.position));
    scrub.setAttribute(
      'aria-valuetext',
      t('playerPositionText', {
        step: progress.step + 1,
        steps: total,
        time: clockText(progress.position),
        total: clockText(progress.duration),
      }),
    );
    byId('player-time').textContent =
      `${clockText(progress.position)} / ${clockText(progress.duration)}`;
    back.disabled = progress.position <= 0;
    forward.disabled = progress.ended;
    document.documentElement.dataset['recordingPosition'] = String(Math.round(progress.position));
    // The course page beside the frame follows the steps too (its guided steps, its tests).
    if (window.parent !== window) {
      window.parent.postMessage(
        {
          type: 'lab-recording',
          scenario: id,
          step: step?.id ?? null,
          position: progress.position,
          playing: progress.playing,
        },
        window.location.origin,
      );
    }
  }

  // Long enough to read the caption at the chosen speed, at most 8 s at 1×.
  const holdMs = (/** @type {number} */ step) =>
    Math.min(8000, 2000 + (captions[step]?.length ?? 0) * 40);
  const source = recordingSource(recording, { onProgress: render, holdMs });

  play.addEventListener('click', () => (source.playing ? source.pause() : source.play()));
  back.addEventListener('click', () => source.stepBack());
  forward.addEventListener('click', () => source.stepForward());
  // While the thumb is dragged the recording follows at once; the scrubber does not jump back.
  scrub.addEventListener('input', () => {
    scrubbing = true;
    source.seek(Number(scrub.value));
    scrubbing = false;
  });
  // The keys seek from where the recording is now (a range input snaps its value to its stops,
  // and the last progress report may be a quarter of a second old while it plays): Home always
  // goes to the start, and an arrow always moves the thumb.
  scrub.addEventListener('keydown', (event) => {
    const to = scrubKeyTarget(event.key, source.position, stride, recording.durationMs);
    if (to === null) return;
    event.preventDefault();
    source.seek(to);
  });
  speed.replaceChildren(
    ...SPEEDS.map((factor) => {
      const option = document.createElement('option');
      option.value = String(factor);
      option.textContent = `${factor.toLocaleString(lang)}×`;
      option.selected = factor === 1;
      return option;
    }),
  );
  speed.addEventListener('change', () => source.setSpeed(Number(speed.value)));

  source.start({
    state: show.state,
    event: show.event,
    health: () => {},
    visit: (frame) => {
      postFrame(frame);
      if (frame.path === '/api/visit') showAnswer(frame);
      else {
        logLine(
          started + frame.at,
          t('recVisit', { method: frame.method, path: frame.path, status: frame.status }),
          frame.status >= 400,
        );
      }
    },
    other: (frame) => {
      if (frame.kind === 'output') logLine(started + frame.at, frame.line);
      else if (frame.kind === 'files')
        logLine(started + frame.at, t('recFiles', { file: frame.file }));
      else if (frame.kind === 'check')
        logLine(started + frame.at, t(frame.ok ? 'recCheckPassed' : 'recCheckFailed'), !frame.ok);
    },
    reset: forgetAll,
  });
  byId('player').dataset['state'] = 'playing';
}
