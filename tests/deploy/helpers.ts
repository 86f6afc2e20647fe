// Readers for the production files of the sessions lab, shared by the deploy tests.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The folder that holds the Dockerfile, compose.yaml and k8s/. */
export const deployDir = path.resolve('sandboxes/labs/sessions/deploy');

/** The port the app listens on in every production file; the lab's instances get theirs from PORT too. */
export const APP_PORT = 8080;

/** One instruction of a Dockerfile: its keyword in capitals and the rest of the line. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  /** The line the instruction starts on, counting from 1. */
  line: number;
}

/**
 * Splits a Dockerfile into instructions, line by line: comments and blank lines are dropped, and a
 * line ending with a backslash continues on the next one (comment lines inside are skipped, as
 * Docker does).
 */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending: { parts: string[]; line: number } | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === null)) return;
    const continues = line.endsWith('\\');
    const content = continues ? line.slice(0, -1) : line;
    if (pending === null) pending = { parts: [], line: index + 1 };
    pending.parts.push(content.trim());
    if (continues) return;
    const joined = pending.parts.filter((part) => part !== '').join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (!match) throw new Error(`Line ${pending.line}: cannot read "${joined}".`);
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = null;
  });
  if (pending !== null) throw new Error('The Dockerfile ends in the middle of an instruction.');
  return instructions;
}

/** Reads the exec (JSON array) form of CMD, ENTRYPOINT or HEALTHCHECK's command; null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.trimStart().startsWith('[')) return null;
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`Not a JSON array of strings: ${args}`);
  }
  return value;
}

/** A Kubernetes object as read from YAML, with the file it came from. */
export interface ManifestObject {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: unknown;
  [field: string]: unknown;
}

/** Every object of every YAML file in deploy/k8s/, in file order; throws on a YAML error. */
export function readManifests(): ManifestObject[] {
  const dir = path.join(deployDir, 'k8s');
  const objects: ManifestObject[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()) {
    const documents = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream.`);
    for (const document of documents) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      const value: unknown = document.toJS();
      if (value === null) continue;
      objects.push({ ...(value as ManifestObject), file });
    }
  }
  return objects;
}

/** Finds the one object of a kind and name; fails the test with a clear message otherwise. */
export function findObject<T = ManifestObject>(
  objects: ManifestObject[],
  kind: string,
  name: string,
): T {
  const matches = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  if (matches.length !== 1) {
    throw new Error(`Expected one ${kind} named ${name} in deploy/k8s, found ${matches.length}.`);
  }
  return matches[0] as T;
}
