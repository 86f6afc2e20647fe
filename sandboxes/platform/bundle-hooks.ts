/**
 * The instance's side of the dependency bundles (see bundles.ts, which builds them): a
 * synchronous resolve hook that hands the app the pre-built bundle of `express` (and the other
 * packages the labs use) wherever Node would have loaded that package's entry file from
 * node_modules. One file then loads instead of the package's hundreds, and the learner's
 * `import express from 'express'` stays exactly as it is.
 *
 * Loaded by the instance preload, so it must stay small and import nothing but Node's own
 * modules and files of this folder: the preload is bundled from this folder's files.
 */
import fs from 'node:fs';
import module from 'node:module';
import { pathToFileURL } from 'node:url';

/** The variable through which the lab names the bundles' manifest to its instances. */
export const BUNDLE_MANIFEST_VARIABLE = 'LAB_BUNDLE_MANIFEST';

/** One package's bundle, as the manifest records it. */
export interface DependencyBundle {
  /** The bundle's file. */
  file: string;
  /** The SHA-256 of the file's content as it was built, in hex. */
  sha256: string;
  /** The file's size in bytes as it was built. */
  size: number;
  /** The file's modification time as it was built, in ms (absent from older manifests). */
  mtimeMs?: number;
  /** The URL Node's own resolution gives for the package: the file the bundle replaces. */
  source: string;
}

/** What bundles.ts writes beside the bundles once they are all built. */
export interface BundleManifest {
  /** The SHA-256 of what the bundles were built from (the lock and the bundler's code). */
  key: string;
  /** The lock the bundles were built from, and its size and time when they were. */
  lock: { file: string; size: number; mtimeMs: number };
  bundles: Record<string, DependencyBundle>;
}

// The size in bytes of a module's source as a load hook gets it; -1 when there is none.
function byteLength(
  source: string | ArrayBuffer | NodeJS.ArrayBufferView | null | undefined,
): number {
  if (source == null) return -1;
  return typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength;
}

/** A sentence for a person, in French and English, as the lab prints it (`LAB_LANG`). */
export function bilingual(fr: string, en: string): string {
  return process.env['LAB_LANG'] === 'en' ? en : fr;
}

/** A bundle that cannot be used as it is: the instance stops with this, never loads another copy. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/**
 * Reads the manifest and makes this process load each bundled package from its bundle. When the
 * lock changed since the bundles were built (someone ran `npm install` while the lab ran), the
 * bundles may no longer match node_modules: this process then says so and loads from
 * node_modules, and the lab's next start builds them again.
 */
export function useDependencyBundles(manifestFile: string): void {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new BundleError(
      bilingual(
        `Le manifeste des paquets pré-assemblés du lab (${manifestFile}) est illisible (${(error as Error).message}) : relancez le lab, qui les assemble à nouveau.`,
        `The manifest of the lab's pre-built bundles (${manifestFile}) cannot be read (${(error as Error).message}): restart the lab, which builds them anew.`,
      ),
    );
  }
  const lock = fs.statSync(manifest.lock.file, { throwIfNoEntry: false });
  if (!lock || lock.size !== manifest.lock.size || lock.mtimeMs !== manifest.lock.mtimeMs) {
    console.error(
      bilingual(
        `lab : ${manifest.lock.file} a changé depuis l'assemblage des paquets ; cette instance les charge depuis node_modules. Relancez le lab pour les assembler à nouveau.`,
        `lab: ${manifest.lock.file} changed since the bundles were built; this instance loads its packages from node_modules. Restart the lab to build them again.`,
      ),
    );
    return;
  }
  const byUrl = new Map<string, [name: string, bundle: DependencyBundle]>();
  for (const [name, bundle] of Object.entries(manifest.bundles)) {
    byUrl.set(pathToFileURL(bundle.file).href, [name, bundle]);
  }
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const bundle = Object.hasOwn(manifest.bundles, specifier)
        ? manifest.bundles[specifier]
        : undefined;
      // Only where Node itself would load the very file the bundle was built from: a package
      // of another version nested in some node_modules, or reached by require(), is left alone.
      if (!bundle || resolved.url !== bundle.source) return resolved;
      return { url: pathToFileURL(bundle.file).href, format: 'module', shortCircuit: true };
    },
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      const entry = byUrl.get(url);
      // A bundle cut short (a disk that filled up, an editor that saved half of it) stops the
      // instance with a sentence that names the file, never with a syntax error deep inside
      // it, nor with a quiet second copy from node_modules. The lab checks the bundles when it
      // starts (bundles.ts: size and time, every byte when they differ); here the size is enough,
      // and costs nothing.
      if (entry && byteLength(loaded.source) !== entry[1].size) {
        throw new BundleError(
          bilingual(
            `Le paquet pré-assemblé de ${entry[0]} (${entry[1].file}) est abîmé : son contenu n'est plus celui qui a été assemblé. Relancez le lab : il vérifie ses paquets au démarrage et assemble à nouveau celui qui est abîmé.`,
            `The pre-built bundle of ${entry[0]} (${entry[1].file}) is damaged: its content is no longer what was built. Restart the lab: it checks its bundles when it starts and builds a damaged one again.`,
          ),
        );
      }
      return loaded;
    },
  });
}
