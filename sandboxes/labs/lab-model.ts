/**
 * The one model of a lab: the schema of `lab.json`, its one reader, the one answer to "is this
 * lab an exercise?", and the layout of a lab's complete files.
 *
 * A lab is a folder of `sandboxes/labs/` that holds a `lab.json`:
 *
 *   lab.json    what the lab is (see LabFile); `"extends": "sessions"` names a base lab
 *   app/        the app's files; with `extends`, only those that differ from the base lab's app/
 *   solution/   an exercise's solution: only the files it changes, each one of `editable`
 *   checks/     an exercise's checks: `check.js` and whatever it imports, beside the shared
 *               checks client `checks/lab-client.js`, which lives once in `shared/`
 *
 * Nothing runs on a lab's own folder: every reader lays it out first (layOutLab), so the learner
 * always sees and edits complete files, and one lab's fix to a base file reaches every lab that
 * extends it. A folder without `lab.json` (such as `shared/`) is not a lab.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_INSTANCES, MIN_INSTANCES } from '../platform/config.ts';
import type { SessionStoreKind } from '../platform/types.ts';

/** The folder of every lab. */
export const labsDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(labsDir, '../..');

/** Where the one checks client lives; the layout copies it into each lab's `checks/`. */
export const sharedChecksClient = path.join(labsDir, 'shared', 'lab-client.js');

/** Text in both languages of the course. */
export interface Bilingual {
  fr: string;
  en: string;
}

/** A `lab.json` as its author writes it. */
export interface LabFile {
  /** The lab's folder name under `sandboxes/labs/`. */
  id: string;
  title: Bilingual;
  /** The files of the laid-out `app/` the learner may edit, base lab's files included. */
  editable: string[];
  /** A base lab whose `app/` this lab starts from; one level only (the base extends nothing). */
  extends?: string;
  /** The session store the lab starts with. @default the base lab's, else 'memory' */
  sessionStore?: SessionStoreKind;
  /** How many instances the lab starts with, 1 to 8. @default the base lab's, else 3 */
  instances?: number;
  /** `overlay`: `solution/` holds only the files that change. Exercises only. */
  solution?: 'overlay';
  /** The check module, relative to the lab's folder, e.g. `checks/check.js`. Exercises only. */
  check?: string;
}

/** A lab's `lab.json` once resolved against its base: what the laid-out lab carries. */
export interface LabManifest {
  id: string;
  title: Bilingual;
  editable: string[];
  sessionStore: SessionStoreKind;
  instances: number;
  solution?: 'overlay';
  check?: string;
}

/** What a lab starts with when the environment does not say otherwise. */
export interface LabDefaults {
  sessionStore: SessionStoreKind;
  instances: number;
}

/** A lab.json that is not what the model expects; the message names the file and the field. */
export class LabFileError extends Error {}

/** A lab's files, complete: relative paths (`app/server.js`, `checks/check.js`, `lab.json`) to text. */
export type LabLayout = Map<string, string>;

/** A folder in WebContainer's `FileSystemTree` shape. */
export interface FileTree {
  [name: string]: { file: { contents: string } } | { directory: FileTree };
}

const DEFAULTS: LabDefaults = { sessionStore: 'memory', instances: 3 };
const FIELDS = [
  'id',
  'title',
  'editable',
  'extends',
  'sessionStore',
  'instances',
  'solution',
  'check',
] as const;
const LAB_ID = /^[a-z][a-z0-9-]*$/;

/** How a resolver finds a lab's `lab.json`: its name for error messages and its parsed JSON. */
export type LabLookup = (id: string) => { file: string; data: unknown } | undefined;

/** Checks the shape of one `lab.json`'s content; `file` is the name its errors give. */
export function parseLabFile(data: unknown, file: string): LabFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LabFileError(`${file}: expected a JSON object with "id", "title" and "editable".`);
  }
  const fields = data as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      problems.push(`"${key}" is not a lab.json field; the fields are ${FIELDS.join(', ')}`);
    }
  }
  const { id, title, editable, sessionStore, instances, solution, check } = fields;
  if (typeof id !== 'string' || !LAB_ID.test(id)) {
    problems.push(
      `"id" must be the lab's folder name (lower case, digits, dashes), not ${show(id)}`,
    );
  }
  for (const lang of ['fr', 'en'] as const) {
    const text = (title as Record<string, unknown> | null | undefined)?.[lang];
    if (typeof text !== 'string' || text === '') {
      problems.push(`"title.${lang}" must be a non-empty string, not ${show(text)}`);
    }
  }
  if (!Array.isArray(editable) || editable.length === 0) {
    problems.push(`"editable" must list at least one file of app/, not ${show(editable)}`);
  } else {
    for (const name of editable as unknown[]) {
      if (typeof name !== 'string' || path.basename(name) !== name || !name.endsWith('.js')) {
        problems.push(`"editable" holds ${show(name)}, which is not a .js file name of app/`);
      }
    }
  }
  if (
    'extends' in fields &&
    (typeof fields['extends'] !== 'string' || !LAB_ID.test(fields['extends']))
  ) {
    problems.push(`"extends" must name a lab, e.g. "sessions", not ${show(fields['extends'])}`);
  }
  if (sessionStore !== undefined && sessionStore !== 'memory' && sessionStore !== 'redis') {
    problems.push(`"sessionStore" must be "memory" or "redis", not ${show(sessionStore)}`);
  }
  if (
    instances !== undefined &&
    (typeof instances !== 'number' ||
      !Number.isInteger(instances) ||
      instances < MIN_INSTANCES ||
      instances > MAX_INSTANCES)
  ) {
    problems.push(
      `"instances" must be a whole number from ${MIN_INSTANCES} to ${MAX_INSTANCES}, not ${show(instances)}`,
    );
  }
  if (solution !== undefined && solution !== 'overlay') {
    problems.push(
      `"solution" must be "overlay" (solution/ holds the files that change), not ${show(solution)}`,
    );
  }
  if (check !== undefined && (typeof check !== 'string' || !check.startsWith('checks/'))) {
    problems.push(
      `"check" must name the check module in checks/, e.g. "checks/check.js", not ${show(check)}`,
    );
  }
  if ((solution === undefined) !== (check === undefined)) {
    problems.push(
      '"solution" and "check" go together: an exercise has both, a lab to explore has neither',
    );
  }
  if (problems.length > 0) throw new LabFileError(`${file}:\n- ${problems.join('\n- ')}`);
  return fields as unknown as LabFile;
}

/**
 * Resolves lab `id` against its base lab, with `lookup` to find each `lab.json`; pure, so that
 * a page built by Astro can resolve the manifests it imported. Checks the shape, not the files.
 */
export function resolveManifest(id: string, lookup: LabLookup): LabManifest {
  return resolve(id, lookup).manifest;
}

// The resolved manifest and the id of the base lab, if any.
function resolve(id: string, lookup: LabLookup): { manifest: LabManifest; base: string | null } {
  const found = lookup(id);
  if (!found) throw new LabFileError(`There is no lab "${id}": no ${displayPath(id)}.`);
  const own = parseLabFile(found.data, found.file);
  if (own.id !== id) {
    throw new LabFileError(
      `${found.file}:\n- "id" must be "${id}", the folder's name, not "${own.id}"`,
    );
  }
  const base = own.extends === undefined ? null : readBase(own, found.file, lookup);
  const manifest: LabManifest = {
    id: own.id,
    title: own.title,
    editable: own.editable,
    sessionStore: own.sessionStore ?? base?.sessionStore ?? DEFAULTS.sessionStore,
    instances: own.instances ?? base?.instances ?? DEFAULTS.instances,
  };
  if (own.solution !== undefined) manifest.solution = own.solution;
  if (own.check !== undefined) manifest.check = own.check;
  return { manifest, base: own.extends ?? null };
}

// A base lab must exist and extend nothing itself: one level is all the layout does.
function readBase(own: LabFile, file: string, lookup: LabLookup): LabFile {
  const baseId = own.extends ?? '';
  if (baseId === own.id) throw new LabFileError(`${file}:\n- "extends" names the lab itself`);
  const found = lookup(baseId);
  if (!found) {
    throw new LabFileError(
      `${file}:\n- "extends" names "${baseId}", which is not a lab (no ${displayPath(baseId)}); the labs are ${listLabs().join(', ')}`,
    );
  }
  const base = parseLabFile(found.data, found.file);
  if (base.extends !== undefined) {
    throw new LabFileError(
      `${file}:\n- "extends" names "${baseId}", which itself extends "${base.extends}": only one level of "extends" is supported, so extend a lab that extends nothing (such as "${base.extends}")`,
    );
  }
  return base;
}

/** The ids of every lab: each folder of `sandboxes/labs/` that holds a `lab.json`. */
export function listLabs(): string[] {
  return fs
    .readdirSync(labsDir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && fs.existsSync(path.join(labsDir, entry.name, 'lab.json')),
    )
    .map((entry) => entry.name)
    .sort();
}

/** The folder of lab `id`; throws an Error listing the labs when there is none. */
export function labFolder(id: string): string {
  if (!LAB_ID.test(id))
    throw new LabFileError(`"${id}" is not a lab name (lower case, digits, dashes).`);
  const folder = path.join(labsDir, id);
  if (!fs.existsSync(path.join(folder, 'lab.json'))) {
    throw new LabFileError(
      `There is no lab "${id}" (no ${displayPath(id)}). The labs are ${listLabs().join(', ')}.`,
    );
  }
  return folder;
}

/**
 * Reads and checks lab `id`'s `lab.json`, resolved against its base, and the files it names:
 * every editable file exists in the laid-out app/, the solution changes only editable files,
 * the check module exists. Throws a LabFileError that names the file and the field.
 */
export function readManifest(id: string): LabManifest {
  const folder = labFolder(id);
  const { manifest, base } = resolve(id, lookupIn(labsDir));
  const file = displayPath(id);
  const app = appFiles(id, base);
  const problems: string[] = [];
  for (const name of manifest.editable) {
    if (!app.has(name)) {
      problems.push(`"editable" names ${name}, which neither app/ nor its base lab's app/ has`);
    }
  }
  const solution = listFiles(path.join(folder, 'solution'));
  if (manifest.solution !== undefined && solution.length === 0) {
    problems.push('"solution" is "overlay" but solution/ holds no file');
  }
  if (manifest.solution === undefined && solution.length > 0) {
    problems.push('solution/ has files but "solution" is not set: add "solution" and "check"');
  }
  for (const name of solution) {
    if (!manifest.editable.includes(name)) {
      problems.push(`solution/${name} is not one of "editable": a learner could not write it`);
    }
  }
  if (manifest.check !== undefined && !fs.existsSync(path.join(folder, manifest.check))) {
    problems.push(`"check" names ${manifest.check}, which the lab's folder does not have`);
  }
  if (fs.existsSync(path.join(folder, 'checks', 'lab-client.js'))) {
    problems.push(
      `checks/lab-client.js is shared: remove this copy, the layout adds ${path.relative(root, sharedChecksClient)}`,
    );
  }
  if (problems.length > 0) throw new LabFileError(`${file}:\n- ${problems.join('\n- ')}`);
  return manifest;
}

/**
 * The working copy `LAB=<lab> npm run lab` lays a lab out into, `.lab-work/<lab>/`: the learner
 * edits its `app/` files, and the checks runner checks them.
 */
export function labWorkDir(id: string): string {
  // Only a lab's name becomes a folder name: labFolder refuses anything else.
  return path.join(root, '.lab-work', path.basename(labFolder(id)));
}

/** The one answer to "is this lab an exercise?": it has a solution and a check. */
export function isExercise(manifest: Pick<LabManifest, 'solution' | 'check'>): boolean {
  return manifest.solution === 'overlay' && typeof manifest.check === 'string';
}

/**
 * Lays out lab `id`'s complete files, in this order, each over the ones before: the base lab's
 * `app/`, the lab's own `app/`, its `solution/` when `solved`; then the shared checks client and
 * the lab's own `checks/`; then the resolved `lab.json`.
 */
export function layOutLab(id: string, options: { solved?: boolean } = {}): LabLayout {
  const manifest = readManifest(id);
  const { base } = resolve(id, lookupIn(labsDir));
  if (options.solved && !isExercise(manifest)) {
    throw new LabFileError(`The lab "${id}" has no solution: it is a lab to explore freely.`);
  }
  const layout: LabLayout = new Map();
  for (const [name, contents] of appFiles(id, base)) layout.set(`app/${name}`, contents);
  if (options.solved) {
    for (const [name, contents] of solutionFiles(id)) layout.set(`app/${name}`, contents);
  }
  const checks = path.join(labFolder(id), 'checks');
  if (fs.existsSync(checks)) {
    layout.set('checks/lab-client.js', fs.readFileSync(sharedChecksClient, 'utf8'));
    for (const [name, contents] of readFiles(checks)) layout.set(`checks/${name}`, contents);
  }
  layout.set('lab.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return layout;
}

/** An exercise's solution files (relative to app/), as Solve writes them over the starting ones. */
export function solutionFiles(id: string): Map<string, string> {
  return readFiles(path.join(labFolder(id), 'solution'));
}

/**
 * Writes a layout into `folder`. The paths in `keep` are written only when missing, so that a
 * working copy keeps the learner's edits while everything else follows the lab's sources.
 */
export function writeLayout(
  layout: LabLayout,
  folder: string,
  options: { keep?: string[] } = {},
): void {
  const keep = new Set(options.keep ?? []);
  for (const [name, contents] of layout) {
    const target = path.join(folder, ...name.split('/'));
    if (keep.has(name) && fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, contents);
  }
}

/** A layout as a WebContainer `FileSystemTree`, ready to mount. */
export function layoutTree(layout: LabLayout): FileTree {
  const tree: FileTree = {};
  for (const [name, contents] of layout) {
    const parts = name.split('/');
    const leaf = parts.pop() ?? name;
    let folder = tree;
    for (const part of parts) {
      const node = (folder[part] ??= { directory: {} });
      if (!('directory' in node)) throw new Error(`${name}: ${part} is a file, not a folder.`);
      folder = node.directory;
    }
    folder[leaf] = { file: { contents } };
  }
  return tree;
}

/**
 * The defaults of the lab whose app folder is `appDir`, from the `lab.json` beside it (a lab's
 * source folder, a laid-out working copy, a packaged lab); null when there is none.
 */
export function readLabDefaults(appDir: string): LabDefaults | null {
  const labDir = path.dirname(path.resolve(appDir));
  const file = path.join(labDir, 'lab.json');
  if (!fs.existsSync(file)) return null;
  const own = parseLabFile(readJson(file), file);
  // A lab's source folder may extend a base lab beside it; a laid-out one is already resolved.
  const base =
    own.extends === undefined ? null : readBase(own, file, lookupIn(path.dirname(labDir)));
  return {
    sessionStore: own.sessionStore ?? base?.sessionStore ?? DEFAULTS.sessionStore,
    instances: own.instances ?? base?.instances ?? DEFAULTS.instances,
  };
}

/** Whether the lab whose app folder is `appDir` extends a base lab, so that its app is incomplete. */
export function extendsBase(appDir: string): string | null {
  const file = path.join(path.dirname(path.resolve(appDir)), 'lab.json');
  if (!fs.existsSync(file)) return null;
  return parseLabFile(readJson(file), file).extends ?? null;
}

// The app's files of a lab: its base lab's, then its own over them.
function appFiles(id: string, base: string | null): Map<string, string> {
  const files =
    base === null ? new Map<string, string>() : readFiles(path.join(labsDir, base, 'app'));
  for (const [name, contents] of readFiles(path.join(labsDir, id, 'app')))
    files.set(name, contents);
  return files;
}

function lookupIn(folder: string): LabLookup {
  return (id) => {
    const file = path.join(folder, id, 'lab.json');
    if (!LAB_ID.test(id) || !fs.existsSync(file)) return undefined;
    return { file: folder === labsDir ? displayPath(id) : file, data: readJson(file) };
  };
}

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LabFileError(`${file}: not valid JSON (${(error as Error).message}).`, {
      cause: error,
    });
  }
}

// Every file below `folder`, by its path relative to it, node_modules left out; none when absent.
function readFiles(folder: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(folder)) return files;
  for (const entry of fs
    .readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') {
      for (const [name, contents] of readFiles(full, `${prefix}${entry.name}/`))
        files.set(name, contents);
    } else if (entry.isFile()) {
      files.set(`${prefix}${entry.name}`, fs.readFileSync(full, 'utf8'));
    }
  }
  return files;
}

function listFiles(folder: string): string[] {
  return [...readFiles(folder).keys()];
}

function displayPath(id: string): string {
  return `sandboxes/labs/${id}/lab.json`;
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
