// The pieces behind WebContainer's conditions, each on its own: the cross-site guard in framed
// mode (real HTTP requests), the listening line, the folder watcher's three modes (a real
// folder), and the new environment variables.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, readLabConfig } from '../../sandboxes/platform/config.ts';
import { HttpError, refuseCrossSite } from '../../sandboxes/platform/http.ts';
import { formatListeningLine, parseListeningLine } from '../../sandboxes/platform/lines.ts';
import { FolderWatcher, type WatchMode } from '../../sandboxes/platform/watcher.ts';
import { editLikeALearner } from './app-edits.ts';

describe('refuseCrossSite', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    // Answers 204 when the guard lets the request through, or the guard's status and message.
    server = http.createServer((request, response) => {
      try {
        refuseCrossSite(request, 'control the lab', { framed: request.url === '/framed' });
        response.writeHead(204).end();
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 500;
        response.writeHead(status).end(String((error as Error).message));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ask = async (pathname: string, headers: Record<string, string>): Promise<number> =>
    (await fetch(`${base}${pathname}`, { method: 'POST', headers })).status;
  const relayed = { origin: 'https://preview.example' };

  it('framed: accepts the page itself (same-origin) whatever the Host', async () => {
    expect(await ask('/framed', { ...relayed, 'sec-fetch-site': 'same-origin' })).toBe(204);
  });

  it('framed: still refuses cross-site, same-site and an unsigned foreign Origin', async () => {
    expect(await ask('/framed', { ...relayed, 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await ask('/framed', { ...relayed, 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(await ask('/framed', relayed)).toBe(403);
  });

  it('not framed: an Origin that is not the Host is refused, even same-origin', async () => {
    expect(await ask('/', { ...relayed, 'sec-fetch-site': 'same-origin' })).toBe(403);
    expect(await ask('/', { origin: base, 'sec-fetch-site': 'same-origin' })).toBe(204);
  });

  it('both: a request with neither header (curl) passes', async () => {
    expect(await ask('/', {})).toBe(204);
    expect(await ask('/framed', {})).toBe(204);
  });
});

describe('the listening line', () => {
  it('reads back the port it was written with, and nothing else', () => {
    expect(parseListeningLine(formatListeningLine(43210))).toBe(43210);
    expect(parseListeningLine('instance web-1 listening on 127.0.0.1:43210')).toBeNull();
    expect(parseListeningLine('@@lab-listening 0')).toBeNull();
    expect(parseListeningLine('@@lab-listening 70000')).toBeNull();
  });
});

describe('FolderWatcher', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  });

  for (const mode of ['per-file', 'polling', 'recursive'] as WatchMode[]) {
    it(`${mode}: sees an edit, a new file, its edit and (but recursive) an atomic save`, async () => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'watcher-test-'));
      folders.push(folder);
      fs.writeFileSync(path.join(folder, 'server.js'), '1\n');
      let changes = 0;
      const watcher = new FolderWatcher(folder, mode, { onChange: () => changes++ });
      watcher.start();
      try {
        expect(watcher.state).toEqual({ mode, error: null });
        const seen = async (): Promise<void> => {
          const deadline = Date.now() + 3000;
          while (changes === 0 && Date.now() < deadline) await sleep(20);
          expect(changes).toBeGreaterThan(0);
          // Let the burst end before the next step.
          await sleep(100);
          changes = 0;
        };
        await sleep(50);
        await editLikeALearner(folder, seen, 100);
        // Node's recursive watch on Linux loses a file that a rename replaced (later edits go
        // unseen): one reason per-file watching is the default. The other modes must see them.
        if (mode === 'recursive') return;
        // An editor's atomic save renames a new file over the old one; later edits count too.
        fs.writeFileSync(path.join(folder, 'server.js.tmp'), 'saved\n');
        fs.renameSync(path.join(folder, 'server.js.tmp'), path.join(folder, 'server.js'));
        await seen();
        await sleep(100);
        fs.appendFileSync(path.join(folder, 'server.js'), 'after the save\n');
        await seen();
      } finally {
        watcher.close();
      }
    });
  }

  it('usePolling switches the mode and says why', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'watcher-test-'));
    folders.push(folder);
    const fallbacks: string[] = [];
    const watcher = new FolderWatcher(folder, 'per-file', {
      onChange: () => {},
      onFallback: (state) => fallbacks.push(`${state.mode}: ${state.error}`),
    });
    watcher.start();
    watcher.usePolling('fs.watch stayed silent');
    watcher.close();
    expect(watcher.state).toEqual({ mode: 'polling', error: 'fs.watch stayed silent' });
    expect(fallbacks).toEqual(['polling: fs.watch stayed silent']);
  });
});

describe('readLabConfig: the runtime conditions', () => {
  it('has defaults for a plain run', () => {
    expect(readLabConfig({})).toMatchObject({
      watchMode: 'per-file',
      stopGraceMs: 10_000,
      framed: false,
      selfTest: false,
    });
  });

  it('reads LAB_FRAMED, LAB_SELF_TEST, LAB_STOP_GRACE_MS and LAB_WATCH_MODE', () => {
    expect(
      readLabConfig({
        LAB_FRAMED: '1',
        LAB_SELF_TEST: '1',
        LAB_STOP_GRACE_MS: '2500',
        LAB_WATCH_MODE: 'polling',
      }),
    ).toMatchObject({ framed: true, selfTest: true, stopGraceMs: 2500, watchMode: 'polling' });
  });

  it('names the variable at fault', () => {
    expect(() => readLabConfig({ LAB_FRAMED: 'yes' })).toThrow(ConfigError);
    expect(() => readLabConfig({ LAB_FRAMED: 'yes', LAB_LANG: 'en' })).toThrow(
      /LAB_FRAMED must be 1 or 0/,
    );
    expect(() => readLabConfig({ LAB_STOP_GRACE_MS: '-1' })).toThrow(/LAB_STOP_GRACE_MS/);
  });
});
