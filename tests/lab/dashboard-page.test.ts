import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { pickLanguage, renderDashboard } from '../../sandboxes/platform/dashboard/page.ts';
import { strings, type Lang } from '../../sandboxes/platform/dashboard/strings.ts';

const dashboardDir = new URL('../../sandboxes/platform/dashboard/', import.meta.url);
const script = readFileSync(new URL('assets/dashboard.js', dashboardDir), 'utf8');
const style = readFileSync(new URL('assets/dashboard.css', dashboardDir), 'utf8');
const pageSource = readFileSync(new URL('page.ts', dashboardDir), 'utf8');
const languages: Lang[] = ['fr', 'en'];

/** The values of one attribute across a page, in document order. */
function attributeValues(html: string, attribute: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${attribute}="([^"]*)"`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/** The `{placeholders}` of one string, sorted. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();
}

describe('pickLanguage', () => {
  it('speaks French when nothing says otherwise', () => {
    expect(pickLanguage(null, undefined)).toBe('fr');
    expect(pickLanguage(null, '')).toBe('fr');
    expect(pickLanguage(null, '*')).toBe('fr');
    expect(pickLanguage(null, 'de-DE, it;q=0.8')).toBe('fr');
  });

  it('follows ?lang= before Accept-Language', () => {
    expect(pickLanguage('en', 'fr-FR,fr;q=0.9')).toBe('en');
    expect(pickLanguage('fr', 'en-US,en;q=0.9')).toBe('fr');
    expect(pickLanguage('EN', undefined)).toBe('en');
    expect(pickLanguage('en-GB', undefined)).toBe('en');
  });

  it('accepts a whole query string as well as the value of lang', () => {
    expect(pickLanguage('?lang=en', undefined)).toBe('en');
    expect(pickLanguage('x=1&lang=en', 'fr')).toBe('en');
    expect(pickLanguage('x=1', 'en')).toBe('en');
  });

  it('falls back to Accept-Language when ?lang= names a language the page does not speak', () => {
    expect(pickLanguage('de', 'en')).toBe('en');
    expect(pickLanguage('', 'en')).toBe('en');
  });

  it('weighs Accept-Language by its q values, and keeps its order on a tie', () => {
    expect(pickLanguage(null, 'en-US,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(pickLanguage(null, 'de, fr;q=0.5, en;q=0.8')).toBe('en');
    expect(pickLanguage(null, 'fr-CA, en')).toBe('fr');
    expect(pickLanguage(null, 'en;q=0, fr;q=0.1')).toBe('fr');
    expect(pickLanguage(null, 'en;q=0')).toBe('fr');
  });
});

describe('strings', () => {
  it('has the same keys in French and English', () => {
    expect(Object.keys(strings.en).sort()).toEqual(Object.keys(strings.fr).sort());
  });

  it('has no empty string and the same placeholders in both languages', () => {
    for (const [key, french] of Object.entries(strings.fr)) {
      const english = strings.en[key as keyof typeof strings.en];
      expect(french.trim(), key).not.toBe('');
      expect(english.trim(), key).not.toBe('');
      expect(placeholders(english), key).toEqual(placeholders(french));
    }
  });

  it('keeps French punctuation on the line of the word before it', () => {
    for (const [key, text] of Object.entries(strings.fr)) {
      expect(text, key).not.toMatch(/ [:;!?»]|« /);
    }
  });

  it('uses the course glossary in each language', () => {
    const french = Object.values(strings.fr).join(' ').toLowerCase();
    const english = Object.values(strings.en).join(' ').toLowerCase();
    for (const term of [
      'magasin de sessions',
      'service de soutien',
      'session collante',
      'répartiteur de charge',
      'remplacement progressif',
      'vivacité',
      'disponibilité',
    ]) {
      expect(french).toContain(term);
    }
    for (const term of [
      'session store',
      'backing service',
      'sticky session',
      'load balancer',
      'rolling replacement',
      'liveness',
      'readiness',
    ]) {
      expect(english).toContain(term);
    }
  });

  it('uses every string somewhere, so none is left behind', () => {
    for (const key of Object.keys(strings.fr)) {
      expect(`${pageSource}\n${script}`, key).toContain(`'${key}'`);
    }
  });
});

describe('renderDashboard', () => {
  it.each(languages)('renders a whole %s document in its language', (lang) => {
    const html = renderDashboard(lang);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<html lang="${lang}">`);
    expect(html).toContain(`<title>${strings[lang].title}</title>`);
    expect(html).toContain('<h1>');
    expect(html).toContain(`>${strings[lang].visit}</button>`);
  });

  it.each(languages)('embeds the %s strings as JSON that the script can read', (lang) => {
    const html = renderDashboard(lang);
    const match = /<script type="application\/json" id="lab-strings">(.*?)<\/script>/s.exec(html);
    expect(match?.[1]).toBeDefined();
    expect(JSON.parse(match?.[1] ?? '')).toEqual(strings[lang]);
  });

  it.each(languages)('uses only relative, same-origin URLs in %s', (lang) => {
    const html = renderDashboard(lang);
    const urls = [...attributeValues(html, 'href'), ...attributeValues(html, 'src')];
    expect(urls).toContain('lab/assets/dashboard.css');
    expect(urls).toContain('lab/assets/dashboard.js');
    for (const url of urls) {
      expect(url).not.toMatch(/^\/|^[a-z][a-z0-9+.-]*:\/\//i);
    }
  });

  it('offers the same structure and controls in both languages', () => {
    const french = renderDashboard('fr');
    const english = renderDashboard('en');
    for (const attribute of ['id', 'name', 'type', 'for', 'aria-labelledby', 'role', 'aria-live']) {
      expect(attributeValues(english, attribute), attribute).toEqual(
        attributeValues(french, attribute),
      );
    }
    const tags = (html: string) =>
      html.match(/<(h[1-3]|button|input|form|fieldset|legend|label|section|main)\b/g);
    expect(tags(english)).toEqual(tags(french));
  });

  it('gives every form field a label and every button a name', () => {
    const html = renderDashboard('fr');
    for (const button of html.match(/<button\b[^>]*>([^<]*)<\/button>/g) ?? []) {
      expect(button.replace(/<[^>]+>/g, '').trim(), button).not.toBe('');
    }
    expect(html).toContain('<label for="scale-count">');
    // Radio buttons and the checkbox sit inside their <label>.
    expect(html.match(/<label><input /g)).toHaveLength(3);
  });

  it('keeps the embedded strings from closing their script block', () => {
    // Strings may one day hold markup; the JSON block escapes `<` so none can end the block early.
    for (const lang of languages) {
      const html = renderDashboard(lang);
      const start = html.indexOf('id="lab-strings">');
      const block = html.slice(
        start + 'id="lab-strings">'.length,
        html.indexOf('</script>', start),
      );
      expect(block).not.toContain('<');
    }
  });
});

describe('the dashboard script and style sheet', () => {
  it('parses as a classic browser script', () => {
    expect(() => new vm.Script(script, { filename: 'dashboard.js' })).not.toThrow();
  });

  it('only looks up elements that the page renders', () => {
    const ids = new Set(attributeValues(renderDashboard('fr'), 'id'));
    const used = [...script.matchAll(/byId\('([\w-]+)'\)/g)].map((match) => match[1] ?? '');
    expect(used.length).toBeGreaterThan(10);
    for (const id of used) expect(ids, id).toContain(id);
  });

  it('only asks for strings that exist', () => {
    const used = [...script.matchAll(/\bt\(\s*'(\w+)'/g)].map((match) => match[1] ?? '');
    expect(used.length).toBeGreaterThan(10);
    for (const key of used) expect(Object.keys(strings.fr), key).toContain(key);
  });

  it('calls the lab with relative URLs only, and writes JSON', () => {
    const calls = [
      ...script.matchAll(/(?:fetch|EventSource|send)\(\s*(?:'[A-Z]+',\s*)?([`'])([^`']*)\1/g),
    ];
    const urls = calls.map((match) => match[2] ?? '');
    expect(urls).toEqual(
      expect.arrayContaining([
        'lab/state',
        'lab/events',
        'api/visit',
        'lab/replace',
        'lab/scale',
        'lab/config',
        'lab/store/stop',
        'lab/store/start',
      ]),
    );
    expect(urls.some((url) => url.startsWith('lab/instances/'))).toBe(true);
    for (const url of urls) expect(url).not.toMatch(/^\/|:\/\//);
    expect(script).toContain("'Content-Type': 'application/json'");
  });

  it('loads nothing from another origin and stays small', () => {
    expect(style).not.toMatch(/@import|url\(/);
    expect(script).not.toMatch(/https?:\/\//);
    expect(script.length + style.length).toBeLessThan(32 * 1024);
  });
});
