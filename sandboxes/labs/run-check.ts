/**
 * Runs an exercise lab's check from the command line:
 *
 *   node sandboxes/labs/run-check.ts <lab> [--solution] [--lang fr|en] [--json]
 *                                          [--url http://127.0.0.1:3000/] [--redis-url redis://…]
 *
 * Without `--url`, it copies the lab's starting files (`app/`, as they are now, edits included)
 * or, with `--solution`, those files with the solution laid over them, into `.lab-work/`, starts
 * a lab on the copy, runs the check, prints the results, and removes everything it started.
 * With `--url`, it checks a lab that is already running there (`npm run lab`) and starts nothing.
 * It exits with 0 when every result passes, 1 when one fails, 2 when it cannot run.
 *
 * A lab folder holds `lab.json` (see LabManifest), `app/` (the starting files), `solution/` (only
 * the files the solution changes, each one of the editable files: Solve writes them over the
 * starting ones) and `checks/check.js`, which exports `check(baseUrl, options)`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { LabConfig } from '../platform/config.ts';
import { startLab, type RunningLab } from '../platform/lab.ts';

export const labsDir = path.dirname(fileURLToPath(import.meta.url));
const SLOW_START = /did not start within|did not become ready within/;
const root = path.resolve(labsDir, '../..');

/** Text in both languages of the course. */
export interface Bilingual {
  fr: string;
  en: string;
}

/** What `lab.json` says of an exercise lab. */
export interface LabManifest {
  /** The lab's folder name under `sandboxes/labs/`. */
  id: string;
  title: Bilingual;
  /** The files of `app/` that the learner may edit; the sandbox's editor shows these. */
  editable: string[];
  /** The session store the lab starts with. */
  sessionStore: 'memory' | 'redis';
  /** How many instances the lab starts with, 1 to 8. */
  instances: number;
  /** `overlay`: `solution/` holds only the files that change; the others stay as in `app/`. */
  solution: 'overlay';
  /** The check module, relative to the lab's folder. */
  check: string;
}

/** One line of a check's report. */
export interface CheckResult {
  id: string;
  ok: boolean;
  message: Bilingual;
}

/** What a lab's `checks/check.js` exports. */
export interface CheckModule {
  checks: { id: string; title: Bilingual }[];
  check(
    baseUrl: string,
    options?: {
      fetch?: typeof fetch;
      instanceUrl?: (instance: { id: string; port: number }) => string;
      onProgress?: (message: Bilingual) => void;
    },
  ): Promise<CheckResult[]>;
}

/** Reads and validates a lab's `lab.json`; throws an Error that says what is wrong. */
export function readLabManifest(lab: string): LabManifest {
  const dir = labFolder(lab);
  const file = path.join(dir, 'lab.json');
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const problems: string[] = [];
  const manifest = data as Partial<LabManifest>;
  if (manifest.id !== lab) problems.push(`"id" must be "${lab}", the folder's name`);
  for (const lang of ['fr', 'en'] as const) {
    if (typeof manifest.title?.[lang] !== 'string' || manifest.title[lang] === '') {
      problems.push(`"title.${lang}" must be a non-empty string`);
    }
  }
  const editable = Array.isArray(manifest.editable) ? manifest.editable : [];
  if (editable.length === 0) problems.push('"editable" must list at least one file');
  for (const name of editable) {
    if (typeof name !== 'string' || path.basename(name) !== name || !name.endsWith('.js')) {
      problems.push(`"editable" holds "${String(name)}", which is not a .js file name of app/`);
    } else if (!fs.existsSync(path.join(dir, 'app', name))) {
      problems.push(`"editable" names ${name}, which app/ does not have`);
    }
  }
  if (manifest.sessionStore !== 'memory' && manifest.sessionStore !== 'redis') {
    problems.push('"sessionStore" must be "memory" or "redis"');
  }
  const count = manifest.instances;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 8) {
    problems.push('"instances" must be an integer from 1 to 8');
  }
  if (manifest.solution !== 'overlay') problems.push('"solution" must be "overlay"');
  for (const name of listFiles(path.join(dir, 'solution'))) {
    if (!editable.includes(name)) {
      problems.push(
        `solution/${name} is not one of the editable files: a learner could not write it`,
      );
    }
  }
  if (typeof manifest.check !== 'string' || !fs.existsSync(path.join(dir, manifest.check))) {
    problems.push('"check" must name the check module, e.g. "checks/check.js"');
  }
  if (problems.length > 0) throw new Error(`${file}:\n- ${problems.join('\n- ')}`);
  return manifest as LabManifest;
}

/** The files of a lab as the learner would have them: the starting ones, or solved. */
export function labFiles(lab: string, solution: boolean): Map<string, string> {
  const dir = labFolder(lab);
  const files = new Map<string, string>();
  for (const name of listFiles(path.join(dir, 'app'))) {
    files.set(name, path.join(dir, 'app', name));
  }
  if (solution) {
    for (const name of listFiles(path.join(dir, 'solution'))) {
      files.set(name, path.join(dir, 'solution', name));
    }
  }
  return files;
}

/**
 * Copies a lab's files into a new folder under `.lab-work/`, inside the project so that the
 * app's `import 'express'` finds the project's node_modules. The caller removes it.
 */
export function makeWorkingCopy(lab: string, solution: boolean): string {
  const work = path.join(root, '.lab-work');
  fs.mkdirSync(work, { recursive: true });
  const target = fs.mkdtempSync(path.join(work, `check-${lab}-`));
  for (const [name, source] of labFiles(lab, solution)) {
    fs.copyFileSync(source, path.join(target, name));
  }
  return target;
}

/** Loads a lab's check module. */
export async function loadCheck(lab: string): Promise<CheckModule> {
  const manifest = readLabManifest(lab);
  const url = pathToFileURL(path.join(labFolder(lab), manifest.check)).href;
  return (await import(url)) as CheckModule;
}

/** Options of runCheck. */
export interface RunOptions {
  /** Check the solution instead of the starting files. @default false */
  solution?: boolean;
  /** A lab already running there is checked; nothing is started. */
  url?: string;
  /** A real Redis for the lab's store; `null` starts the embedded store. @default null */
  redisUrl?: string | null;
  onProgress?: (message: Bilingual) => void;
}

/** Starts a lab on a working copy of `lab` (unless `url` is given), runs its check, cleans up. */
export async function runCheck(lab: string, options: RunOptions = {}): Promise<CheckResult[]> {
  const manifest = readLabManifest(lab);
  const module = await loadCheck(lab);
  const onProgress = options.onProgress ?? (() => {});
  if (options.url) return module.check(options.url, { onProgress });

  const appDir = makeWorkingCopy(lab, options.solution ?? false);
  const config: LabConfig = {
    host: '127.0.0.1',
    port: 0,
    instances: manifest.instances,
    sessionStore: manifest.sessionStore,
    redisUrl: options.redisUrl ?? null,
    appDir,
    sessionSecret: randomBytes(24).toString('base64url'),
    // The check replaces the instances itself; nothing edits this copy meanwhile.
    watch: false,
  };
  const progress = (message: string): void =>
    onProgress({ fr: `lab : ${message}`, en: `lab: ${message}` });
  let running: RunningLab | null = null;
  try {
    try {
      running = await startLab(config, progress);
    } catch (error) {
      // On a busy machine the store or an instance may miss its start deadline: that is the
      // machine, not the learner's code, so the lab gets a second chance. A file that does not
      // start fails the same way twice.
      if (!SLOW_START.test((error as Error).message)) throw error;
      progress(`${(error as Error).message.trim()} Trying once more.`);
      running = await startLab(config, progress);
    }
    return await module.check(running.url, { onProgress });
  } finally {
    await running?.close();
    fs.rmSync(appDir, { recursive: true, force: true });
  }
}

function labFolder(lab: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(lab)) throw new Error(`"${lab}" is not a lab name.`);
  const dir = path.join(labsDir, lab);
  if (!fs.existsSync(path.join(dir, 'lab.json'))) {
    const known = fs
      .readdirSync(labsDir)
      .filter((name) => fs.existsSync(path.join(labsDir, name, 'lab.json')));
    throw new Error(`No exercise lab "${lab}". Exercise labs: ${known.join(', ')}.`);
  }
  return dir;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

const usage = `Usage: node sandboxes/labs/run-check.ts <lab> [--solution] [--lang fr|en] [--json]
                                       [--url http://127.0.0.1:3000/] [--redis-url redis://host:port]`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        solution: { type: 'boolean', default: false },
        lang: { type: 'string', default: 'fr' },
        json: { type: 'boolean', default: false },
        url: { type: 'string' },
        'redis-url': { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const lab = positionals[0];
  const lang = values.lang;
  if (!lab || positionals.length > 1 || (lang !== 'fr' && lang !== 'en')) {
    console.error(usage);
    return 2;
  }
  const redisUrl = values['redis-url'] ?? (process.env['REDIS_URL'] || null);
  let results: CheckResult[];
  try {
    results = await runCheck(lab, {
      solution: values.solution,
      ...(values.url ? { url: values.url } : {}),
      redisUrl,
      onProgress: (message) => console.error(message[lang]),
    });
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (values.json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    for (const entry of results) {
      console.log(`${entry.ok ? '✔' : '✘'} ${entry.id}: ${entry.message[lang]}`);
    }
    const passed = results.filter((entry) => entry.ok).length;
    const failed = results.length - passed;
    console.log(
      lang === 'fr'
        ? `${passed} réussie${passed > 1 ? 's' : ''}, ${failed} échouée${failed > 1 ? 's' : ''}`
        : `${passed} passed, ${failed} failed`,
    );
  }
  return results.length > 0 && results.every((entry) => entry.ok) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = await main();
}
