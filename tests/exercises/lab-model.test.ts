// The lab model: one reader of lab.json whose errors name the file and the field, `extends`
// one level deep, the layout's overlay order, and the one answer to "is this an exercise?".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isExercise,
  labsDir,
  layOutLab,
  layoutTree,
  listLabs,
  parseLabFile,
  readLabDefaults,
  readManifest,
  resolveManifest,
  sharedChecksClient,
  solutionFiles,
  writeLayout,
  type LabLookup,
} from '../../sandboxes/labs/lab-model.ts';

const source = (...parts: string[]): string =>
  fs.readFileSync(path.join(labsDir, ...parts), 'utf8');

const valid = {
  id: 'demo',
  title: { fr: 'Démo', en: 'Demo' },
  editable: ['server.js'],
};

// A lookup over lab.json contents held in memory, as Sandbox.astro's imported ones are.
function lookupOf(labs: Record<string, unknown>): LabLookup {
  return (id) => {
    const data = labs[id];
    return data === undefined ? undefined : { file: `labs/${id}/lab.json`, data };
  };
}

describe('reading lab.json', () => {
  it.each([
    [
      'a missing title',
      { ...valid, title: { fr: 'Démo' } },
      '"title.en" must be a non-empty string',
    ],
    ['no editable file', { ...valid, editable: [] }, '"editable" must list at least one file'],
    [
      'a nested editable path',
      { ...valid, editable: ['lib/server.js'] },
      '"editable" holds "lib/server.js"',
    ],
    [
      'an unknown session store',
      { ...valid, sessionStore: 'disk' },
      '"sessionStore" must be "memory" or "redis", not "disk"',
    ],
    [
      'too many instances',
      { ...valid, instances: 12 },
      '"instances" must be a whole number from 1 to 8, not 12',
    ],
    ['a misspelt field', { ...valid, instance: 3 }, '"instance" is not a lab.json field'],
    [
      'a solution without a check',
      { ...valid, solution: 'overlay' },
      '"solution" and "check" go together',
    ],
    [
      'a check outside checks/',
      { ...valid, solution: 'overlay', check: 'check.js' },
      '"check" must name the check module in checks/',
    ],
    [
      'an extends that is not a lab name',
      { ...valid, extends: '../sessions' },
      '"extends" must name a lab',
    ],
  ])('refuses %s, naming the file and the field', (_label, data, expected) => {
    expect(() => parseLabFile(data, 'labs/demo/lab.json')).toThrow(expected);
    expect(() => parseLabFile(data, 'labs/demo/lab.json')).toThrow(/^labs\/demo\/lab\.json:/);
  });

  it('refuses what is not an object, and says what it expects', () => {
    expect(() => parseLabFile([], 'labs/demo/lab.json')).toThrow(
      'labs/demo/lab.json: expected a JSON object with "id", "title" and "editable".',
    );
  });

  it('lists every problem at once', () => {
    const run = (): unknown => parseLabFile({ ...valid, instances: 0, sessionStore: 'x' }, 'f');
    expect(run).toThrow(/"sessionStore"[\s\S]*"instances"/);
  });

  it('refuses an id that is not the folder name', () => {
    expect(() => resolveManifest('other', lookupOf({ other: valid }))).toThrow(
      /labs\/other\/lab\.json:\n- "id" must be "other", the folder's name, not "demo"/,
    );
  });

  it('fills the defaults of a lab that extends nothing: memory, 3 instances', () => {
    expect(resolveManifest('demo', lookupOf({ demo: valid }))).toEqual({
      ...valid,
      sessionStore: 'memory',
      instances: 3,
    });
  });
});

describe('extends', () => {
  const base = { ...valid, id: 'base', sessionStore: 'redis', instances: 2 };

  it('takes what the lab leaves out from its base, and keeps what it says', () => {
    const child = { ...valid, id: 'child', extends: 'base', instances: 5 };
    const manifest = resolveManifest('child', lookupOf({ base, child }));
    expect(manifest).toMatchObject({ id: 'child', sessionStore: 'redis', instances: 5 });
    // The resolved manifest is complete: it names no base.
    expect(manifest).not.toHaveProperty('extends');
  });

  it('refuses a base that extends another lab: one level only, and says so', () => {
    const middle = { ...valid, id: 'middle', extends: 'base' };
    const child = { ...valid, id: 'child', extends: 'middle' };
    expect(() => resolveManifest('child', lookupOf({ base, middle, child }))).toThrow(
      /labs\/child\/lab\.json:\n- "extends" names "middle", which itself extends "base": only one level of "extends" is supported/,
    );
  });

  it('refuses a base that is not a lab, listing the labs', () => {
    const child = { ...valid, id: 'child', extends: 'shared' };
    expect(() => resolveManifest('child', lookupOf({ child }))).toThrow(
      /"extends" names "shared", which is not a lab .*the labs are .*sessions/,
    );
  });

  it('refuses a lab that extends itself', () => {
    const child = { ...valid, id: 'child', extends: 'child' };
    expect(() => resolveManifest('child', lookupOf({ child }))).toThrow(
      '"extends" names the lab itself',
    );
  });
});

describe('the labs of this course', () => {
  it('are the folders with a lab.json: shared/ is not one', () => {
    expect(listLabs()).toEqual(['avatar', 'cart', 'counter', 'health', 'sessions']);
    expect(fs.existsSync(sharedChecksClient)).toBe(true);
  });

  it('an exercise is a lab with a solution and a check, decided in one place', () => {
    const exercises = listLabs().filter((id) => isExercise(readManifest(id)));
    expect(exercises).toEqual(['avatar', 'cart', 'counter', 'health']);
    expect(isExercise({ solution: 'overlay' })).toBe(false);
    expect(isExercise({ check: 'checks/check.js' })).toBe(false);
  });

  it.each(['avatar', 'cart', 'counter', 'health'])(
    '%s extends sessions, and its folder holds only files that differ from the base',
    (id) => {
      expect(JSON.parse(source(id, 'lab.json'))).toMatchObject({ extends: 'sessions' });
      for (const name of fs.readdirSync(path.join(labsDir, id, 'app'))) {
        const base = path.join(labsDir, 'sessions/app', name);
        if (fs.existsSync(base))
          expect(source(id, 'app', name), name).not.toBe(source('sessions/app', name));
      }
      expect(fs.existsSync(path.join(labsDir, id, 'checks/lab-client.js'))).toBe(false);
    },
  );
});

describe('the layout of a lab', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('lays the base app first, the lab own files over it, the solution over both when solved', () => {
    const starting = layOutLab('health');
    // From the base lab: health/ has no server.js of its own.
    expect(starting.get('app/server.js')).toBe(source('sessions/app/server.js'));
    expect(starting.get('app/shutdown.js')).toBe(source('sessions/app/shutdown.js'));
    // The lab's own file wins over the base lab's.
    expect(starting.get('app/health.js')).toBe(source('health/app/health.js'));
    expect(starting.get('app/health.js')).not.toBe(source('sessions/app/health.js'));
    const solved = layOutLab('health', { solved: true });
    expect(solved.get('app/health.js')).toBe(source('health/solution/health.js'));
    expect(solved.get('app/server.js')).toBe(starting.get('app/server.js'));
    expect([...solved.keys()]).toEqual([...starting.keys()]);
  });

  it.each(['avatar', 'cart', 'counter', 'health'])(
    '%s: complete app files, the one shared checks client beside its check, the resolved lab.json',
    (id) => {
      const layout = layOutLab(id);
      const manifest = readManifest(id);
      for (const name of [
        'server.js',
        'config.js',
        'health.js',
        'session-store.js',
        'shutdown.js',
      ]) {
        expect(layout.has(`app/${name}`), name).toBe(true);
      }
      for (const name of manifest.editable) expect(layout.has(`app/${name}`), name).toBe(true);
      expect(layout.get('checks/lab-client.js')).toBe(fs.readFileSync(sharedChecksClient, 'utf8'));
      expect(layout.get('checks/check.js')).toBe(source(id, 'checks/check.js'));
      expect(JSON.parse(layout.get('lab.json') ?? '')).toEqual(manifest);
      // Solve writes only editable files, and each of them changes something.
      for (const [name, contents] of solutionFiles(id)) {
        expect(manifest.editable).toContain(name);
        expect(contents).not.toBe(layout.get(`app/${name}`));
      }
    },
  );

  it('the sessions lab, an exploration, has no checks and refuses to be solved', () => {
    const layout = layOutLab('sessions');
    expect([...layout.keys()].filter((name) => !name.startsWith('app/'))).toEqual(['lab.json']);
    expect(() => layOutLab('sessions', { solved: true })).toThrow(/no solution/);
  });

  it('becomes a FileSystemTree and a folder holding the same files', () => {
    const layout = layOutLab('avatar');
    const tree = layoutTree(layout);
    const app = tree['app'];
    expect(app && 'directory' in app && app.directory['avatar.js']).toEqual({
      file: { contents: source('avatar/app/avatar.js') },
    });
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'layout-'));
    folders.push(folder);
    writeLayout(layout, folder);
    for (const [name, contents] of layout) {
      expect(fs.readFileSync(path.join(folder, name), 'utf8')).toBe(contents);
    }
  });

  it('keeps the learner edits it is told to keep, and refreshes everything else', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'layout-'));
    folders.push(folder);
    const layout = layOutLab('cart');
    writeLayout(layout, folder);
    fs.writeFileSync(path.join(folder, 'app/cart.js'), '// edited\n');
    fs.writeFileSync(path.join(folder, 'app/config.js'), '// stale\n');
    writeLayout(layout, folder, { keep: ['app/cart.js', 'app/server.js'] });
    expect(fs.readFileSync(path.join(folder, 'app/cart.js'), 'utf8')).toBe('// edited\n');
    expect(fs.readFileSync(path.join(folder, 'app/config.js'), 'utf8')).toBe(
      layout.get('app/config.js'),
    );
  });
});

describe('the defaults beside an app folder', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('come from the lab.json beside app/, of a laid-out or packaged lab', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'defaults-'));
    folders.push(folder);
    writeLayout(layOutLab('cart'), folder);
    expect(readLabDefaults(path.join(folder, 'app'))).toEqual({
      sessionStore: 'redis',
      instances: 3,
    });
  });

  it('of a source folder that extends a base beside it, take what it leaves out from the base', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'defaults-'));
    folders.push(folder);
    const write = (id: string, data: unknown): void => {
      fs.mkdirSync(path.join(folder, id, 'app'), { recursive: true });
      fs.writeFileSync(path.join(folder, id, 'lab.json'), JSON.stringify(data));
    };
    write('base', { ...valid, id: 'base', sessionStore: 'redis', instances: 2 });
    write('child', { ...valid, id: 'child', extends: 'base', instances: 4 });
    expect(readLabDefaults(path.join(folder, 'child', 'app'))).toEqual({
      sessionStore: 'redis',
      instances: 4,
    });
  });

  it('are none where no lab.json sits beside the app, and a broken one names its file', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'defaults-'));
    folders.push(folder);
    fs.mkdirSync(path.join(folder, 'app'));
    expect(readLabDefaults(path.join(folder, 'app'))).toBeNull();
    fs.writeFileSync(path.join(folder, 'lab.json'), '{"id": "x",');
    expect(() => readLabDefaults(path.join(folder, 'app'))).toThrow(
      `${path.join(folder, 'lab.json')}: not valid JSON`,
    );
  });
});
