/**
 * One-off admin processes (factor VI as rewritten in 2025, and factor XII): a migration, a
 * count, a script that fixes some records. Each is a file `tasks/<name>.js` of the app folder,
 * and runs as a process of its own, started by the platform beside the instances, never inside
 * one: the same release (the app folder the instances run) and the same config (the environment
 * the instances get, without what makes one of them an instance: its port, its id), until it
 * exits. `POST /lab/tasks/{name}` runs one (see control.ts), `GET /lab/tasks` lists them.
 *
 * A task is not an `/admin` route of the web app (every instance would carry it, it would run in
 * a process that serves visitors, and a rollout could cut it off halfway), nor a shell inside a
 * running instance: on a real platform it is `docker compose run --rm app node tasks/x.js`, or
 * a Kubernetes Job from the Deployment's image and config. This module is that, for the lab.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { EventBus } from './events.ts';
import { messageOf } from './errors.ts';
import { labLanguage, LocalizedError, type Lang, type Localized } from './language.ts';
import { parseListeningLine } from './lines.ts';
import type { TaskResult } from './types.ts';

/** The folder of the app that holds its tasks: `tasks/`, beside `server.js`. */
export const TASKS_FOLDER = 'tasks';

/** How long a task may run before the lab stops it (`LAB_TASK_TIMEOUT_MS`). */
export const DEFAULT_TASK_TIMEOUT_MS = 30_000;

/** How many tasks may run at once: a one-off task is rare, a loop of them is a mistake. */
export const MAX_RUNNING_TASKS = 4;

/** A task answers with at most this many lines of output; the rest is counted, not kept. */
export const MAX_OUTPUT_LINES = 500;

/** After a task has exited, its output has this long to be read to the end. */
const STREAMS_GRACE_MS = 500;

/** When the lab stops, a running task gets this long after SIGTERM before SIGKILL. */
const CLOSE_GRACE_MS = 1000;

// A task's name is a plain file name: letters, digits, dashes and underscores, so that no name
// can reach outside tasks/ (no slash, no dot, no `..`), whatever the URL encoded.
const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A task that does not exist, or a name that cannot be one; the message says which and what to do. */
export class UnknownTaskError extends LocalizedError {}

/** A task refused because too many run already, or because the lab is stopping. */
export class TaskRefusedError extends LocalizedError {}

/** What the runner needs from the platform. */
export interface TaskRunnerOptions {
  /** The app folder the instances run: its `tasks/` holds the tasks. */
  appDir: string;
  bus: EventBus;
  /** The instances' environment as it is now, minus what makes a process an instance. */
  environment: () => NodeJS.ProcessEnv;
  /** Node flags before the task's file, e.g. the preload that ends it with the lab. @default [] */
  nodeArgs?: () => string[];
  /** @default DEFAULT_TASK_TIMEOUT_MS */
  timeoutMs?: number;
  /** The language of the lines the lab adds to a task's output (`LAB_LANG`). @default labLanguage() */
  lang?: Lang;
}

/** Whether `name` could be a task's name at all (a plain file name, without `.js`). */
export function isTaskName(name: string): boolean {
  return TASK_NAME.test(name);
}

/** The names of the tasks in `appDir/tasks/` (`count-sessions` for `count-sessions.js`), sorted. */
export function listTasks(appDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(appDir, TASKS_FOLDER), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => entry.name.slice(0, -'.js'.length))
    .filter(isTaskName)
    .sort();
}

/**
 * The file of task `name` in `appDir`, or an UnknownTaskError that lists the tasks there is. Only
 * a name that is one of the listed files is accepted, so a name can never point elsewhere.
 */
export function taskFile(appDir: string, name: string): string {
  const tasks = listTasks(appDir);
  const known = {
    fr:
      tasks.length > 0
        ? `Les tâches sont : ${tasks.join(', ')}.`
        : "Cette application n'a pas de tâche.",
    en: tasks.length > 0 ? `The tasks are: ${tasks.join(', ')}.` : 'This app has no task.',
  };
  if (!isTaskName(name)) {
    throw new UnknownTaskError({
      fr: `« ${name} » n'est pas un nom de tâche : une tâche est un fichier de ${TASKS_FOLDER}/, nommée par son nom de fichier sans « .js » (lettres, chiffres, tirets). ${known.fr}`,
      en: `"${name}" is not a task's name: a task is a file of ${TASKS_FOLDER}/, named by its file name without ".js" (letters, digits, dashes). ${known.en}`,
    });
  }
  if (!tasks.includes(name)) {
    throw new UnknownTaskError({
      fr: `Il n'y a pas de tâche « ${name} » (pas de ${TASKS_FOLDER}/${name}.js). ${known.fr}`,
      en: `There is no task "${name}" (no ${TASKS_FOLDER}/${name}.js). ${known.en}`,
    });
  }
  return path.join(appDir, TASKS_FOLDER, `${name}.js`);
}

/** Runs the app's tasks as one-off processes and stops any that are left when the lab stops. */
export class TaskRunner {
  #options: TaskRunnerOptions;
  #running = new Set<ChildProcess>();
  #nextRun = 1;
  #closed = false;

  constructor(options: TaskRunnerOptions) {
    this.#options = options;
  }

  /** How long a task may run, in milliseconds. */
  get timeoutMs(): number {
    return this.#options.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
  }

  /** The names of the tasks the app has now. */
  list(): string[] {
    return listTasks(this.#options.appDir);
  }

  /**
   * Runs task `name` until it exits, or until the time limit, after which it is killed; resolves
   * with its exit code and its output, whatever the code. Throws an UnknownTaskError for a name
   * that is not a task, a TaskRefusedError when the lab is stopping or too many tasks run.
   */
  run(name: string): Promise<TaskResult> {
    if (this.#closed) {
      throw new TaskRefusedError({
        fr: "Le lab s'arrête : aucune tâche ne démarre plus.",
        en: 'The lab is stopping: no new task starts now.',
      });
    }
    const file = taskFile(this.#options.appDir, name);
    if (this.#running.size >= MAX_RUNNING_TASKS) {
      throw new TaskRefusedError({
        fr: `${MAX_RUNNING_TASKS} tâches tournent déjà : attendez que l'une se termine, puis relancez.`,
        en: `${MAX_RUNNING_TASKS} tasks are running already: wait until one has finished, then run it again.`,
      });
    }
    const { appDir, bus } = this.#options;
    const run = this.#nextRun++;
    const timeoutMs = this.timeoutMs;
    const startedAt = Date.now();
    const env: NodeJS.ProcessEnv = { ...this.#options.environment(), TASK_NAME: name };
    // Whatever the lab inherited, a task is no instance: it has no port to listen on, no id.
    for (const variable of ['PORT', 'HOST', 'INSTANCE_ID']) delete env[variable];
    const child = spawn(
      process.execPath,
      [...(this.#options.nodeArgs?.() ?? []), path.relative(appDir, file)],
      { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#running.add(child);
    bus.emit({
      type: 'task',
      phase: 'started',
      at: startedAt,
      task: name,
      run,
      pid: child.pid ?? 0,
      timeoutMs,
    });

    const lines: string[] = [];
    let dropped = 0;
    const say = (stream: 'stdout' | 'stderr', line: string): void => {
      if (lines.length >= MAX_OUTPUT_LINES) {
        dropped += 1;
        return;
      }
      lines.push(line);
      bus.emit({ type: 'task', phase: 'output', at: Date.now(), task: name, run, stream, line });
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      readline.createInterface({ input: source }).on('line', (line) => {
        // The preload that ends the task with the lab is the instances' one; it reports a port
        // only if something listens, a line for the platform, never for the learner.
        if (stream === 'stdout' && parseListeningLine(line) !== null) return;
        say(stream, line);
      });
    }

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    return new Promise<TaskResult>((resolve) => {
      let spawnError: string | null = null;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.#running.delete(child);
        // The lab's own lines in the task's output, in the lab's language.
        const lang = this.#options.lang ?? labLanguage();
        const labSays = (text: Localized): string => `lab: ${text[lang]}`;
        if (spawnError !== null) {
          say(
            'stderr',
            labSays({
              fr: `la tâche n'a pas pu démarrer : ${spawnError}`,
              en: `the task could not start: ${spawnError}`,
            }),
          );
        }
        if (timedOut) {
          const limit = formatSeconds(timeoutMs);
          say(
            'stderr',
            labSays({
              fr: `la tâche a tourné plus de ${limit} et a été arrêtée (SIGKILL) ; une tâche ponctuelle doit se terminer d'elle-même : fermez ce qu'elle a ouvert (une connexion, un minuteur)`,
              en: `the task ran longer than ${limit} and was stopped (SIGKILL); a one-off task must end on its own, so close what it opened (a connection, a timer)`,
            }),
          );
        }
        const more = {
          fr: `${dropped} lignes de plus non gardées`,
          en: `${dropped} more lines not kept`,
        };
        const output = dropped > 0 ? [...lines, labSays(more)] : lines;
        const result: TaskResult = {
          task: name,
          exitCode: exit?.code ?? null,
          signal: exit?.signal ?? null,
          timedOut,
          ms: Date.now() - startedAt,
          output: output.join('\n'),
        };
        bus.emit({
          type: 'task',
          phase: 'finished',
          at: Date.now(),
          task: name,
          run,
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut,
          ms: result.ms,
        });
        resolve(result);
      };
      child.once('error', (error) => {
        spawnError = messageOf(error);
        // A process that never started has no exit to wait for.
        if (child.pid === undefined) finish();
      });
      // 'close' comes once the process has exited and its output has been read to the end; a
      // process it started that still holds the output open must not hold the answer up, hence
      // the short wait after 'exit'.
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        setTimeout(finish, STREAMS_GRACE_MS).unref();
      });
      child.once('close', finish);
    });
  }

  /** Refuses new tasks and stops the running ones: SIGTERM, then SIGKILL after a moment. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#running].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const closed = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
        await closed;
        clearTimeout(timer);
      }),
    );
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
