// Writes `sandboxes/labs/sessions/deploy/package-lock.json` from the root lock file, so that the
// container image installs exactly the versions the lab runs and is tested with.
//
//   node scripts/deploy-lock.ts          write the file
//   node scripts/deploy-lock.ts --check  exit 1 when the file is missing or out of date
//
// The lock is a subset of the root one: the runtime dependencies named in the deploy folder's
// package.json and everything they need, at the same paths, versions and integrity hashes. A
// subset of a valid tree is still valid, since Node resolves each package from its own path up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One package entry of an npm lock file (version 3), with the fields this script reads. */
export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  peer?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

/** An npm lock file, version 3. */
export interface LockFile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires: boolean;
  packages: Record<string, LockEntry>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
/** The folder of the production files. */
export const deployDir = path.join(root, 'sandboxes/labs/sessions/deploy');

/** Finds where Node would load `name` from when it is required by the package at `from`. */
export function resolveInLock(
  packages: Record<string, LockEntry>,
  from: string,
  name: string,
): string | null {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return null;
    // Go up one package: strip the last `node_modules/<name>` (a scoped name has two parts).
    const index = base.lastIndexOf('node_modules/');
    base = index <= 0 ? '' : base.slice(0, index - 1);
  }
}

/** Builds the deploy lock from the root lock and the deploy folder's package.json. */
export function buildDeployLock(
  rootLock: LockFile,
  manifest: { name: string; version: string; dependencies: Record<string, string> },
): LockFile {
  const packages: Record<string, LockEntry> = {
    '': {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
    },
  };
  const pending: [string, string][] = Object.keys(manifest.dependencies).map((name) => ['', name]);
  while (pending.length > 0) {
    const [from, name] = pending.shift()!;
    const at = resolveInLock(rootLock.packages, from, name);
    if (at === null)
      throw new Error(`${name} (needed by ${from || 'the app'}) is not in the root lock.`);
    if (packages[at]) continue;
    const entry: LockEntry = { ...rootLock.packages[at] };
    // Every package of this lock is a runtime one; the root lock's dev marks do not apply here.
    delete entry.dev;
    delete entry.devOptional;
    packages[at] = entry;
    const needs = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer, range] of Object.entries(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[peer]?.optional) needs[peer] = range;
    }
    for (const dependency of Object.keys(needs)) pending.push([at, dependency]);
  }
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: sorted,
  };
}

/** The deploy lock as it should be written, from the files on disk. */
export function expectedDeployLock(): string {
  const rootLock = JSON.parse(
    fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'),
  ) as LockFile;
  const manifest = JSON.parse(fs.readFileSync(path.join(deployDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
  };
  return `${JSON.stringify(buildDeployLock(rootLock, manifest), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = path.join(deployDir, 'package-lock.json');
  const expected = expectedDeployLock();
  if (process.argv.includes('--check')) {
    const actual = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (actual !== expected) {
      console.error(`${file} is out of date: run node scripts/deploy-lock.ts`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(file, expected);
    console.log(`wrote ${path.relative(root, file)}`);
  }
}
