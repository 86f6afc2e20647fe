// The local runtime's lab host: its file API writes to disk, so it takes only a lab's editable
// files, from the site's own pages, as JSON, and never touches the project's own files.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabHost, type LabHost } from '../../sandboxes/local/host.ts';

const root = path.resolve(import.meta.dirname, '../..');
const original = fs.readFileSync(path.join(root, 'sandboxes/labs/sessions/app/server.js'), 'utf8');

describe('lab host file API', () => {
  let host: LabHost;
  let workDir: string;

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });
    workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'host-test-'));
    host = await startLabHost({ workDir });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const put = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(`_labs/sessions/files/${name}`, host.url), {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('lists the labs and reads the editable files', async () => {
    const labs = (await (await fetch(new URL('_labs/', host.url))).json()) as {
      labs: { id: string }[];
    };
    expect(labs.labs.map((lab) => lab.id)).toContain('sessions');
    const files = (await (await fetch(new URL('_labs/sessions/files', host.url))).json()) as {
      files: Record<string, string>;
    };
    expect(files.files['server.js']).toBe(original);
  });

  it('writes an editable file into the working copy, never into the project', async () => {
    const answer = await put('server.js', { content: '// edited\n' });
    expect(answer.status).toBe(200);
    expect(fs.readFileSync(path.join(workDir, 'sessions/app/server.js'), 'utf8')).toBe(
      '// edited\n',
    );
    expect(fs.readFileSync(path.join(root, 'sandboxes/labs/sessions/app/server.js'), 'utf8')).toBe(
      original,
    );
  });

  it.each([
    ['a parent path', encodeURIComponent('../lab.json')],
    ['an absolute path', encodeURIComponent('/etc/passwd')],
    ['a file that is not editable', 'package.json'],
    ['a nested path', encodeURIComponent('sub/server.js')],
  ])('refuses %s with 403 and a clear error', async (_label, name) => {
    const answer = await put(name, { content: 'x' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /not one of this lab's editable files/,
    );
  });

  it('refuses a link in place of an editable file', async () => {
    const target = path.join(workDir, 'sessions/app/health.js');
    fs.rmSync(target);
    fs.symlinkSync(path.join(root, 'package.json'), target);
    const answer = await put('health.js', { content: 'x' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: string }).error).toMatch(/link/);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name).toBe(
      'twelve-factor-processes',
    );
  });

  it('refuses other sites, non-JSON bodies and broken JSON', async () => {
    expect(
      (await put('server.js', { content: 'x' }, { 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect(
      (await put('server.js', { content: 'x' }, { origin: 'http://attacker.example' })).status,
    ).toBe(403);
    expect((await put('server.js', 'content=x', { 'content-type': 'text/plain' })).status).toBe(
      415,
    );
    expect((await put('server.js', '{"content": ')).status).toBe(400);
    expect((await put('server.js', { content: 42 })).status).toBe(400);
  });

  it('answers an unknown lab or action with 404, and the app of a stopped lab with 503', async () => {
    expect((await fetch(new URL('_labs/nope/files', host.url))).status).toBe(404);
    const action = await fetch(new URL('_labs/sessions/reboot', host.url), { method: 'POST' });
    expect(action.status).toBe(404);
    expect((await fetch(new URL('_labs/sessions/app/', host.url))).status).toBe(503);
  });
});
