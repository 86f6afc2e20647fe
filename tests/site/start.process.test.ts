// `npm start`, the README's first command: the dev server with the labs. The browser tests serve
// the production build instead (`npm start -- --preview`), so without this test a change that
// breaks only the dev server goes unseen; one did: the search plugin threw on the empty copy of
// Starlight's script that the dev server renders pages with, and every page answered 500.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandboxes/platform/net-utils.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm start (the dev server with the labs)', () => {
  let child: ChildProcess;
  let site: string;
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    // The environment a learner's shell has: Vitest adds its own and Vite's (NODE_ENV=test,
    // BASE_URL, MODE…), under which Astro's dev server answered 404 to every page.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) =>
          !/^(VITEST.*|NODE_ENV|TEST|MODE|BASE_URL|DEV|PROD|SSR|ASSETS_PREFIX|SITE)$/.test(name),
      ),
    );
    // A process group of its own, so that stopping it stops Astro and the lab host too.
    child = spawn(process.execPath, ['scripts/start.ts'], {
      cwd: root,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', ASTRO_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 100_000;
    let last: string;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      try {
        const answer = await fetch(`${site}/fr/`);
        if (answer.ok) break;
        last = `${answer.status} ${(await answer.text()).slice(0, 300)}`;
      } catch (error) {
        // Not listening yet.
        last = String((error as { cause?: unknown }).cause ?? error);
      }
      if (Date.now() > deadline) {
        throw new Error(`npm start never served /fr/ (last: ${last}):\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 120_000);

  afterAll(async () => {
    if (!child?.pid) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The whole group is gone already.
    }
  }, 20_000);

  it.each(['/fr/01-factor/', '/en/01-factor/', '/fr/lab/'])(
    'serves %s with its lab, and no error',
    async (page) => {
      const answer = await fetch(`${site}${page}`);
      const html = await answer.text();
      expect(answer.status, html.slice(0, 400)).toBe(200);
      expect(html).toContain('<lab-sandbox');
      expect(output).not.toMatch(/\[ERROR\]/);
    },
    60_000,
  );

  it('serves the search script as the course changes it (src/integrations/search-on-demand.ts)', async () => {
    const html = await (await fetch(`${site}/en/01-factor/`)).text();
    const script = /src="([^"]*Search\.astro\?[^"]*type=script[^"]*)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const answer = await fetch(new URL(script!.replaceAll('&amp;', '&'), site));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('courseSearchStandIn');
    expect(output).not.toMatch(/\[ERROR\]/);
  }, 60_000);

  it('proxies the lab host at /_labs/, which lists the labs', async () => {
    const answer = await fetch(`${site}/_labs/`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { labs: { id: string }[] };
    expect(body.labs.map((lab) => lab.id)).toContain('sessions');
  }, 30_000);
});
