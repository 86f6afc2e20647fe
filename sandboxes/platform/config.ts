import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseAllowedHosts } from './http.ts';
import { labLanguage, LocalizedError, type Lang } from './language.ts';
import type { SessionStoreKind } from './types.ts';
import type { WatchMode } from './watcher.ts';

/** Everything the lab reads from its environment, checked. */
export interface LabConfig {
  /** `LAB_HOST`, @default '127.0.0.1' */
  host: string;
  /** `LAB_PORT`, @default 3000 */
  port: number;
  /** `INSTANCES`, from 1 to 8, @default the lab.json's, else 3 */
  instances: number;
  /** `SESSION_STORE`, @default the lab.json's, else 'memory' */
  sessionStore: SessionStoreKind;
  /** `REDIS_URL`: a real Redis; `null` starts the embedded store. */
  redisUrl: string | null;
  /** `LAB_APP_DIR`: the folder whose `server.js` each instance runs, @default the sessions lab */
  appDir: string;
  /** `SESSION_SECRET`, shared by every instance, @default a random one per lab run */
  sessionSecret: string;
  /** `LAB_WATCH=0` turns off the rollout that follows an edit of the app's files. @default true */
  watch: boolean;
  /** `LAB_WATCH_MODE`: how edits are seen, `per-file`, `recursive` or `polling`. @default 'per-file' */
  watchMode: WatchMode;
  /** `LAB_STOP_GRACE_MS`: an instance's time between SIGTERM and SIGKILL. @default 10000 */
  stopGraceMs: number;
  /** `LAB_TASK_TIMEOUT_MS`: how long a one-off task may run before it is killed. @default 30000 */
  taskTimeoutMs: number;
  /** `LAB_FRAMED=1`: the dashboard is shown in a frame of another site, over HTTPS. @default false */
  framed: boolean;
  /**
   * `LAB_LANG`: the language of the lab's messages for people, `fr` or `en` (the sandbox sets it
   * from the page's language). @default the system locale's (`LC_ALL`, `LC_MESSAGES`, `LANG`), else 'fr'
   */
  lang: Lang;
  /** `LAB_SELF_TEST=1`: test what the runtime does to signals, watchers and cookies. @default false */
  selfTest: boolean;
  /**
   * `LAB_ALLOWED_HOSTS`: host names the lab answers to besides `localhost`, IP literals and its
   * own `LAB_HOST` (any other `Host` gets 403, against DNS rebinding). @default []
   */
  allowedHosts: string[];
  /** Classroom mode (`npm run classroom`): every control write needs the instructor's key. @default null */
  classroom?: { key: string } | null;
}

/** A configuration mistake, with a message that says what to change, in both languages. */
export class ConfigError extends LocalizedError {}

export const MIN_INSTANCES = 1;
export const MAX_INSTANCES = 8;

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultAppDir = path.resolve(here, '../labs/sessions/app');

/** What a lab starts with unless its environment says otherwise: its `lab.json`'s values. */
export interface LabConfigDefaults {
  /** @default 3 */
  instances?: number;
  /** @default 'memory' */
  sessionStore?: SessionStoreKind;
}

/** The app folder the environment names (`LAB_APP_DIR`), or the sessions lab's. */
export function appDirFrom(env: NodeJS.ProcessEnv): string {
  return path.resolve(env['LAB_APP_DIR'] || defaultAppDir);
}

/**
 * Reads and checks the lab's environment; throws a ConfigError that names the variable at fault.
 * `defaults` come from the lab's own `lab.json` (see readLabDefaults); the environment overrides them.
 */
export function readLabConfig(env: NodeJS.ProcessEnv, defaults: LabConfigDefaults = {}): LabConfig {
  try {
    return readCheckedConfig(env, defaults);
  } catch (error) {
    // The mistake is told in the language this same environment asks for (LAB_LANG, the locale).
    if (error instanceof ConfigError) throw new ConfigError(error.texts, labLanguage(env));
    throw error;
  }
}

function readCheckedConfig(env: NodeJS.ProcessEnv, defaults: LabConfigDefaults): LabConfig {
  const port = readInteger(env, 'LAB_PORT', 3000, 0, 65535);
  const instances = readInteger(
    env,
    'INSTANCES',
    defaults.instances ?? 3,
    MIN_INSTANCES,
    MAX_INSTANCES,
  );
  const sessionStore = env['SESSION_STORE'] || defaults.sessionStore || 'memory';
  if (sessionStore !== 'memory' && sessionStore !== 'redis') {
    throw new ConfigError({
      fr: `SESSION_STORE doit valoir "memory" ou "redis", pas "${sessionStore}".`,
      en: `SESSION_STORE must be "memory" or "redis", not "${sessionStore}".`,
    });
  }
  const redisUrl = env['REDIS_URL'] || null;
  if (redisUrl !== null) parseRedisUrl(redisUrl);
  return {
    host: env['LAB_HOST'] || '127.0.0.1',
    port,
    instances,
    sessionStore,
    redisUrl,
    appDir: appDirFrom(env),
    sessionSecret: env['SESSION_SECRET'] || randomBytes(24).toString('base64url'),
    watch: env['LAB_WATCH'] !== '0',
    allowedHosts: parseAllowedHosts(env['LAB_ALLOWED_HOSTS']),
    lang: readLanguage(env),
    taskTimeoutMs: readInteger(env, 'LAB_TASK_TIMEOUT_MS', 30_000, 100, 600_000),
    ...readRuntimeConditions(env),
  };
}

const WATCH_MODES: readonly WatchMode[] = ['per-file', 'recursive', 'polling'];

// What the runtime that starts the lab tells it about itself (WebContainer sets these).
function readRuntimeConditions(
  env: NodeJS.ProcessEnv,
): Pick<LabConfig, 'watchMode' | 'stopGraceMs' | 'framed' | 'selfTest'> {
  const watchMode = env['LAB_WATCH_MODE'] || 'per-file';
  if (!(WATCH_MODES as readonly string[]).includes(watchMode)) {
    const modes = WATCH_MODES.map((mode) => `"${mode}"`).join(', ');
    throw new ConfigError({
      fr: `LAB_WATCH_MODE doit valoir ${modes}, pas "${watchMode}".`,
      en: `LAB_WATCH_MODE must be ${modes}, not "${watchMode}".`,
    });
  }
  return {
    watchMode: watchMode as WatchMode,
    stopGraceMs: readInteger(env, 'LAB_STOP_GRACE_MS', 10_000, 0, 600_000),
    framed: readFlag(env, 'LAB_FRAMED'),
    selfTest: readFlag(env, 'LAB_SELF_TEST'),
  };
}

// LAB_LANG is checked; the system's locale is only a hint, since C.UTF-8 or de_DE are common.
function readLanguage(env: NodeJS.ProcessEnv): Lang {
  const raw = env['LAB_LANG'];
  if (raw !== undefined && raw !== '' && raw !== 'fr' && raw !== 'en') {
    throw new ConfigError({
      fr: `LAB_LANG doit valoir "fr" ou "en", pas "${raw}".`,
      en: `LAB_LANG must be "fr" or "en", not "${raw}".`,
    });
  }
  return labLanguage(env);
}

function readFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError({
    fr: `${name} doit valoir 1 ou 0, pas "${raw}".`,
    en: `${name} must be 1 or 0, not "${raw}".`,
  });
}

/** Splits a `redis://` URL into the address to reach; throws a ConfigError when it is not one. */
export function parseRedisUrl(value: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError({
      fr: `REDIS_URL n'est pas une URL : "${value}". Exemple : redis://127.0.0.1:6379`,
      en: `REDIS_URL is not a URL: "${value}". Example: redis://127.0.0.1:6379`,
    });
  }
  if (url.protocol !== 'redis:') {
    throw new ConfigError({
      fr: `REDIS_URL doit commencer par redis:// (TLS n'est pas pris en charge), pas "${url.protocol}//".`,
      en: `REDIS_URL must start with redis:// (TLS is not supported), not "${url.protocol}//".`,
    });
  }
  return { host: url.hostname || '127.0.0.1', port: url.port ? Number(url.port) : 6379 };
}

function readInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError({
      fr: `${name} doit être un nombre entier de ${min} à ${max}, pas "${raw}".`,
      en: `${name} must be a whole number from ${min} to ${max}, not "${raw}".`,
    });
  }
  return value;
}
