/**
 * `npm run record` records every guided experiment in both languages;
 * `npm run record -- <scenario> …` only those, and `--lang fr` or `--lang en` only in that one.
 *
 * Each scenario is run twice, once with the lab speaking French and once English (`LAB_LANG`),
 * into recordings/<id>.fr.json and recordings/<id>.en.json: what the app and the platform say
 * (a 503's sentence, a task's output, a failed rollout) is what a reader of that language's page
 * would have read on a live lab. Two runs, not one translated: the other language's words were
 * never said by this run, and a recording holds only what was.
 *
 * For each scenario (sandboxes/labs/<lab>/scenarios/<id>.json), it lays its lab out into a
 * fresh folder of `.lab-work/` (inside the project, so that the app's `import 'express'` finds
 * the project's node_modules), starts the REAL lab on it with the embedded store (`startLab`),
 * and drives it through the steps the way the dashboard would: visits through the balancer with
 * a cookie jar, control API calls, file edits, the exercise's check. It records what the
 * dashboard would show (states, events, visits and their timing, the lab's output lines, the
 * files' changes), asks the step engine after every action whether the step showed its facts,
 * and refuses the recording, naming the step and what happened, when one did not. Nothing is
 * invented: every number comes from the run. Everything it started is stopped, even on failure.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readLabConfig } from '../sandboxes/platform/config.ts';
import { EventBus } from '../sandboxes/platform/events.ts';
import { describeEvent, startLab, type RunningLab } from '../sandboxes/platform/lab.ts';
import {
  SESSION_HEADERS,
  type LabEvent,
  type LabLanguage,
  type LabState,
} from '../sandboxes/platform/types.ts';
import {
  readManifest,
  layOutLab,
  solutionFiles,
  writeLayout,
} from '../sandboxes/labs/lab-model.ts';
import { loadCheck } from '../sandboxes/labs/run-check.ts';
import {
  findScenario,
  listScenarios,
  MAX_RECORDING_GZIP,
  RECORDING_LANGS,
  recordingFile,
  scenarioKey,
  type Frame,
  type Recording,
  type Scenario,
  type Step,
  type VisitFrame,
  type VisitPath,
} from '../sandboxes/labs/scenario-model.ts';
import { judgeStep, replay, type Judgement } from '../sandboxes/platform/dashboard/assets/steps.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** How long a step may take to show its facts once its action is done. */
const STEP_TIMEOUT_MS = 45_000;
/** How long the recorder keeps watching once a step is done, so its last events belong to it. */
const LINGER_MS = 400;
/** How long a step judged "something else" may take to show its facts after all. */
const OTHER_GRACE_MS = 1000;
/** The least time between two visits of a burst. */
const BURST_PACE_MS = 40;
/** How often a waiting step is judged again. */
const POLL_MS = 50;

/** How to stop what each recording under way has started, for an interrupted recorder. */
const running = new Set<() => Promise<void>>();

/** A recording the run did not back up: the step, and what the lab showed instead. */
export class RefusedRecording extends Error {}

/** Records one scenario on a real lab speaking `lang` and returns the recording; throws RefusedRecording when a step did not show its facts. */
export async function recordScenario(
  scenario: Scenario,
  lang: LabLanguage,
  log: (line: string) => void = () => {},
): Promise<Recording> {
  const manifest = readManifest(scenario.lab);
  const work = path.join(root, '.lab-work');
  fs.mkdirSync(work, { recursive: true });
  const copy = fs.mkdtempSync(path.join(work, `record-${scenario.id}-${lang}-`));
  writeLayout(layOutLab(scenario.lab, { solved: scenario.start.files === 'solution' }), copy);
  const appDir = path.join(copy, 'app');

  const frames: Frame[] = [];
  let origin = 0;
  const now = (): number => (origin === 0 ? 0 : Date.now() - origin);
  const bus = new EventBus();
  let lab: RunningLab | null = null;
  const cleanUp = async (): Promise<void> => {
    await lab?.close();
    lab = null;
    fs.rmSync(copy, { recursive: true, force: true });
  };
  running.add(cleanUp);
  try {
    const config = readLabConfig(
      {
        LAB_HOST: '127.0.0.1',
        LAB_PORT: '0',
        LAB_APP_DIR: appDir,
        REDIS_URL: '',
        SESSION_SECRET: randomBytes(24).toString('base64url'),
        SESSION_STORE: scenario.start.sessionStore,
        INSTANCES: String(scenario.start.instances),
        // The lab, its app and its tasks speak the recording's language: the page of that
        // language plays what they said.
        LAB_LANG: lang,
      },
      manifest,
    );
    lab = await startLab(config, (message) => log(`lab: ${message}`), bus);
    const url = lab.url;
    if (scenario.start.sticky) {
      await control(url, 'PUT', 'lab/config', { sticky: true });
    }
    await until(
      () => settledState(lab?.state()),
      30_000,
      'the lab to settle before the first step',
    );

    // The recording begins with the lab as the dashboard first shows it: its whole state.
    origin = Date.now();
    frames.push({ at: 0, kind: 'state', state: lab.state() });
    bus.subscribe((event) => {
      for (const frame of framesOf(event, now())) frames.push(frame);
    });

    const visitor = new Visitor(url);
    const steps: Recording['steps'] = [];
    for (const step of scenario.steps) {
      const begin = frames.length;
      steps.push({ id: step.id, at: now() });
      log(`${scenario.id} (${lang}): ${step.id} (${step.action.type})`);
      await act(step, {
        url,
        lab: scenario.lab,
        copy,
        appDir,
        visitor,
        frames,
        now,
        state: () => (lab as RunningLab).state(),
      });
      const judgement = await judged(step, frames, begin);
      log(`  ${judgement.message.en}`);
      await sleep(LINGER_MS);
    }
    const recording: Recording = {
      scenario: scenario.id,
      lab: scenario.lab,
      lang,
      key: scenarioKey(scenario.lab, scenario.id),
      recordedAt: new Date(origin).toISOString(),
      durationMs: now(),
      steps,
      frames: [],
    };
    // Frames are pushed as things happen; visits answered out of order are put back in time.
    // The working copy's own path (in a stack trace, a log line) reads as the app's folder.
    const scrubbed = JSON.stringify([...frames].sort((a, b) => a.at - b.at))
      .split(`file://${copy}/`)
      .join('')
      .split(`${copy}/`)
      .join('');
    recording.frames = JSON.parse(scrubbed) as Frame[];
    // The recording is what the dashboard will replay: it must tell the same story.
    for (const { step, judgement } of replay(scenario, recording)) {
      if (judgement.status !== 'done') {
        throw new RefusedRecording(refusal(scenario, lang, step, judgement, 'replayed'));
      }
    }
    return recording;
  } finally {
    running.delete(cleanUp);
    await cleanUp();
  }

  // Judges the step on what arrived since it began, until it is done or fails.
  // An answer of "something else" gets a moment to turn into "done", for events still on their way.
  async function judged(step: Step, all: Frame[], begin: number): Promise<Judgement> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let otherSince: number | null = null;
    for (;;) {
      const judgement = judgeStep(step, all.slice(begin), all.slice(0, begin));
      if (judgement.status === 'done') return judgement;
      if (judgement.status === 'other') otherSince ??= Date.now();
      else otherSince = null;
      if (
        (otherSince !== null && Date.now() - otherSince > OTHER_GRACE_MS) ||
        Date.now() > deadline
      ) {
        throw new RefusedRecording(refusal(scenario, lang, step, judgement, 'recorded'));
      }
      await sleep(POLL_MS);
    }
  }
}

// What a refused recording says: the step, the engine's words, each fact that did not show.
function refusal(
  scenario: Scenario,
  lang: LabLanguage,
  step: Step,
  judgement: Judgement,
  when: string,
): string {
  const missing = judgement.facts
    .filter((fact) => !fact.ok)
    .map((fact) => `  - ${fact.fact.type}: ${fact.says.en}`)
    .join('\n');
  return `The ${when} run of "${scenario.id}" in ${lang} did not show what step "${step.id}" expects (${judgement.status}): ${judgement.message.en}\n${missing}`;
}

// The frames an event becomes: states as state frames, the lab's own log lines as output too.
// Heartbeats are left out: they tell a live dashboard its stream is flowing, which a
// recording's player knows already.
function framesOf(event: LabEvent, at: number): Frame[] {
  if (event.type === 'heartbeat') return [];
  if (event.type === 'state') return [{ at, kind: 'state', state: event.state }];
  const frames: Frame[] = [{ at, kind: 'event', event }];
  const line = describeEvent(event);
  if (line !== null && event.type !== 'log') frames.push({ at, kind: 'output', line });
  return frames;
}

/** What an action needs of the run. */
interface Run {
  url: string;
  lab: string;
  copy: string;
  appDir: string;
  visitor: Visitor;
  frames: Frame[];
  now: () => number;
  state: () => LabState;
}

// Does what the step asks, as the dashboard's controls (or the lesson's curl) would.
async function act(step: Step, run: Run): Promise<void> {
  const { action } = step;
  const { url, visitor, frames, now } = run;
  const visit = async (pathname: VisitPath): Promise<VisitFrame> => {
    const frame = await visitor.request(pathname, now);
    frames.push(frame);
    return frame;
  };
  switch (action.type) {
    case 'visit': {
      if (action.fresh) visitor.forget();
      for (let i = 0; i < (action.count ?? 1); i += 1) await visit(action.path ?? '/api/visit');
      return;
    }
    case 'burst': {
      if (action.together) {
        // Twenty visits without a session would start twenty sessions: one visit starts it
        // first, as the dashboard's "20 visits at once" does, then all of them leave together.
        if (!visitor.hasSession) await visit('/api/visit');
        await Promise.all(Array.from({ length: action.count }, () => visit('/api/visit')));
        return;
      }
      // One visit every BURST_PACE_MS at most, about what the lesson's shell loop of curl
      // sends, so that the run of visits spans the replacement instead of ending before it.
      const visits = (async () => {
        for (let i = 0; i < action.count; i += 1) {
          await Promise.all([visit('/api/visit'), sleep(BURST_PACE_MS)]);
        }
      })();
      if (action.during === 'replace') {
        // The replacement starts once the run of visits is under way, as in lesson 6.
        await until(
          () => frames.filter((f) => f.kind === 'visit').length > 0,
          10_000,
          'a first visit',
        );
        await control(url, 'POST', 'lab/replace');
      }
      await visits;
      if (action.during === 'replace') {
        await until(() => run.state().rollout === null, STEP_TIMEOUT_MS, 'the rollout');
      }
      return;
    }
    case 'wait':
      // The learner watches the countdown; when it ends, the dashboard reads the session again.
      await sleep(action.seconds * 1000);
      await visit('/api/session');
      return;
    case 'kill': {
      const state = run.state();
      const lastVisit = [...frames].reverse().find((f) => f.kind === 'visit' && f.instance);
      const answered = lastVisit?.kind === 'visit' ? lastVisit.instance : null;
      const target =
        action.target === 'last-answered' &&
        answered &&
        state.instances.some((i) => i.id === answered)
          ? answered
          : state.instances[0]?.id;
      if (!target) throw new RefusedRecording(`${step.id}: there is no instance to kill.`);
      await control(url, 'POST', `lab/instances/${target}/kill`);
      return;
    }
    case 'replace':
      await control(url, 'POST', 'lab/replace');
      return;
    case 'scale':
      await control(url, 'POST', 'lab/scale', { count: action.count });
      return;
    case 'config': {
      const body: Record<string, unknown> = {};
      if (action.sessionStore !== undefined) body['sessionStore'] = action.sessionStore;
      if (action.sticky !== undefined) body['sticky'] = action.sticky;
      if (action.sessionMaxAgeSeconds !== undefined) {
        body['sessionMaxAgeSeconds'] = action.sessionMaxAgeSeconds;
      }
      await control(url, 'PUT', 'lab/config', body);
      return;
    }
    case 'store-stop':
      await control(url, 'POST', 'lab/store/stop');
      return;
    case 'store-start':
      await control(url, 'POST', 'lab/store/start');
      return;
    case 'edit': {
      const file = path.join(run.appDir, action.file);
      const before = fs.readFileSync(file, 'utf8');
      if (!before.includes(action.find)) {
        throw new RefusedRecording(
          `${step.id}: app/${action.file} does not hold the text to replace (${JSON.stringify(action.find)}); update the scenario's "find".`,
        );
      }
      const after = before.replace(action.find, action.replace);
      fs.writeFileSync(file, after);
      frames.push({ at: now(), kind: 'files', file: action.file, before, after });
      return;
    }
    case 'solve': {
      for (const [name, after] of solutionFiles(run.lab)) {
        const file = path.join(run.appDir, name);
        const before = fs.readFileSync(file, 'utf8');
        fs.writeFileSync(file, after);
        frames.push({ at: now(), kind: 'files', file: name, before, after });
      }
      // As Solve does in the sandbox, the check that follows runs on the new instances.
      await until(() => run.state().rollout !== null, 5_000, 'the rollout of the solution').catch(
        () => undefined,
      );
      await until(() => settledState(run.state()), STEP_TIMEOUT_MS, 'the solution to roll out');
      return;
    }
    case 'check': {
      const module = await loadCheck(run.lab, run.copy);
      const results = await module.check(url);
      frames.push({
        at: now(),
        kind: 'check',
        ok: results.length > 0 && results.every((r) => r.ok),
        results,
      });
      return;
    }
    case 'task': {
      const answer = await control(url, 'POST', `lab/tasks/${action.name}`);
      // The line the dashboard keeps when a task ends (tasks.js), which the step engine also
      // reads: the same in both languages, as lines that programs read are.
      frames.push({
        at: now(),
        kind: 'output',
        line: `task ${action.name} exited with code ${String(answer['exitCode'])}`,
      });
      return;
    }
  }
}

/** A visitor with its own cookie jar, as one browser tab of the dashboard would be. */
class Visitor {
  #cookie: string | null = null;
  readonly #base: string;
  constructor(base: string) {
    this.#base = base;
  }

  /** Forgets the session cookie: the next visit is a new visitor's. */
  forget(): void {
    this.#cookie = null;
  }

  /** Whether the visitor has a session cookie to send. */
  get hasSession(): boolean {
    return this.#cookie !== null;
  }

  /** Sends one request as the dashboard does and returns its frame. */
  async request(pathname: VisitPath, now: () => number): Promise<VisitFrame> {
    const method = pathname === '/api/visit' ? 'POST' : 'GET';
    const headers: Record<string, string> = {};
    if (this.#cookie) headers['cookie'] = this.#cookie;
    const init: RequestInit = { method, headers };
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      init.body = '{}';
    }
    const at = now();
    const started = performance.now();
    const response = await fetch(new URL(pathname.slice(1), this.#base), init);
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.#cookie = setCookie.split(';')[0] ?? null;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { error: text.slice(0, 200) };
    }
    const carried = response.headers.get(SESSION_HEADERS.cookie);
    return {
      at,
      kind: 'visit',
      method,
      path: pathname,
      status: response.status,
      body,
      instance: typeof body['instance'] === 'string' ? body['instance'] : null,
      cookie: carried === 'sent' || carried === 'new' ? carried : 'none',
      ms,
    };
  }
}

// Calls the control API with a JSON body, as the dashboard does; a refusal stops the recording.
async function control(
  base: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(new URL(pathname, base), init);
  const text = await response.text();
  if (!response.ok) {
    throw new RefusedRecording(`${method} /${pathname} answered ${response.status}: ${text}`);
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function settledState(state: LabState | undefined): boolean {
  return (
    state !== undefined &&
    state.instances.length === state.desired &&
    state.instances.every((i) => i.status === 'ready') &&
    state.rollout === null
  );
}

async function until(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new RefusedRecording(`Timed out waiting for ${what}.`);
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Leaves out request events, every other one at a time, until the recording fits its budget:
 * the visits' own frames already show what the learner's visits did, and the request events
 * only add the platform's view of them (a check's or a burst's thousands). Returns how many
 * were left out; the recording must still replay as done, else it is refused.
 */
export function thinToBudget(
  scenario: Scenario,
  recording: Recording,
  budget = MAX_RECORDING_GZIP,
): number {
  let removed = 0;
  for (;;) {
    if (gzipSync(serialise(recording)).length <= budget) break;
    const requests = recording.frames.filter(
      (f) => f.kind === 'event' && f.event.type === 'request',
    );
    if (requests.length === 0) break;
    const drop = new Set(requests.filter((_, i) => i % 2 === 0));
    recording.frames = recording.frames.filter((f) => !drop.has(f));
    removed += drop.size;
  }
  if (removed > 0) {
    for (const { step, judgement } of replay(scenario, recording)) {
      if (judgement.status !== 'done') {
        throw new RefusedRecording(refusal(scenario, recording.lang, step, judgement, 'thinned'));
      }
    }
  }
  return removed;
}

/** A recording as stored: one frame per line, so that a new recording's diff reads. */
export function serialise(recording: Recording): string {
  const { frames, ...head } = recording;
  const lines = frames.map((frame) => JSON.stringify(frame));
  const opening = JSON.stringify(head).slice(0, -1);
  return `${opening},"frames":[\n${lines.join(',\n')}\n]}\n`;
}

/** What the command line asks: the scenarios (all when none is named) and the languages. */
export function parseArguments(args: readonly string[]): {
  ids: string[];
  langs: LabLanguage[];
} {
  const ids: string[] = [];
  let langs: LabLanguage[] = [...RECORDING_LANGS];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') continue;
    const inline = /^--lang=(.*)$/.exec(arg);
    if (arg === '--lang' || inline) {
      const value = inline ? inline[1] : args[(i += 1)];
      const lang = RECORDING_LANGS.find((one) => one === value);
      if (!lang) {
        throw new Error(
          `--lang takes ${RECORDING_LANGS.join(' or ')}, not ${JSON.stringify(value ?? '')}: npm run record -- --lang fr <scenario>`,
        );
      }
      langs = [lang];
    } else ids.push(arg);
  }
  return { ids, langs };
}

async function main(): Promise<number> {
  let scenarios: Scenario[];
  let langs: LabLanguage[];
  try {
    const asked = parseArguments(process.argv.slice(2));
    langs = asked.langs;
    scenarios = asked.ids.length > 0 ? asked.ids.map((id) => findScenario(id)) : listScenarios();
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const started = Date.now();
  let failed = 0;
  const runs = scenarios.flatMap((scenario) => langs.map((lang) => ({ scenario, lang })));
  for (const { scenario, lang } of runs) {
    const began = Date.now();
    const name = `${scenario.id} (${lang})`;
    try {
      const recording = await recordScenario(scenario, lang, (line) => console.error(line));
      const thinned = thinToBudget(scenario, recording);
      if (thinned > 0) {
        console.error(`${name}: ${thinned} request events left out to stay within budget`);
      }
      const text = serialise(recording);
      const gzip = gzipSync(text).length;
      if (gzip > MAX_RECORDING_GZIP) {
        throw new RefusedRecording(
          `The recording of ${name} weighs ${gzip} bytes gzipped, over the ${MAX_RECORDING_GZIP} allowed even without its request events: make its scenario shorter (fewer visits in a burst).`,
        );
      }
      const file = recordingFile(scenario.lab, scenario.id, lang);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(
        `recorded ${name}: ${recording.frames.length} frames, ${text.length} bytes, ${gzip} gzipped, ${((Date.now() - began) / 1000).toFixed(1)} s → ${path.relative(root, file)}`,
      );
    } catch (error) {
      failed += 1;
      console.error(
        `Refused: ${(error as Error).message}\nNo recording was written for ${name}; the one already there, if any, is kept.`,
      );
    }
  }
  console.log(
    `${runs.length - failed} of ${runs.length} recordings (${scenarios.length} scenarios × ${langs.join(', ')}) made in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  // Ctrl-C stops the lab being recorded and removes its copy before leaving; nothing is written.
  const interrupt = (): void => {
    console.error('Interrupted: stopping the lab being recorded; no recording is written.');
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.exitCode = await main();
}
