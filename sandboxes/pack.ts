/**
 * Packages a lab for a runtime that cannot run `npm install` or TypeScript (WebContainer): the
 * platform and the store as two JavaScript bundles for Node 18 and later, the app's
 * dependencies as one bundle each in a small node_modules, and the lab's own files as they are.
 * The result is a WebContainer `FileSystemTree`, which can also be written to any folder and
 * run there with plain `node lab.js`.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A folder in WebContainer's `FileSystemTree` shape. */
export interface FileTree {
  [name: string]: { file: { contents: string } } | { directory: FileTree };
}

/** A lab's `lab.json`. */
export interface LabManifest {
  id: string;
  title: { fr: string; en: string };
  editable: string[];
  sessionStore?: 'memory' | 'redis';
  instances?: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
export const labsDir = path.join(root, 'sandboxes/labs');

// The packages the labs' app files import; each becomes one bundle that imports the others.
const APP_DEPENDENCIES = ['express', 'express-session', 'connect-redis', 'redis'];

// Bundles are ES modules; some bundled packages still call require() for Node's own modules.
const REQUIRE_SHIM =
  "import { createRequire as __labRequire } from 'node:module'; const require = __labRequire(import.meta.url);";

/** The ids of every lab that has a `lab.json`. */
export function listLabs(): string[] {
  return fs
    .readdirSync(labsDir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && fs.existsSync(path.join(labsDir, entry.name, 'lab.json')),
    )
    .map((entry) => entry.name)
    .sort();
}

/** Reads and checks a lab's `lab.json`. */
export function readManifest(id: string): LabManifest {
  const file = path.join(labsDir, id, 'lab.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as LabManifest;
  if (manifest.id !== id) throw new Error(`${file}: "id" is "${manifest.id}", expected "${id}".`);
  if (!Array.isArray(manifest.editable) || manifest.editable.length === 0) {
    throw new Error(`${file}: "editable" must list the files the learner edits.`);
  }
  return manifest;
}

async function bundle(
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
    target: 'node18',
    write: false,
    minify: true,
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    external: options.external ?? [],
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}

// One dependency as a module that re-exports everything the package exports.
async function bundleDependency(name: string): Promise<string> {
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

let shared: Promise<FileTree> | null = null;

// What every lab shares: the platform, the store, the dashboard and the dependencies.
function sharedFiles(): Promise<FileTree> {
  shared ??= (async () => {
    const [lab, store, ...dependencies] = await Promise.all([
      bundle(path.join(root, 'sandboxes/platform/packaged.ts')),
      bundle(path.join(root, 'sandboxes/platform/store/main.ts')),
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

/** Builds the file tree of one lab, ready to mount in a WebContainer or to write to a folder. */
export async function packageLab(id: string): Promise<FileTree> {
  const manifest = readManifest(id);
  const folder = path.join(labsDir, id);
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
    'lab.json': { file: { contents: `${JSON.stringify(manifest, null, 2)}\n` } },
    app: { directory: readFolder(path.join(folder, 'app')) },
  };
  for (const optional of ['solution', 'checks']) {
    const extra = path.join(folder, optional);
    if (fs.existsSync(extra)) tree[optional] = { directory: readFolder(extra) };
  }
  if (tree['checks']) tree['run-checks.js'] = { file: { contents: RUN_CHECKS } };
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
