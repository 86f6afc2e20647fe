import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPages, urlOfFile } from '../../scripts/site-pages.ts';

describe('urlOfFile', () => {
  it('serves index files at their folder and other files under their own name', () => {
    expect(urlOfFile('index.html')).toBe('/');
    expect(urlOfFile('fr/about/index.html')).toBe('/fr/about/');
    expect(urlOfFile('404.html')).toBe('/404.html');
  });
});

describe('discoverPages', () => {
  let dist: string;
  const write = (file: string, html: string) => {
    mkdirSync(dirname(join(dist, file)), { recursive: true });
    writeFileSync(join(dist, file), html);
  };

  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), 'site-pages-'));
    write('index.html', '<!doctype html><meta http-equiv="refresh" content="0;url=/fr/">');
    write('404.html', '<html lang="fr"><body>Page introuvable</body></html>');
    write('fr/index.html', '<html lang="fr" dir="ltr"><body><h1>Accueil</h1></body></html>');
    write('en/index.html', '<html dir="ltr" lang="en"><body><h1>Home</h1></body></html>');
    write(
      'fr/lessons/02/index.html',
      '<html lang="fr"><body><lab-sandbox lab="x"></lab-sandbox></body></html>',
    );
    write(
      'en/lessons/02/index.html',
      '<html lang="en"><body><div data-lab="sessions"></div></body></html>',
    );
    write('_astro/chunk.html', '<html lang="fr"></html>');
    write('pagefind/fragment.html', '<html lang="fr"></html>');
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it('lists real pages only, sorted by URL, with their language', () => {
    expect(discoverPages(dist).map(({ url, lang }) => [url, lang])).toEqual([
      ['/404.html', 'fr'],
      ['/en/', 'en'],
      ['/en/lessons/02/', 'en'],
      ['/fr/', 'fr'],
      ['/fr/lessons/02/', 'fr'],
    ]);
  });

  it('marks the pages that embed a lab, by element or by attribute', () => {
    const withLab = discoverPages(dist)
      .filter((page) => page.hasLab)
      .map((page) => page.url);
    expect(withLab).toEqual(['/en/lessons/02/', '/fr/lessons/02/']);
  });
});
