/**
 * Pre-built bundles for a local lab, as a packaged lab has them (sandboxes/pack.ts builds both,
 * with the same code): the app's dependencies (express, express-session, redis, connect-redis)
 * as one file each, and the instance preload as plain JavaScript. An instance then loads a few
 * files instead of hundreds, and its preload without Node's TypeScript stripper.
 *
 * They live in node_modules/.cache/lab-bundles/<key>/, where the key is the SHA-256 of the lock
 * and of the bundler's code: a new lock is a new key, so a bundle is never used with
 * node_modules it was not built from. They are built at the first start after a change, checked
 * at every start (by size and time, and byte for byte when either differs: a damaged one is
 * built again), and those of older keys are removed once no lab has used them for a day.
 * The instance's side, the resolve hook that hands them to the app, is bundle-hooks.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config.ts';
import {
  BUNDLE_MANIFEST_VARIABLE,
  bilingual,
  type BundleManifest,
  type DependencyBundle,
} from './bundle-hooks.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const platformDir = fileURLToPath(new URL('./', import.meta.url));
// Named through a URL rather than a literal, so that a packaged lab's bundle of the platform
// (which never builds bundles: it ships them) does not pull the bundler and esbuild into itself.
const packUrl = new URL('../pack.ts', import.meta.url).href;

/** The SHA-256 of some bytes, in hex. */
function sha256(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

/** `LAB_BUNDLES`: which bundles the lab uses, `dependencies,preload` by default, `0` for none. */
export const BUNDLES_VARIABLE = 'LAB_BUNDLES';
/** `LAB_BUNDLE_CACHE`: where the bundles are kept. @default node_modules/.cache/lab-bundles */
export const BUNDLE_CACHE_VARIABLE = 'LAB_BUNDLE_CACHE';
/** The kinds of bundle `LAB_BUNDLES` can name. */
export const BUNDLE_KINDS = ['dependencies', 'preload'] as const;
type BundleKind = (typeof BUNDLE_KINDS)[number];

/** Where the bundles are, once `prepareBundles` has them ready. */
export interface PreparedBundles {
  /** The manifest of the dependencies' bundles, or null when they are not used. */
  manifest: string | null;
  /** The instance preload as JavaScript, or null when the TypeScript one is used. */
  preload: string | null;
}

/** What the bundles' key covers: the lock, and the code that turns packages into bundles. */
export function bundleKey(lockText: string, bundlerTexts: string[]): string {
  return sha256([lockText, ...bundlerTexts].join('\0'));
}

/** The kinds of bundle `LAB_BUNDLES` asks for; unknown names are refused. */
export function bundleKinds(value: string | undefined): Set<BundleKind> {
  if (value === undefined || value.trim() === '') return new Set(BUNDLE_KINDS);
  if (value.trim() === '0') return new Set();
  const kinds = new Set<BundleKind>();
  for (const name of value.split(',').map((part) => part.trim())) {
    if (!(BUNDLE_KINDS as readonly string[]).includes(name)) {
      throw new ConfigError(
        bilingual(
          `${BUNDLES_VARIABLE}=${value} : « ${name} » n'est pas une sorte de paquet ; mettez 0, ou certaines de ${BUNDLE_KINDS.join(', ')}.`,
          `${BUNDLES_VARIABLE}=${value}: "${name}" is not a kind of bundle; use 0, or some of ${BUNDLE_KINDS.join(', ')}.`,
        ),
      );
    }
    kinds.add(name as BundleKind);
  }
  return kinds;
}

// The platform's own TypeScript files beside the preload: the preload and everything it imports
// are among them (it imports nothing from elsewhere), so their content keys its bundle.
function platformSources(): string[] {
  return fs
    .readdirSync(platformDir)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => path.join(platformDir, name));
}

// A folder is written under a temporary name and renamed once complete, so a lab that starts
// at the same moment, or one killed while building, never sees half of it.
function publish(folder: string, write: (temporary: string) => void): void {
  const temporary = `${folder}.${process.pid}-${Date.now()}.tmp`;
  fs.mkdirSync(temporary, { recursive: true });
  try {
    write(temporary);
    fs.rmSync(folder, { recursive: true, force: true });
    fs.renameSync(temporary, folder);
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    // Another lab published the same folder first: theirs is as good as ours.
    if (!fs.existsSync(folder)) throw error;
  }
}

/** Bundles of another key are kept this long after their last use: a lab may still run them. */
const KEEP_UNUSED_MS = 24 * 60 * 60 * 1000;

// Marks what this lab uses as used now, and removes from its folder what no lab has used for a
// day. Not at once: another lab started before a change (of the lock, of the platform's files)
// still starts its instances from the bundles of its own start, which must not vanish under it.
function keepInUse(current: string, folder: string): void {
  const now = new Date();
  fs.utimesSync(current, now, now);
  for (const name of fs.readdirSync(folder)) {
    const entry = path.join(folder, name);
    if (entry === current || name === 'preload') continue;
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (stat && now.getTime() - stat.mtimeMs > KEEP_UNUSED_MS) {
      fs.rmSync(entry, { recursive: true, force: true });
    }
  }
}

/** Why bundles are built, in the lab's language. */
type Reason = string;

// The reason a manifest cannot be used as it is, or null when every bundle is as it was built.
function brokenBundle(manifest: BundleManifest, names: readonly string[]): Reason | null {
  for (const name of names) {
    const bundle = manifest.bundles[name];
    if (!bundle) return bilingual(`${name} n'a pas de paquet`, `${name} has no bundle`);
    const stat = fs.statSync(bundle.file, { throwIfNoEntry: false });
    if (!stat) return bilingual(`${bundle.file} manque`, `${bundle.file} is missing`);
    // The size and time it was written with: as built, without reading 1.4 MB at every start.
    // Anything else (a copy, an edit, a disk that filled up) is compared byte for byte.
    const asWritten = stat.size === bundle.size && stat.mtimeMs === bundle.mtimeMs;
    if (!asWritten && sha256(fs.readFileSync(bundle.file)) !== bundle.sha256) {
      return bilingual(`${bundle.file} est abîmé`, `${bundle.file} is damaged`);
    }
    if (import.meta.resolve(name) !== bundle.source) {
      return bilingual(`${name} se trouve ailleurs`, `${name} now resolves elsewhere`);
    }
  }
  return null;
}

function readManifest(file: string): BundleManifest | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as BundleManifest;
  } catch {
    return null;
  }
}

// The same lock, rewritten (npm touches it): the bundles still match, only the stamp the
// instances compare is renewed, or they would take the lock for changed.
function refreshLockStamp(manifest: BundleManifest, manifestFile: string, lockFile: string): void {
  const lock = fs.statSync(lockFile);
  if (lock.size === manifest.lock.size && lock.mtimeMs === manifest.lock.mtimeMs) return;
  const renewed = { ...manifest, lock: { file: lockFile, size: lock.size, mtimeMs: lock.mtimeMs } };
  const temporary = `${manifestFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(renewed, null, 2)}\n`);
  fs.renameSync(temporary, manifestFile);
}

async function buildDependencies(
  folder: string,
  key: string,
  lockFile: string,
  log: (line: string) => void,
  why: Reason,
): Promise<void> {
  const pack = (await import(packUrl)) as typeof import('../pack.ts');
  const names = pack.APP_DEPENDENCIES;
  log(
    bilingual(
      `assemblage des paquets de l'app (${names.join(', ')}) pour ce package-lock.json, une fois (${why})`,
      `bundling the app's packages (${names.join(', ')}) for this package-lock.json, once (${why})`,
    ),
  );
  const texts = await Promise.all(names.map((name) => pack.bundleDependency(name)));
  const lock = fs.statSync(lockFile);
  publish(folder, (temporary) => {
    const bundles: Record<string, DependencyBundle> = {};
    names.forEach((name, index) => {
      const text = texts[index]!;
      const file = path.join(folder, `${name.replaceAll('/', '+')}.mjs`);
      const written = path.join(temporary, path.basename(file));
      fs.writeFileSync(written, text);
      bundles[name] = {
        file,
        sha256: sha256(text),
        size: Buffer.byteLength(text),
        // Renaming the folder keeps it.
        mtimeMs: fs.statSync(written).mtimeMs,
        source: import.meta.resolve(name),
      };
    });
    const manifest: BundleManifest = {
      key,
      lock: { file: lockFile, size: lock.size, mtimeMs: lock.mtimeMs },
      bundles,
    };
    fs.writeFileSync(
      path.join(temporary, 'manifest.json'),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
  });
}

async function preparePreload(cache: string, log: (line: string) => void): Promise<string> {
  const key = sha256(
    platformSources()
      .map((file) => fs.readFileSync(file))
      .join('\0'),
  ).slice(0, 16);
  const file = path.join(cache, 'preload', `instance-preload-${key}.mjs`);
  if (fs.existsSync(file)) {
    keepInUse(file, path.dirname(file));
    return file;
  }
  const pack = (await import(packUrl)) as typeof import('../pack.ts');
  const text = await pack.bundle(path.join(platformDir, 'instance-preload.ts'));
  // Written under a temporary name and renamed, so that no instance ever loads half of it.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
  const shown = file.startsWith(root) ? path.relative(root, file) : file;
  log(
    bilingual(
      `préchargement des instances assemblé en JavaScript (${shown})`,
      `instance preload bundled as JavaScript (${shown})`,
    ),
  );
  keepInUse(file, path.dirname(file));
  return file;
}

/**
 * Makes sure the bundles `LAB_BUNDLES` asks for are built, whole and current, and returns where
 * they are. Building needs esbuild (a dev dependency): where it cannot be done, the lab says why
 * and its instances load their packages from node_modules, as they did before bundles.
 */
export async function prepareBundles(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => {},
): Promise<PreparedBundles> {
  const kinds = bundleKinds(env[BUNDLES_VARIABLE]);
  const cache = env[BUNDLE_CACHE_VARIABLE] || path.join(root, 'node_modules/.cache/lab-bundles');
  const prepared: PreparedBundles = { manifest: null, preload: null };
  try {
    if (kinds.has('dependencies')) prepared.manifest = await prepareDependencies(cache, log);
    if (kinds.has('preload')) prepared.preload = await preparePreload(cache, log);
  } catch (error) {
    log(
      bilingual(
        `les paquets pré-assemblés ne peuvent pas être construits (${(error as Error).message}) : les instances chargent leurs paquets depuis node_modules, plus lentement. Lancez npm ci pour avoir esbuild.`,
        `the pre-built bundles cannot be built (${(error as Error).message}): the instances load their packages from node_modules, more slowly. Run npm ci to get esbuild.`,
      ),
    );
  }
  return prepared;
}

async function prepareDependencies(cache: string, log: (line: string) => void): Promise<string> {
  const lockFile = path.join(root, 'package-lock.json');
  const bundler = [fileURLToPath(packUrl), fileURLToPath(import.meta.url)];
  const key = bundleKey(
    fs.readFileSync(lockFile, 'utf8'),
    bundler.map((file) => fs.readFileSync(file, 'utf8')),
  );
  const folder = path.join(cache, key.slice(0, 16));
  const manifestFile = path.join(folder, 'manifest.json');
  const manifest = readManifest(manifestFile);
  const names = manifest ? Object.keys(manifest.bundles) : [];
  const broken = manifest
    ? manifest.key !== key
      ? bilingual('leur clé ne correspond pas', 'their key does not match')
      : brokenBundle(manifest, names)
    : bilingual('aucun encore pour ce package-lock.json', 'none built for this lock yet');
  if (broken) await buildDependencies(folder, key, lockFile, log, broken);
  else refreshLockStamp(manifest!, manifestFile, lockFile);
  keepInUse(folder, cache);
  return manifestFile;
}

/**
 * Prepares the bundles and hands them to the instances the lab is about to start, through the
 * environment they inherit: the orchestrator names `LAB_INSTANCE_PRELOAD` as their preload, and
 * the preload reads `LAB_BUNDLE_MANIFEST`. A runtime that names its own preload (a packaged lab,
 * which ships its bundles in its node_modules) is left as it is.
 */
export async function useBundlesForInstances(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (env['LAB_INSTANCE_PRELOAD']) return;
  const prepared = await prepareBundles(env, log);
  if (prepared.manifest) env[BUNDLE_MANIFEST_VARIABLE] = prepared.manifest;
  if (prepared.preload) env['LAB_INSTANCE_PRELOAD'] = prepared.preload;
}
