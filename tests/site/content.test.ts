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

  it('public/_headers sends the same headers to every path', () => {
    const lines = readFileSync('public/_headers', 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(lines[0]).toBe('/*');
    const headers = lines.slice(1).map((line) => {
      const [name, ...value] = line.trim().split(':');
      return [name!, value.join(':').trim()];
    });
    expect(headers.sort()).toEqual(expected);
  });

  it('vercel.json sends the same headers to every path', () => {
    const config = JSON.parse(readFileSync('vercel.json', 'utf8')) as {
      headers: { source: string; headers: { key: string; value: string }[] }[];
    };
    const rule = config.headers.find((entry) => entry.source === '/(.*)');
    expect(rule?.headers.map(({ key, value }) => [key, value]).sort()).toEqual(expected);
  });
});
