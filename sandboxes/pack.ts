/**
 * Packages a lab for a runtime that cannot run `npm install` or TypeScript (WebContainer): the
 * platform and the store as two JavaScript bundles for Node 22 (WebContainer's) and later, the app's
 * dependencies as one bundle each in a small node_modules, and the lab's own files as they are.
 * The result is a WebContainer `FileSystemTree`, which can also be written to any folder and
 * run there with plain `node lab.js`.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isExercise,
  layOutLab,
  layoutTree,
  listLabs,
  readManifest,
  solutionFiles,
  type FileTree,
} from './labs/lab-model.ts';

export type { FileTree } from './labs/lab-model.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The packages the labs' app files import; each becomes one bundle that imports the others. */
export const APP_DEPENDENCIES = ['express', 'express-session', 'connect-redis', 'redis'];

// Bundles are ES modules; some bundled packages still call require() for Node's own modules.
const REQUIRE_SHIM =
  "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);";

/** One entry (a file, or a module's text) as a minified ES module for Node 22 and later. */
export async function bundle(
  entry: string | { contents: string },
  options: { external?: string[] } = {},
): Promise<string> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: root, sourcefile: 'entry.mjs' } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    minify: true,
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    external: options.external ?? [],
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${JSON.stringify(entry)}`);
  return output.text;
}

/** One dependency as a module that re-exports everything the package exports. */
export async function bundleDependency(name: string): Promise<string> {
  const others = APP_DEPENDENCIES.filter((other) => other !== name);
  const module = (await import(name)) as Record<string, unknown>;
  const named = Object.keys(module).filter(
    (key) => key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key),
  );
  const lines = 'default' in module ? [`export { default } from '${name}';`] : [];
  if (named.length > 0) lines.push(`export { ${named.join(', ')} } from '${name}';`);
  return bundle({ contents: lines.join('\n') }, { external: others });
}

function readFolder(folder: string): FileTree {
  const tree: FileTree = {};
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue;
      tree[entry.name] = { directory: readFolder(full) };
    } else if (entry.isFile()) {
      tree[entry.name] = { file: { contents: fs.readFileSync(full, 'utf8') } };
    }
  }
  return tree;
}

// Inside a WebContainer the checks run as a process of their own, which prints its results as
// its last line of output for the runtime to read.
const RUN_CHECKS = `// Runs this lab's checks against the running lab: node run-checks.js [lab URL]
import { check } from './checks/check.js';
const results = await check(process.argv[2] ?? 'http://127.0.0.1:3000/');
console.log(JSON.stringify({ results }));
`;

// After Solve or Reset the runtime waits in the container for the rollout of the new files, with
// the very waiter the local host uses: one JSON line, exit code 0 when it went well.
const WAIT_ROLLOUT = `import { waitForRollout } from './sandboxes/platform/rollout-wait.ts';
const outcome = await waitForRollout(process.argv[2] ?? 'http://127.0.0.1:3000/');
console.log(JSON.stringify(outcome));
process.exitCode = outcome.ok ? 0 : 1;
`;

let shared: Promise<FileTree> | null = null;

// What every lab shares: the platform, the store, the dashboard and the dependencies.
function sharedFiles(): Promise<FileTree> {
  shared ??= (async () => {
    const [lab, store, waitRollout, ...dependencies] = await Promise.all([
      bundle(path.join(root, 'sandboxes/platform/packaged.ts')),
      bundle(path.join(root, 'sandboxes/platform/store/main.ts')),
      bundle({ contents: WAIT_ROLLOUT }),
      ...APP_DEPENDENCIES.map(bundleDependency),
    ]);
    const modules: FileTree = {};
    APP_DEPENDENCIES.forEach((name, index) => {
      modules[name] = {
        directory: {
          'package.json': {
            file: { contents: JSON.stringify({ name, type: 'module', main: 'index.js' }) },
          },
          'index.js': { file: { contents: dependencies[index]! } },
        },
      };
    });
    return {
      'lab.js': { file: { contents: lab! } },
      'store.js': { file: { contents: store! } },
      // Loaded into each instance before the app: it reports the app's port and ends the
      // instance when the lab is gone (see platform/instance-preload.ts).
      'instance-preload.js': {
        file: { contents: await bundle(path.join(root, 'sandboxes/platform/instance-preload.ts')) },
      },
      'wait-rollout.js': { file: { contents: waitRollout! } },
      dashboard: {
        directory: {
          assets: { directory: readFolder(path.join(root, 'sandboxes/platform/dashboard/assets')) },
        },
      },
      node_modules: { directory: modules },
    };
  })();
  return shared;
}

/**
 * Builds the file tree of one lab, ready to mount in a WebContainer or to write to a folder: the
 * lab laid out (its base lab's app, its own files, the shared checks client, the resolved
 * lab.json) and, for an exercise, its solution files, which Solve writes over app/.
 */
export async function packageLab(id: string): Promise<FileTree> {
  const manifest = readManifest(id);
  const laidOut = layoutTree(layOutLab(id));
  const tree: FileTree = {
    ...(await sharedFiles()),
    'package.json': {
      file: {
        contents: `${JSON.stringify(
          {
            name: `lab-${id}`,
            private: true,
            type: 'module',
            scripts: { lab: 'node lab.js' },
          },
          null,
          2,
        )}\n`,
      },
    },
    ...laidOut,
  };
  if (isExercise(manifest)) {
    tree['solution'] = {
      directory: layoutTree(new Map(solutionFiles(id))),
    };
    tree['run-checks.js'] = { file: { contents: RUN_CHECKS } };
  }
  return tree;
}

/** Writes a file tree into a folder, as WebContainer's `mount()` would. */
export function writeTree(tree: FileTree, folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  for (const [name, node] of Object.entries(tree)) {
    const target = path.join(folder, name);
    if ('directory' in node) writeTree(node.directory, target);
    else fs.writeFileSync(target, node.file.contents);
  }
}

// `node sandboxes/pack.ts <lab> <folder>` writes a packaged lab to a folder.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [id, folder] = process.argv.slice(2);
  if (!id || !folder) {
    console.error(
      `usage: node sandboxes/pack.ts <lab> <folder>   (labs: ${listLabs().join(', ')})`,
    );
    process.exit(2);
  }
  writeTree(await packageLab(id), folder);
  console.log(`${id} packaged into ${folder}; run it with: cd ${folder} && node lab.js`);
}
