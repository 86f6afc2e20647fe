/**
 * The packaged lab as the site's build serves it (sandboxes/pack.ts): one file tree with the
 * platform, the bundled dependencies, `lab.json`, the learner's `app/`, and for an exercise its
 * `solution/` and `run-checks.js`. Read and checked once, when it arrives.
 */
import type { FileTree } from '../../sandboxes/pack.ts';

/** The parts of the packaged tree a runtime works with. */
export interface PackagedLab {
  tree: FileTree;
  /** The files the learner may edit, relative to `app/`. */
  editable: string[];
  /** Every starting file of `app/`, by path relative to it. */
  app: Map<string, string>;
  /** The solution's files, by path relative to `solution/`, or null for a lab to explore. */
  solution: Map<string, string> | null;
  hasChecks: boolean;
}

/** Downloads a packaged lab's file tree from the site. */
export async function fetchLabTree(url: string): Promise<FileTree> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return (await response.json()) as FileTree;
}

/** Checks a packaged tree against the lab it should be and reads what the runtime needs from it. */
export function readPackagedLab(tree: FileTree, labId: string): PackagedLab {
  const manifestText = fileOf(tree, 'lab.json');
  const app = folderOf(tree, 'app');
  if (manifestText === null || app === null || fileOf(tree, 'lab.js') === null) {
    throw new Error(`The packaged lab "${labId}" lacks lab.json, lab.js or app/.`);
  }
  const manifest = JSON.parse(manifestText) as { id?: unknown; editable?: unknown };
  if (manifest.id !== labId) {
    throw new Error(`The packaged lab is "${String(manifest.id)}", not "${labId}".`);
  }
  const editable = manifest.editable;
  if (
    !Array.isArray(editable) ||
    !editable.every((name): name is string => typeof name === 'string' && isPlainRelativePath(name))
  ) {
    throw new Error(`The packaged lab "${labId}" has a malformed "editable" list.`);
  }
  const solution = folderOf(tree, 'solution');
  return {
    tree,
    editable,
    app: flattenTree(app),
    solution: solution ? flattenTree(solution) : null,
    hasChecks: fileOf(tree, 'run-checks.js') !== null,
  };
}

/** Every file of a tree folder, by path relative to it. */
export function flattenTree(tree: FileTree, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, node] of Object.entries(tree)) {
    if ('directory' in node) {
      for (const [path, contents] of flattenTree(node.directory, `${prefix}${name}/`)) {
        files.set(path, contents);
      }
    } else {
      files.set(`${prefix}${name}`, node.file.contents);
    }
  }
  return files;
}

function folderOf(tree: FileTree, name: string): FileTree | null {
  const node = tree[name];
  return node && 'directory' in node ? node.directory : null;
}

function fileOf(tree: FileTree, name: string): string | null {
  const node = tree[name];
  return node && 'file' in node ? node.file.contents : null;
}

// An editable name is a plain relative path inside `app/`; anything else in a manifest is a bug.
function isPlainRelativePath(name: string): boolean {
  return (
    name !== '' &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    name.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}
