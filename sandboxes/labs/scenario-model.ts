/**
 * The one model of a guided experiment: the shapes of a scenario (the steps a lesson asks for
 * below its `<Sandbox>` embed), of a step and of the facts it must show, of a recording (a real
 * run of the lab through those steps), and the one reader of each, whose errors name the file
 * and the field.
 *
 *   sandboxes/labs/<lab>/scenarios/<id>.json    a scenario, written by hand, in both languages
 *   sandboxes/labs/<lab>/recordings/<id>.<lang>.json   its recording in French and in English
 *                                                     (`fr`, `en`), written by `npm run record`
 *
 * The step engine (`sandboxes/platform/dashboard/assets/steps.js`, plain JavaScript so that the
 * dashboard runs it unchanged) judges observations against these shapes; the recorder
 * (`scripts/record.ts`) drives the real lab through them. The dashboard imports the types in
 * JSDoc: `@typedef {import('../../../labs/scenario-model.ts').Recording} Recording`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_INSTANCES, MIN_INSTANCES } from '../platform/config.ts';
import type { LabEvent, LabLanguage, LabState, SessionStoreKind } from '../platform/types.ts';
import {
  isExercise,
  labFolder,
  labsDir,
  layOutLab,
  listLabs,
  readManifest,
  type Bilingual,
} from './lab-model.ts';

export type { Bilingual } from './lab-model.ts';

/** What a scenario's lab starts with. */
export interface ScenarioStart {
  sessionStore: SessionStoreKind;
  sticky: boolean;
  /** 1 to 8. */
  instances: number;
  /** `app`: the starting files; `solution`: an exercise's solution laid over them. */
  files: 'app' | 'solution';
}

/** The app paths a visit may ask for: a visit, a look at the session, the two health checks. */
export type VisitPath = '/api/visit' | '/api/session' | '/healthz' | '/readyz';

/**
 * What the learner does in a step, as the dashboard's controls (or the lesson's curl) do it.
 * - `visit`: `count` requests one after another (default 1) to `path` (default `/api/visit`),
 *   with the visitor's cookie; `fresh` forgets the cookie first (a new visitor).
 * - `burst`: `count` visits in a row, as fast as they go; `during: 'replace'` replaces every
 *   instance while they run (lesson 6's "replace under load"); `together: true` sends them all
 *   at the same moment in one session instead, as the dashboard's "20 visits at once" does
 *   (after one visit first when the visitor has no session yet).
 * - `wait`: `seconds` pass, then the session is read once (`GET /api/session`), as the
 *   dashboard's expiry readout does when its countdown ends.
 * - `kill`: kills `target`: the instance that answered the last visit (`last-answered`), or the
 *   first instance of the state (`first`).
 * - `replace`, `scale` (`count`), `config` (`sessionStore`, `sticky`, `sessionMaxAgeSeconds`), `store-stop`,
 *   `store-start`: the control API's calls.
 * - `edit`: replaces the text `find` with `replace` in the app file `file`, as an editor saves.
 * - `solve`: writes an exercise's solution files over the app's; `check`: runs its check.
 * - `task`: runs the admin task `name` (`POST /lab/tasks/{name}`).
 */
export type StepAction =
  | { type: 'visit'; count?: number; path?: VisitPath; fresh?: boolean }
  | { type: 'burst'; count: number; during?: 'replace'; together?: boolean }
  | { type: 'wait'; seconds: number }
  | { type: 'kill'; target: 'last-answered' | 'first' }
  | { type: 'replace' }
  | { type: 'scale'; count: number }
  | {
      type: 'config';
      sessionStore?: SessionStoreKind;
      sticky?: boolean;
      sessionMaxAgeSeconds?: number;
    }
  | { type: 'store-stop' }
  | { type: 'store-start' }
  | { type: 'edit'; file: string; find: string; replace: string }
  | { type: 'solve' }
  | { type: 'check' }
  | { type: 'task'; name: string };

/**
 * A fact the lab's states, events and visits must show during a step. The step engine knows
 * how to read each one from the observations (see steps.js for the precise rule of each).
 */
export type Fact =
  /** Every visit of the step got an answer with `status` (default 200). */
  | { type: 'answered'; status?: number }
  /** Memory sessions: several instances answered and the count never reached the visits made. */
  | { type: 'count-splits' }
  /** The count rises by one at each visit of the step, from its first. */
  | { type: 'count-climbs' }
  /** A new visitor's first visit counts 1. */
  | { type: 'count-starts-at-1' }
  /** A visit that sent the session cookie counted 1 again; `on: 'new-instance'`: on an instance started during the step. */
  | { type: 'count-restarts-at-1'; on?: 'new-instance' | 'any' }
  /** The first counted visit goes on from the last count before the step, and the count climbs. */
  | { type: 'count-continues' }
  /** Every visit of the step answered 200, and the count rose by less than the visits made (lost updates). */
  | { type: 'count-rose-less' }
  /** A look at the session (`GET /api/session`) found it expiring within `seconds`. */
  | { type: 'expires-within'; seconds: number }
  /** A look at the session found it gone (`visits` 0, `expiresInSeconds` null) after it had a count. */
  | { type: 'session-expired' }
  /** The visits went to at least `instances` (default 2) different instances. */
  | { type: 'round-robin'; instances?: number }
  /** One instance answered every visit of the step. */
  | { type: 'same-instance' }
  /** An instance was killed and a fresh one, under a new id, became ready in its place. */
  | { type: 'instance-replaced' }
  /** Every instance there before the step stopped (`replaced`) and as many new ones are ready. */
  | { type: 'all-replaced' }
  /** `count` instances are ready and the platform wants that many. */
  | { type: 'scaled'; count: number }
  /** The state shows this configuration, and no rollout is under way. */
  | {
      type: 'config-applied';
      sessionStore?: SessionStoreKind;
      sticky?: boolean;
      sessionMaxAgeSeconds?: number;
    }
  | { type: 'store-down' }
  | { type: 'store-up' }
  /** Every `/healthz` asked during the step answered 200. */
  | { type: 'liveness-200' }
  /** Every `/readyz` asked during the step answered `503` (or 200 for `readiness-200`). */
  | { type: 'readiness-503' }
  | { type: 'readiness-200' }
  /** A visit of `/api/*` answered 503 with an error, and the lab stayed up. */
  | { type: 'api-503' }
  /** The state showed every instance `unready`. */
  | { type: 'instances-unready' }
  /** The latest state shows every instance `ready`, as many as the platform wants. */
  | { type: 'instances-ready' }
  /** An instance failed its liveness check and the platform replaced it (`unhealthy`). */
  | { type: 'liveness-kills' }
  /** No instance stopped during the step. */
  | { type: 'no-restart' }
  /** A rolling replacement finished (`rollout-finished`), or stopped (`rollout-failed`). */
  | { type: 'rollout-finished' }
  | { type: 'rollout-failed' }
  /** The exercise's check failed, or passed, on the files of that moment. */
  | { type: 'check-fails' }
  | { type: 'check-passes' }
  /** A file of the app changed (`file`, or any). */
  | { type: 'files-changed'; file?: string }
  /** The admin task `name` ran and exited with 0. */
  | { type: 'task-ran'; name: string }
  /**
   * The admin task `name` ran and its count line (`3 sessions found…`, `0 session trouvée.`: a
   * line that starts with a number and "session") says it found from `min` to `max` sessions.
   */
  | { type: 'task-sessions'; name: string; min?: number; max?: number };

/** One step of a guided experiment. */
export interface Step {
  /** Unique within its scenario: lower case, digits, dashes. */
  id: string;
  /** What to do, in the lesson's words. */
  do: Bilingual;
  /** What you should see, in the lesson's words. */
  see: Bilingual;
  action: StepAction;
  /** What the run must show for the step to be done; at least one fact. */
  expect: Fact[];
  /**
   * What to notice, with `{placeholders}` the step engine fills from the run: `{instance}` (the
   * instance that answered last), `{visits}` (its count), `{previous}` (the count before the
   * step), `{counts}` (the step's counts, "7, 8, 9"), `{max}` (its highest), `{killed}` and
   * `{replacement}` (the last instance killed, the one started after it), `{count}` and
   * `{instances}` (how many instances, and their ids, "web-4, web-5 and web-6"), `{store}`,
   * `{ok}` and `{total}` (visits answered 200, visits made), `{failed}` and `{passed}` (the
   * check's results), `{sessions}` (how many sessions the last admin task counted). One the run
   * cannot fill stays as written, which the tests refuse.
   */
  caption: Bilingual;
}

/** A guided experiment, as data. */
export interface Scenario {
  /** Unique across every lab: the recording's file name, `npm run record -- <id>`. */
  id: string;
  /** The lab it runs in, a folder of `sandboxes/labs/`. */
  lab: string;
  title: Bilingual;
  /** The lessons that embed it, by slug without language: `02-memory-sessions`, `exercises`. */
  pages: string[];
  start: ScenarioStart;
  steps: Step[];
}

/** One visit's answer, as the dashboard shows it. */
export interface VisitFrame {
  at: number;
  kind: 'visit';
  method: 'GET' | 'POST';
  path: VisitPath;
  status: number;
  /** The answer's JSON: `{instance, visits, store}`, `{status, instance}`, `{error}`. */
  body: Record<string, unknown>;
  /** The instance that answered, from the body; null when none says. */
  instance: string | null;
  /** The balancer's `x-lab-cookie`: the request carried the session (`sent`), got a new one, or neither. */
  cookie: 'sent' | 'new' | 'none';
  /** From the request to the whole answer, in milliseconds. */
  ms: number;
}

/** A check's results, in both languages. */
export interface CheckFrame {
  at: number;
  kind: 'check';
  ok: boolean;
  results: { id: string; ok: boolean; message: Bilingual }[];
}

/**
 * One thing the dashboard would have shown, `at` milliseconds after the recording began. The
 * step engine reads the same shapes live (with `at` from any origin), as its observations.
 */
export type Frame =
  | { at: number; kind: 'state'; state: LabState }
  | { at: number; kind: 'event'; event: LabEvent }
  | VisitFrame
  /** A line the lab printed (its own log, the instances' output). */
  | { at: number; kind: 'output'; line: string }
  /** A file of the app as it was before and after an edit or Solve. */
  | { at: number; kind: 'files'; file: string; before: string; after: string }
  | CheckFrame;

/** The kinds of frames, in the order the model lists them. */
export const FRAME_KINDS = ['state', 'event', 'visit', 'output', 'files', 'check'] as const;

/**
 * The languages each scenario is recorded in: every run is made with the lab speaking one of
 * them (`LAB_LANG`), so that a page plays the run whose app and platform spoke its language.
 */
export const RECORDING_LANGS: readonly LabLanguage[] = ['fr', 'en'];

/** A real run of a scenario, played where no lab can run. */
export interface Recording {
  scenario: string;
  lab: string;
  /** The language the lab spoke during the run (`LAB_LANG`). */
  lang: LabLanguage;
  /** `scenarioKey(lab, scenario)` when it was recorded: sha256 of the lab's files and the scenario. */
  key: string;
  /** ISO date. */
  recordedAt: string;
  durationMs: number;
  /** When each step began, in the scenario's order, in milliseconds from the start. */
  steps: { id: string; at: number }[];
  frames: Frame[];
}

/** The most a recording may weigh once gzipped, in bytes. */
export const MAX_RECORDING_GZIP = 60 * 1024;

/** A scenario or a recording that is not what the model expects; the message names the file and the field. */
export class ScenarioFileError extends Error {}

const ID = /^[a-z0-9][a-z0-9-]*$/;
const SCENARIO_FIELDS = ['id', 'lab', 'title', 'pages', 'start', 'steps'] as const;
const STEP_FIELDS = ['id', 'do', 'see', 'action', 'expect', 'caption'] as const;
const VISIT_PATHS: readonly string[] = ['/api/visit', '/api/session', '/healthz', '/readyz'];
/** The parameters each action takes, and whether each is required. */
const ACTION_PARAMS: Record<StepAction['type'], Record<string, boolean>> = {
  visit: { count: false, path: false, fresh: false },
  burst: { count: true, during: false, together: false },
  wait: { seconds: true },
  kill: { target: true },
  replace: {},
  scale: { count: true },
  config: { sessionStore: false, sticky: false, sessionMaxAgeSeconds: false },
  'store-stop': {},
  'store-start': {},
  edit: { file: true, find: true, replace: true },
  solve: {},
  check: {},
  task: { name: true },
};
const FACT_PARAMS: Record<Fact['type'], Record<string, boolean>> = {
  answered: { status: false },
  'count-splits': {},
  'count-climbs': {},
  'count-starts-at-1': {},
  'count-restarts-at-1': { on: false },
  'count-continues': {},
  'count-rose-less': {},
  'expires-within': { seconds: true },
  'session-expired': {},
  'round-robin': { instances: false },
  'same-instance': {},
  'instance-replaced': {},
  'all-replaced': {},
  scaled: { count: true },
  'config-applied': { sessionStore: false, sticky: false, sessionMaxAgeSeconds: false },
  'store-down': {},
  'store-up': {},
  'liveness-200': {},
  'readiness-503': {},
  'readiness-200': {},
  'api-503': {},
  'instances-unready': {},
  'instances-ready': {},
  'liveness-kills': {},
  'no-restart': {},
  'rollout-finished': {},
  'rollout-failed': {},
  'check-fails': {},
  'check-passes': {},
  'files-changed': { file: false },
  'task-ran': { name: true },
  'task-sessions': { name: true, min: false, max: false },
};

// The parameters' tables name every action and every fact (their types make a missing or an
// unknown name an error), so the lists of names are read from them rather than written again.
/** The names of the actions, in the order the model lists them. */
export const ACTION_TYPES = Object.keys(ACTION_PARAMS) as readonly StepAction['type'][];
/** The names of the facts, in the order the model lists them. */
export const FACT_TYPES = Object.keys(FACT_PARAMS) as readonly Fact['type'][];

/**
 * Checks the shape of one scenario file's content; `file` is the name its errors give. It
 * checks the shape only; readScenario also checks it against its lab.
 */
export function parseScenario(data: unknown, file: string): Scenario {
  const problems: string[] = [];
  if (!isObject(data)) {
    throw new ScenarioFileError(
      `${file}: expected a JSON object with ${SCENARIO_FIELDS.map((f) => `"${f}"`).join(', ')}.`,
    );
  }
  unknownFields(data, SCENARIO_FIELDS, '', problems);
  if (typeof data['id'] !== 'string' || !ID.test(data['id'])) {
    problems.push(`"id" must be lower case, digits and dashes, not ${show(data['id'])}`);
  }
  if (typeof data['lab'] !== 'string' || !ID.test(data['lab'])) {
    problems.push(`"lab" must name a lab of sandboxes/labs/, not ${show(data['lab'])}`);
  }
  bilingual(data['title'], 'title', problems);
  const pages = data['pages'];
  if (!Array.isArray(pages) || pages.length === 0) {
    problems.push(`"pages" must list the lessons that embed it (e.g. "02-memory-sessions")`);
  } else {
    pages.forEach((page, i) => {
      if (typeof page !== 'string' || !ID.test(page)) {
        problems.push(`"pages[${i}]" must be a lesson's slug, not ${show(page)}`);
      }
    });
  }
  const start = data['start'];
  if (!isObject(start)) {
    problems.push(`"start" must be {"sessionStore","sticky","instances","files"}`);
  } else {
    unknownFields(start, ['sessionStore', 'sticky', 'instances', 'files'], 'start.', problems);
    if (start['sessionStore'] !== 'memory' && start['sessionStore'] !== 'redis') {
      problems.push(
        `"start.sessionStore" must be "memory" or "redis", not ${show(start['sessionStore'])}`,
      );
    }
    if (typeof start['sticky'] !== 'boolean') {
      problems.push(`"start.sticky" must be true or false, not ${show(start['sticky'])}`);
    }
    if (!instanceCount(start['instances'])) {
      problems.push(
        `"start.instances" must be a whole number from ${MIN_INSTANCES} to ${MAX_INSTANCES}, not ${show(start['instances'])}`,
      );
    }
    if (start['files'] !== 'app' && start['files'] !== 'solution') {
      problems.push(`"start.files" must be "app" or "solution", not ${show(start['files'])}`);
    }
  }
  const steps = data['steps'];
  if (!Array.isArray(steps) || steps.length === 0) {
    problems.push(`"steps" must list at least one step`);
  } else {
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      const where = `steps[${i}]`;
      parseStep(step, where, problems);
      const id = isObject(step) ? step['id'] : undefined;
      if (typeof id === 'string') {
        if (seen.has(id)) problems.push(`"${where}.id" is "${id}" again: step ids are unique`);
        seen.add(id);
      }
    });
  }
  if (problems.length > 0) throw new ScenarioFileError(`${file}:\n- ${problems.join('\n- ')}`);
  return data as unknown as Scenario;
}

// One step's shape; problems are pushed with the step's place in the file.
function parseStep(step: unknown, where: string, problems: string[]): void {
  if (!isObject(step)) {
    problems.push(`"${where}" must be {${STEP_FIELDS.map((f) => `"${f}"`).join(',')}}`);
    return;
  }
  unknownFields(step, STEP_FIELDS, `${where}.`, problems);
  if (typeof step['id'] !== 'string' || !ID.test(step['id'])) {
    problems.push(`"${where}.id" must be lower case, digits and dashes, not ${show(step['id'])}`);
  }
  bilingual(step['do'], `${where}.do`, problems);
  bilingual(step['see'], `${where}.see`, problems);
  bilingual(step['caption'], `${where}.caption`, problems);
  const action = step['action'];
  if (!isObject(action) || !(ACTION_TYPES as readonly unknown[]).includes(action['type'])) {
    problems.push(
      `"${where}.action.type" must be one of ${ACTION_TYPES.join(', ')}, not ${show(isObject(action) ? action['type'] : action)}`,
    );
  } else {
    const type = action['type'] as StepAction['type'];
    params(action, ACTION_PARAMS[type], `${where}.action`, problems);
    actionValues(action, `${where}.action`, problems);
  }
  const expect = step['expect'];
  if (!Array.isArray(expect) || expect.length === 0) {
    problems.push(`"${where}.expect" must list at least one fact, e.g. {"type":"count-splits"}`);
    return;
  }
  expect.forEach((fact, j) => {
    const at = `${where}.expect[${j}]`;
    if (!isObject(fact) || !(FACT_TYPES as readonly unknown[]).includes(fact['type'])) {
      problems.push(
        `"${at}.type" must be one of ${FACT_TYPES.join(', ')}, not ${show(isObject(fact) ? fact['type'] : fact)}`,
      );
      return;
    }
    params(fact, FACT_PARAMS[fact['type'] as Fact['type']], at, problems);
    if ('count' in fact && !instanceCount(fact['count'])) {
      problems.push(`"${at}.count" must be ${MIN_INSTANCES} to ${MAX_INSTANCES}`);
    }
    if ('seconds' in fact && !wholeNumber(fact['seconds'], 1, 86_400)) {
      problems.push(`"${at}.seconds" must be a whole number from 1 to 86400`);
    }
    for (const bound of ['min', 'max']) {
      if (bound in fact && !wholeNumber(fact[bound], 0, 10_000)) {
        problems.push(`"${at}.${bound}" must be a whole number from 0 to 10000`);
      }
    }
    if (fact['type'] === 'task-sessions' && !('min' in fact) && !('max' in fact)) {
      problems.push(`"${at}" expects nothing: give "min", "max" or both`);
    }
    if ('on' in fact && fact['on'] !== 'new-instance' && fact['on'] !== 'any') {
      problems.push(`"${at}.on" must be "new-instance" or "any", not ${show(fact['on'])}`);
    }
  });
}

// The values of an action's parameters.
function actionValues(action: Record<string, unknown>, at: string, problems: string[]): void {
  const { type } = action;
  if (type === 'visit') {
    const count = action['count'];
    if (count !== undefined && !wholeNumber(count, 1, 50)) {
      problems.push(`"${at}.count" must be a whole number from 1 to 50, not ${show(count)}`);
    }
    if (action['path'] !== undefined && !VISIT_PATHS.includes(action['path'] as string)) {
      problems.push(`"${at}.path" must be one of ${VISIT_PATHS.join(', ')}`);
    }
    if (action['fresh'] !== undefined && typeof action['fresh'] !== 'boolean') {
      problems.push(`"${at}.fresh" must be true or false`);
    }
  } else if (type === 'burst') {
    if (!wholeNumber(action['count'], 1, 200)) {
      problems.push(`"${at}.count" must be a whole number from 1 to 200`);
    }
    if (action['during'] !== undefined && action['during'] !== 'replace') {
      problems.push(`"${at}.during" can only be "replace"`);
    }
    if (action['together'] !== undefined && typeof action['together'] !== 'boolean') {
      problems.push(`"${at}.together" must be true or false`);
    }
    if (action['together'] === true && action['during'] !== undefined) {
      problems.push(`"${at}" cannot send its visits together and during a replacement`);
    }
  } else if (type === 'wait') {
    if (!wholeNumber(action['seconds'], 1, 120)) {
      problems.push(`"${at}.seconds" must be a whole number from 1 to 120`);
    }
  } else if (type === 'kill') {
    if (action['target'] !== 'last-answered' && action['target'] !== 'first') {
      problems.push(
        `"${at}.target" must be "last-answered" or "first", not ${show(action['target'])}`,
      );
    }
  } else if (type === 'scale') {
    if (!instanceCount(action['count'])) {
      problems.push(`"${at}.count" must be ${MIN_INSTANCES} to ${MAX_INSTANCES}`);
    }
  } else if (type === 'config') {
    const store = action['sessionStore'];
    if (store !== undefined && store !== 'memory' && store !== 'redis') {
      problems.push(`"${at}.sessionStore" must be "memory" or "redis"`);
    }
    if (action['sticky'] !== undefined && typeof action['sticky'] !== 'boolean') {
      problems.push(`"${at}.sticky" must be true or false`);
    }
    const maxAge = action['sessionMaxAgeSeconds'];
    if (maxAge !== undefined && !wholeNumber(maxAge, 5, 86_400)) {
      problems.push(`"${at}.sessionMaxAgeSeconds" must be a whole number from 5 to 86400`);
    }
    if (store === undefined && action['sticky'] === undefined && maxAge === undefined) {
      problems.push(
        `"${at}" changes nothing: give "sessionStore", "sticky", "sessionMaxAgeSeconds" or several`,
      );
    }
  } else if (type === 'edit') {
    for (const key of ['file', 'find', 'replace']) {
      if (typeof action[key] !== 'string') problems.push(`"${at}.${key}" must be a string`);
    }
    if (action['find'] === '') problems.push(`"${at}.find" must not be empty`);
  } else if (type === 'task') {
    if (typeof action['name'] !== 'string' || !ID.test(action['name'])) {
      problems.push(`"${at}.name" must name a task of tasks/`);
    }
  }
}

/**
 * Reads and checks scenario `id` of lab `lab`: its shape, that it names its own lab and file,
 * that its edits name editable files, that solve and check happen only in an exercise, and
 * that its start fits the lab. Throws a ScenarioFileError naming the file and the field.
 */
export function readScenario(lab: string, id: string): Scenario {
  const file = scenarioFile(lab, id);
  const shown = displayPath(file);
  if (!fs.existsSync(file)) {
    throw new ScenarioFileError(
      `There is no scenario "${id}" in the lab "${lab}" (no ${shown}). Its scenarios are: ${listScenarioIds(lab).join(', ') || 'none'}.`,
    );
  }
  const scenario = parseScenario(readJson(file, shown), shown);
  checkAgainstLab(scenario, shown, { lab, id });
  return scenario;
}

/**
 * Checks a scenario against its lab: that it is stored where its `lab` and `id` say (when
 * `where` gives its folder and file name), that its edits name editable files, that solve and
 * check happen only in an exercise. Throws a ScenarioFileError naming `file` and the field.
 */
export function checkAgainstLab(
  scenario: Scenario,
  file: string,
  where?: { lab: string; id: string },
): void {
  const { lab } = scenario;
  const manifest = readManifest(lab);
  const problems: string[] = [];
  // The admin tasks the laid-out app has, for the steps that run one or read its output.
  const tasks = [...layOutLab(lab).keys()]
    .map((name) => /^app\/tasks\/([^/]+)\.js$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined);
  if (where && scenario.id !== where.id)
    problems.push(`"id" must be "${where.id}", the file's name`);
  if (where && lab !== where.lab)
    problems.push(`"lab" must be "${where.lab}", the folder it is in`);
  if (scenario.start.files === 'solution' && !isExercise(manifest)) {
    problems.push(`"start.files" is "solution" but the lab "${lab}" has no solution`);
  }
  scenario.steps.forEach((step, i) => {
    const { action } = step;
    if (action.type === 'edit' && !manifest.editable.includes(action.file)) {
      problems.push(
        `"steps[${i}].action.file" is ${action.file}, not one of the lab's editable files (${manifest.editable.join(', ')})`,
      );
    }
    if ((action.type === 'solve' || action.type === 'check') && !isExercise(manifest)) {
      problems.push(`"steps[${i}].action" is "${action.type}" but "${lab}" is not an exercise`);
    }
    const named = [
      ...(action.type === 'task' ? [{ at: 'action', name: action.name }] : []),
      ...step.expect.flatMap((fact, j) =>
        fact.type === 'task-ran' || fact.type === 'task-sessions'
          ? [{ at: `expect[${j}]`, name: fact.name }]
          : [],
      ),
    ];
    for (const { at, name } of named) {
      if (!tasks.includes(name)) {
        problems.push(
          `"steps[${i}].${at}.name" is ${name}, not a task of the lab's app/tasks/ (${tasks.join(', ') || 'none'})`,
        );
      }
    }
  });
  if (problems.length > 0) throw new ScenarioFileError(`${file}:\n- ${problems.join('\n- ')}`);
}

/** Every scenario of every lab, each read and checked. */
export function listScenarios(): Scenario[] {
  const all = listLabs().flatMap((lab) => listScenarioIds(lab).map((id) => readScenario(lab, id)));
  const seen = new Map<string, string>();
  for (const scenario of all) {
    const other = seen.get(scenario.id);
    if (other !== undefined) {
      throw new ScenarioFileError(
        `The scenario id "${scenario.id}" is used by the labs "${other}" and "${scenario.lab}": ids are unique across labs, since each names a recording.`,
      );
    }
    seen.set(scenario.id, scenario.lab);
  }
  return all;
}

/** The scenario with this id, whatever its lab; throws listing the scenarios when there is none. */
export function findScenario(id: string): Scenario {
  const all = listScenarios();
  const found = all.find((scenario) => scenario.id === id);
  if (!found) {
    throw new ScenarioFileError(
      `There is no scenario "${id}". The scenarios are: ${all.map((s) => s.id).join(', ')}.`,
    );
  }
  return found;
}

/** The ids of lab `lab`'s scenarios, from its `scenarios/` folder. */
export function listScenarioIds(lab: string): string[] {
  const folder = path.join(labFolder(lab), 'scenarios');
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** Where scenario `id` of lab `lab` is stored. */
export function scenarioFile(lab: string, id: string): string {
  return path.join(labFolder(lab), 'scenarios', `${safeId(id)}.json`);
}

/** Where the recording of scenario `id` of lab `lab` in language `lang` is stored. */
export function recordingFile(lab: string, id: string, lang: LabLanguage): string {
  return path.join(labFolder(lab), 'recordings', `${safeId(id)}.${lang}.json`);
}

/**
 * The key a recording of this scenario must carry to be current: sha256 over the lab's
 * laid-out files (and its solution's, for an exercise), then the scenario file as written.
 * Any change to what runs, or to what the scenario asks, changes it.
 */
export function scenarioKey(lab: string, id: string): string {
  const hash = createHash('sha256');
  const add = (name: string, contents: string): void => {
    hash.update(`${name}\0${contents.length}\0${contents}\0`);
  };
  for (const [name, contents] of [...layOutLab(lab)].sort(byName)) add(name, contents);
  if (isExercise(readManifest(lab))) {
    for (const [name, contents] of [...layOutLab(lab, { solved: true })].sort(byName)) {
      add(`solved/${name}`, contents);
    }
  }
  add('scenario', fs.readFileSync(scenarioFile(lab, id), 'utf8'));
  return hash.digest('hex');
}

/** Checks the shape of one recording's content; `file` is the name its errors give. */
export function parseRecording(data: unknown, file: string): Recording {
  if (!isObject(data)) {
    throw new ScenarioFileError(
      `${file}: expected a recording, a JSON object; run npm run record.`,
    );
  }
  const problems: string[] = [];
  unknownFields(
    data,
    ['scenario', 'lab', 'lang', 'key', 'recordedAt', 'durationMs', 'steps', 'frames'],
    '',
    problems,
  );
  if (!(RECORDING_LANGS as readonly unknown[]).includes(data['lang'])) {
    problems.push(`"lang" must be one of ${RECORDING_LANGS.join(', ')}, not ${show(data['lang'])}`);
  }
  for (const key of ['scenario', 'lab'] as const) {
    if (typeof data[key] !== 'string' || !ID.test(data[key])) {
      problems.push(`"${key}" must be an id, not ${show(data[key])}`);
    }
  }
  if (typeof data['key'] !== 'string' || !/^[0-9a-f]{64}$/.test(data['key'])) {
    problems.push(`"key" must be a sha256 in hex, not ${show(data['key'])}`);
  }
  if (typeof data['recordedAt'] !== 'string' || Number.isNaN(Date.parse(data['recordedAt']))) {
    problems.push(`"recordedAt" must be an ISO date, not ${show(data['recordedAt'])}`);
  }
  if (!wholeNumber(data['durationMs'], 0, Number.MAX_SAFE_INTEGER)) {
    problems.push(`"durationMs" must be a whole number of milliseconds`);
  }
  const steps = data['steps'];
  if (!Array.isArray(steps)) problems.push(`"steps" must list {"id","at"}`);
  else {
    steps.forEach((step, i) => {
      if (!isObject(step) || typeof step['id'] !== 'string' || typeof step['at'] !== 'number') {
        problems.push(`"steps[${i}]" must be {"id","at"}, not ${show(step)}`);
      }
    });
  }
  const frames = data['frames'];
  if (!Array.isArray(frames) || frames.length === 0) problems.push(`"frames" must list frames`);
  else {
    let last = 0;
    frames.forEach((frame, i) => {
      if (!isObject(frame) || !(FRAME_KINDS as readonly unknown[]).includes(frame['kind'])) {
        problems.push(
          `"frames[${i}].kind" must be one of ${FRAME_KINDS.join(', ')}, not ${show(isObject(frame) ? frame['kind'] : frame)}`,
        );
        return;
      }
      if (typeof frame['at'] !== 'number' || frame['at'] < last) {
        problems.push(`"frames[${i}].at" must be a number of ms, not before the frame ahead`);
      } else last = frame['at'];
      const needs: Record<string, string[]> = {
        state: ['state'],
        event: ['event'],
        visit: ['method', 'path', 'status', 'body', 'instance', 'cookie', 'ms'],
        output: ['line'],
        files: ['file', 'before', 'after'],
        check: ['ok', 'results'],
      };
      for (const key of needs[frame['kind'] as string] ?? []) {
        if (!(key in frame)) problems.push(`"frames[${i}].${key}" is missing`);
      }
    });
  }
  if (problems.length > 0) {
    // A recording lists thousands of frames: the first problems say enough.
    const shown = problems.slice(0, 12);
    if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
    throw new ScenarioFileError(`${file}:\n- ${shown.join('\n- ')}`);
  }
  return data as unknown as Recording;
}

/** Reads the recording of scenario `id` of lab `lab` in `lang`; throws saying to run `npm run record` when it is missing. */
export function readRecording(lab: string, id: string, lang: LabLanguage): Recording {
  const file = recordingFile(lab, id, lang);
  const shown = displayPath(file);
  if (!fs.existsSync(file)) {
    throw new ScenarioFileError(
      `The scenario "${id}" has no recording in "${lang}" (no ${shown}): run npm run record -- ${id}`,
    );
  }
  const recording = parseRecording(readJson(file, shown), shown);
  if (recording.scenario !== id || recording.lab !== lab || recording.lang !== lang) {
    throw new ScenarioFileError(
      `${shown}: it records "${recording.lab}/${recording.scenario}" in "${recording.lang}", not "${lab}/${id}" in "${lang}"; run npm run record -- ${id}`,
    );
  }
  return recording;
}

function byName(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function safeId(id: string): string {
  if (!ID.test(id))
    throw new ScenarioFileError(`"${id}" is not a scenario id (lower case, digits, dashes).`);
  return id;
}

function readJson(file: string, shown: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ScenarioFileError(`${shown}: not valid JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
}

function displayPath(file: string): string {
  return path.relative(path.resolve(labsDir, '../..'), file);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bilingual(value: unknown, at: string, problems: string[]): void {
  for (const lang of ['fr', 'en'] as const) {
    const text = isObject(value) ? value[lang] : undefined;
    if (typeof text !== 'string' || text.trim() === '') {
      problems.push(`"${at}.${lang}" must be a non-empty string, not ${show(text)}`);
    }
  }
  if (isObject(value)) unknownFields(value, ['fr', 'en'], `${at}.`, problems);
}

function unknownFields(
  value: Record<string, unknown>,
  known: readonly string[],
  at: string,
  problems: string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      problems.push(`"${at}${key}" is not a field here; the fields are ${known.join(', ')}`);
    }
  }
}

// An action's or a fact's parameters: no unknown one, every required one present.
function params(
  value: Record<string, unknown>,
  allowed: Record<string, boolean>,
  at: string,
  problems: string[],
): void {
  for (const key of Object.keys(value)) {
    if (key !== 'type' && !(key in allowed)) {
      const list = Object.keys(allowed);
      problems.push(
        `"${at}.${key}" is not a parameter of "${String(value['type'])}"${list.length ? `; it takes ${list.join(', ')}` : '; it takes none'}`,
      );
    }
  }
  for (const [key, required] of Object.entries(allowed)) {
    if (required && !(key in value)) problems.push(`"${at}.${key}" is missing`);
  }
}

function instanceCount(value: unknown): boolean {
  return wholeNumber(value, MIN_INSTANCES, MAX_INSTANCES);
}

function wholeNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
