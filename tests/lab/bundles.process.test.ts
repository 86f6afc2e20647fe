// The app's packages from pre-built bundles (sandboxes/platform/bundles.ts and bundle-hooks.ts),
// through real labs: an instance the lab starts gets express from its bundle while the app's
// `import express from 'express'` is unchanged; a package that is not bundled still loads from
// node_modules; bundles built for another lock are not used but built again (and those no lab
// has used for a day removed); a damaged bundle
// stops a new instance with a sentence that names it, the old instances keep serving, and the
// next start builds it again. Each lab keeps its bundles in a folder of its own, never the
// project's node_modules/.cache, which other labs on this machine use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../sandboxes/platform/bundle-hooks.ts';
import { control, labState, root, startLabProcess, type LabProcess } from './harness.ts';

// The app lives under the project, so that its imports resolve in the project's node_modules as
// a lab's app folder does (.lab-work/ is where `LAB=<lab>` lays labs out, and is ignored by git).
fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });
const work = fs.mkdtempSync(path.join(root, '.lab-work', 'bundles-test-'));
const appDir = path.join(work, 'app');
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bundles-test-'));

// A learner's app: express, which is bundled, and yaml, which is not, imported as anyone would.
const SERVER = `import express from 'express';
import YAML from 'yaml';

const app = express();
app.get('/healthz', (request, response) => response.json({ status: 'ok' }));
app.get('/readyz', (request, response) => response.json({ status: 'ok' }));
// Where each import was taken from, as this very module resolves it.
app.get('/api/where', (request, response) =>
  response.json({
    express: import.meta.resolve('express'),
    yaml: import.meta.resolve('yaml'),
    parsed: YAML.parse('visits: 1'),
  }),
);
app.listen(Number(process.env.PORT), process.env.HOST);
`;

const labs: LabProcess[] = [];

async function start(): Promise<LabProcess> {
  const lab = await startLabProcess({
    LAB_APP_DIR: appDir,
    LAB_BUNDLE_CACHE: cache,
    LAB_WATCH: '0',
    INSTANCES: '1',
  });
  labs.push(lab);
  return lab;
}

async function where(lab: LabProcess): Promise<{ express: string; yaml: string; parsed: unknown }> {
  const response = await fetch(new URL('api/where', lab.url));
  expect(response.status).toBe(200);
  return (await response.json()) as { express: string; yaml: string; parsed: unknown };
}

// The one folder of bundles the cache holds, besides the preload's.
function bundleFolder(): string {
  const folders = fs
    .readdirSync(cache)
    .filter((name) => name !== 'preload' && !name.endsWith('.tmp'));
  expect(folders).toHaveLength(1);
  return path.join(cache, folders[0]!);
}

function readManifest(): BundleManifest {
  return JSON.parse(
    fs.readFileSync(path.join(bundleFolder(), 'manifest.json'), 'utf8'),
  ) as BundleManifest;
}

beforeAll(() => {
  fs.mkdirSync(appDir, { recursive: true });
  fs.writeFileSync(path.join(appDir, 'server.js'), SERVER);
});

afterAll(async () => {
  await Promise.all(labs.map((lab) => lab.stop()));
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('bundles of the app packages', () => {
  it('give an instance express from its bundle, and a package not bundled from node_modules', async () => {
    const lab = await start();
    expect(lab.output()).toMatch(
      /lab: bundling the app's packages \(express, [^)]*\) for this package-lock.json, once \(none built for this lock yet\)/,
    );
    const found = await where(lab);
    const bundle = readManifest().bundles['express']!;
    expect(found.express).toBe(pathToFileURL(bundle.file).href);
    expect(found.express.startsWith(pathToFileURL(cache).href)).toBe(true);
    // The bundle replaces exactly the file Node would have loaded from node_modules.
    expect(bundle.source).toBe(
      pathToFileURL(path.join(root, 'node_modules/express/index.js')).href,
    );
    expect(found.yaml.startsWith(pathToFileURL(path.join(root, 'node_modules/yaml/')).href)).toBe(
      true,
    );
    expect(found.parsed).toEqual({ visits: 1 });
    // The instance preload runs as JavaScript from the same cache.
    expect(fs.readdirSync(path.join(cache, 'preload'))).toHaveLength(1);
    await lab.stop();
  });

  it('built for another lock are not used: they are built again', async () => {
    const folder = bundleFolder();
    const manifest = readManifest();
    // The bundles of an older lock: another key, in a folder of its own, and one whose manifest
    // names another key where the current lock's bundles should be.
    fs.cpSync(folder, path.join(cache, 'older-lock'), { recursive: true });
    fs.cpSync(folder, path.join(cache, 'lock-of-a-running-lab'), { recursive: true });
    // Last used two days ago: no lab runs it any more.
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    fs.utimesSync(path.join(cache, 'older-lock'), twoDaysAgo, twoDaysAgo);
    fs.writeFileSync(
      path.join(folder, 'manifest.json'),
      JSON.stringify({ ...manifest, key: 'a lock that is no more' }),
    );
    const lab = await start();
    expect(lab.output()).toContain('once (their key does not match)');
    expect(fs.existsSync(path.join(cache, 'older-lock'))).toBe(false);
    // Used a moment ago by a lab that may still start instances from it.
    expect(fs.existsSync(path.join(cache, 'lock-of-a-running-lab'))).toBe(true);
    fs.rmSync(path.join(cache, 'lock-of-a-running-lab'), { recursive: true });
    expect(readManifest().key).toBe(manifest.key);
    expect((await where(lab)).express).toBe(pathToFileURL(manifest.bundles['express']!.file).href);
    await lab.stop();
  });

  it('damaged stops a new instance with a sentence that names the file, and is built again at the next start', async () => {
    const lab = await start();
    expect(lab.output()).not.toContain('bundling');
    const express = readManifest().bundles['express']!;
    const whole = fs.readFileSync(express.file, 'utf8');
    // Half a bundle, as a disk that filled up would leave it.
    fs.writeFileSync(express.file, whole.slice(0, whole.length >> 1));
    const replaced = await control(lab.url, 'POST', 'lab/replace');
    expect(replaced.status).toBeGreaterThanOrEqual(400);
    const state = await labState(lab.url);
    expect(state.lastError).toContain(
      `The pre-built bundle of express (${express.file}) is damaged`,
    );
    expect(state.lastError).toContain('Restart the lab');
    // The old instance, started from the whole bundle, keeps serving.
    expect(state.instances.map((instance) => instance.status)).toEqual(['ready']);
    expect((await where(lab)).parsed).toEqual({ visits: 1 });
    await lab.stop();

    const again = await start();
    expect(again.output()).toContain(`once (${express.file} is damaged)`);
    expect(fs.readFileSync(express.file, 'utf8')).toBe(whole);
    expect((await where(again)).express).toBe(pathToFileURL(express.file).href);
    await again.stop();
  });
});
