import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isolationHeaders } from '../../src/utils/isolation.ts';
import { listLessonSlugs, listPageFiles } from '../../src/utils/lessons.ts';

describe('content', () => {
  it('mirrors every French page with an English page of the same file name', () => {
    const french = listPageFiles('content/docs/fr');
    expect(french).toContain('index.mdx');
    expect(french).toContain('about.mdx');
    expect(listPageFiles('content/docs/en')).toEqual(french);
  });

  it('has the same UI string keys in both languages', () => {
    const keys = (lang: string) =>
      Object.keys(JSON.parse(readFileSync(`content/i18n/${lang}.json`, 'utf8')) as object).sort();
    expect(keys('en')).toEqual(keys('fr'));
  });

  it('lists lessons apart from the home and About pages, in numeric order', () => {
    const slugs = listLessonSlugs('content/docs/fr');
    expect(slugs).not.toContain('index');
    expect(slugs).not.toContain('about');
    expect([...slugs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual(slugs);
    expect(listLessonSlugs('content/docs/does-not-exist')).toEqual([]);
  });
});

describe('cross-origin isolation headers for static hosts', () => {
  const expected = Object.entries(isolationHeaders).sort();

  // Netlify's and Cloudflare's format: a path on a line of its own, its headers indented below.
  const netlifyRules = (): Map<string, string[][]> => {
    const rules = new Map<string, string[][]>();
    let current: string[][] = [];
    for (const line of readFileSync('public/_headers', 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      if (!/^\s/.test(line)) {
        current = [];
        rules.set(line.trim(), current);
        continue;
      }
      const [name, ...value] = line.trim().split(':');
      current.push([name!, value.join(':').trim()]);
    }
    return rules;
  };
  const immutable = [['Cache-Control', 'public, max-age=31536000, immutable']];

  it('public/_headers sends the same headers to every path', () => {
    expect(netlifyRules().get('/*')?.sort()).toEqual(expected);
  });

  it('public/_headers and vercel.json let browsers keep the hashed files of /_astro/', () => {
    expect(netlifyRules().get('/_astro/*')).toEqual(immutable);
    const config = JSON.parse(readFileSync('vercel.json', 'utf8')) as {
      headers: { source: string; headers: { key: string; value: string }[] }[];
    };
    const rule = config.headers.find((entry) => entry.source === '/_astro/(.*)');
    expect(rule?.headers.map(({ key, value }) => [key, value])).toEqual(immutable);
  });

  it('vercel.json sends the same headers to every path', () => {
    const config = JSON.parse(readFileSync('vercel.json', 'utf8')) as {
      headers: { source: string; headers: { key: string; value: string }[] }[];
    };
    const rule = config.headers.find((entry) => entry.source === '/(.*)');
    expect(rule?.headers.map(({ key, value }) => [key, value]).sort()).toEqual(expected);
  });
});
