/**
 * Runs an exercise lab's check from the command line:
 *
 *   node sandboxes/labs/run-check.ts <lab> [--solution] [--lang fr|en] [--json]
 *                                          [--url http://127.0.0.1:3000/] [--redis-url redis://…]
 *
 * Without `--url`, it lays the lab out (lab-model.ts: its base lab's app, its own files, the
 * solution over them with `--solution`, the shared checks client beside its checks) into
 * `.lab-work/`, with the learner's edited files from `.lab-work/<lab>/app` (where
 * `LAB=<lab> npm run lab` put them) when there are some, starts a lab on the copy, runs the check,
 * prints the results, and removes everything it started.
 * With `--url`, it checks a lab that is already running there (`npm run lab`) and starts nothing.
 * It exits with 0 when every result passes, 1 when one fails, 2 when it cannot run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readLabConfig } from '../platform/config.ts';
import { startLab, type RunningLab } from '../platform/lab.ts';
import { waitForRollout } from '../platform/rollout-wait.ts';
import {
  isExercise,
  labWorkDir,
  layOutLab,
  listLabs,
  readManifest,
  writeLayout,
  type Bilingual,
  type LabManifest,
} from './lab-model.ts';

const SLOW_START = /did not start within|did not become ready within/;
const root = fileURLToPath(new URL('../..', import.meta.url));

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

/** Reads an exercise lab's resolved `lab.json`; throws an Error that says what is wrong. */
export function readExercise(lab: string): LabManifest {
  const manifest = readManifest(lab);
  if (!isExercise(manifest)) {
    const exercises = listLabs().filter((id) => isExercise(readManifest(id)));
    throw new Error(
      `"${lab}" is a lab to explore, not an exercise. Exercise labs: ${exercises.join(', ')}.`,
    );
  }
  return manifest;
}

/**
 * Lays a lab out into a new folder under `.lab-work/`, inside the project so that the app's
 * `import 'express'` finds the project's node_modules: its starting files, or solved. The folder
 * holds `app/`, `checks/` and `lab.json`; the caller removes it.
 */
export function makeWorkingCopy(lab: string, solution: boolean): string {
  const work = path.join(root, '.lab-work');
  fs.mkdirSync(work, { recursive: true });
  const target = fs.mkdtempSync(path.join(work, `check-${lab}-`));
  writeLayout(layOutLab(lab, { solved: solution }), target);
  return target;
}

/**
 * The learner's own files: the editable files of the copy `LAB=<lab> npm run lab` laid out and
 * the learner edited, written over `copy`'s; the folder they came from, or null when there is none.
 */
export function takeLearnerFiles(lab: string, copy: string): string | null {
  const edited = path.join(labWorkDir(lab), 'app');
  if (!fs.existsSync(path.join(labWorkDir(lab), 'lab.json'))) return null;
  for (const name of readManifest(lab).editable) {
    const file = path.join(edited, name);
    if (fs.existsSync(file)) fs.copyFileSync(file, path.join(copy, 'app', name));
  }
  return edited;
}

/**
 * Loads a lab's check module from a laid-out copy, where the shared checks client sits beside
 * it: `copy` when given, else a throwaway one, removed once the module is loaded.
 */
export async function loadCheck(lab: string, copy?: string): Promise<CheckModule> {
  const manifest = readExercise(lab);
  // The checks import nothing but the shared client: their copy needs no node_modules, so it
  // goes to the system's temporary folder, apart from the lab copies in .lab-work/.
  let folder = copy;
  if (!folder) {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), `checks-${lab}-`));
    writeLayout(layOutLab(lab), folder);
  }
  try {
    const url = pathToFileURL(path.join(folder, ...(manifest.check ?? '').split('/'))).href;
    return (await import(url)) as CheckModule;
  } finally {
    if (!copy) fs.rmSync(folder, { recursive: true, force: true });
  }
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
  const manifest = readExercise(lab);
  const onProgress = options.onProgress ?? (() => {});
  if (options.url) {
    // An edit the learner just made may still be rolling out: check the new instances.
    await waitForRollout(options.url, { settleMs: 0 });
    return (await loadCheck(lab)).check(options.url, { onProgress });
  }

  const copy = makeWorkingCopy(lab, options.solution ?? false);
  const progress = (message: string): void =>
    onProgress({ fr: `lab : ${message}`, en: `lab: ${message}` });
  const edited = options.solution ? null : takeLearnerFiles(lab, copy);
  onProgress(
    edited
      ? { fr: `vos fichiers : ${edited}`, en: `your files: ${edited}` }
      : options.solution
        ? { fr: 'le corrigé', en: 'the solution' }
        : {
            fr: `les fichiers de départ (LAB=${lab} npm run lab les copie pour vous dans .lab-work/${lab}/app)`,
            en: `the starting files (LAB=${lab} npm run lab copies them for you into .lab-work/${lab}/app)`,
          },
  );
  let running: RunningLab | null = null;
  try {
    const module = await loadCheck(lab, copy);
    // The same reading of the environment as `npm run lab`, with the lab.json's defaults.
    const config = readLabConfig(
      {
        LAB_HOST: '127.0.0.1',
        LAB_PORT: '0',
        LAB_APP_DIR: path.join(copy, 'app'),
        REDIS_URL: options.redisUrl ?? '',
        SESSION_SECRET: randomBytes(24).toString('base64url'),
        // The check replaces the instances itself; nothing edits this copy meanwhile.
        LAB_WATCH: '0',
      },
      manifest,
    );
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
    fs.rmSync(copy, { recursive: true, force: true });
  }
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
