// What the image installs: the deploy lock is the root lock's subset for the app's runtime
// dependencies, and the app starts from exactly that subset, as an ordinary user, with no Redis.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedDeployLock, resolveInLock, type LockFile } from '../../scripts/deploy-lock.ts';
import { deployDir } from './helpers.ts';
import { freePort } from '../../sandboxes/platform/net-utils.ts';

const lockText = fs.readFileSync(path.join(deployDir, 'package-lock.json'), 'utf8');
const lock = JSON.parse(lockText) as LockFile;
const manifest = JSON.parse(fs.readFileSync(path.join(deployDir, 'package.json'), 'utf8')) as {
  type: string;
  dependencies: Record<string, string>;
};
const rootManifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};
const appDir = path.resolve('sandboxes/labs/sessions/app');

describe('the deploy package files', () => {
  it('declare the dependencies the app imports, with the root ranges, as ES modules', () => {
    expect(manifest.type).toBe('module');
    const imported = new Set<string>();
    for (const file of fs.readdirSync(appDir).filter((name) => name.endsWith('.js'))) {
      const source = fs.readFileSync(path.join(appDir, file), 'utf8');
      // Static imports, and dynamic ones (session-store.js loads the Redis client only for Redis).
      for (const match of source.matchAll(
        /^import .* from '([^.'][^']*)';$|import\('([^.'][^']*)'\)/gm,
      )) {
        const name = match[1] ?? match[2]!;
        if (!name.startsWith('node:')) imported.add(name);
      }
    }
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...imported].sort());
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      expect(range, name).toBe(rootManifest.dependencies[name]);
    }
  });

  it('lock exactly what the root lock holds (node scripts/deploy-lock.ts rewrites it)', () => {
    expect(lockText).toBe(expectedDeployLock());
  });

  it('lock a complete tree: every dependency resolves inside it', () => {
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.dependencies ?? {})) {
        expect(
          resolveInLock(lock.packages, at, name),
          `${name} for ${at || 'the app'}`,
        ).not.toBeNull();
      }
      if (at !== '') expect(entry.integrity, at).toMatch(/^sha512-/);
    }
  });
});

describe('the app as the image lays it out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessions-image-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts from the locked packages alone, as an ordinary user, and its liveness ignores Redis', async () => {
    // The image's /app: package files, the locked packages, the app's files.
    fs.cpSync(path.join(deployDir, 'package.json'), path.join(dir, 'package.json'));
    for (const at of Object.keys(lock.packages).filter((key) => key !== '')) {
      fs.cpSync(path.resolve(at), path.join(dir, at), { recursive: true });
    }
    for (const file of fs.readdirSync(appDir)) {
      fs.cpSync(path.join(appDir, file), path.join(dir, file), { recursive: true });
    }
    fs.chmodSync(dir, 0o755);

    const port = await freePort();
    // Running as root here (a container, a CI machine): drop to `nobody`, as `USER node` does.
    const asRoot = process.getuid?.() === 0;
    // That user may not reach the node binary where it is installed (under /root, say): give it
    // a link to it, or a copy, inside the folder it runs from.
    let node = process.execPath;
    if (asRoot) {
      node = path.join(dir, 'node');
      try {
        fs.linkSync(process.execPath, node);
      } catch {
        fs.cpSync(process.execPath, node);
      }
      fs.chmodSync(node, 0o755);
    }
    const child = spawn(node, ['server.js'], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        INSTANCE_ID: 'image-test',
        SESSION_STORE: 'redis',
        // Nothing listens there: the app must start anyway.
        REDIS_URL: 'redis://127.0.0.1:1',
        SESSION_SECRET: 'test-secret',
        // The warning looked for below is the English one.
        LAB_LANG: 'en',
      },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('exit', resolve);
      child.on('error', reject);
    });
    try {
      const get = async (pathname: string) => {
        for (let attempt = 0; attempt < 100 && child.exitCode === null; attempt += 1) {
          try {
            return await fetch(`http://127.0.0.1:${port}${pathname}`);
          } catch {
            await sleep(100);
          }
        }
        throw new Error(`The app never answered ${pathname}. It printed:\n${output}`);
      };
      const live = await get('/healthz');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', instance: 'image-test' });
      expect((await get('/readyz')).status).toBe(503);
      expect(output).not.toContain('Running as root');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
