import { readdirSync, readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_MODULES,
  RECORDING_MODULES,
  pickLanguage,
  renderDashboard,
} from '../../sandboxes/platform/dashboard/page.ts';
import { strings, type Lang } from '../../sandboxes/platform/dashboard/strings.ts';
import { SESSION_HEADERS } from '../../sandboxes/platform/types.ts';
import { escapeHtml } from '../../sandboxes/platform/html.ts';

const dashboardDir = new URL('../../sandboxes/platform/dashboard/', import.meta.url);
const assetsDir = new URL('assets/', dashboardDir);
/** Every module of the dashboard's script, by file name. */
const modules = new Map(
  readdirSync(assetsDir)
    .filter((name) => name.endsWith('.js'))
    .map((name) => [name, readFileSync(new URL(name, assetsDir), 'utf8')] as const),
);
/** The whole script, every module one after the other, for what holds across modules. */
const script = [...modules.values()].join('\n');
const style = readFileSync(new URL('dashboard.css', assetsDir), 'utf8');
const pageSource = readFileSync(new URL('page.ts', dashboardDir), 'utf8');
const languages: Lang[] = ['fr', 'en'];

/** The relative imports of one module, as written. */
function importsOf(source: string): string[] {
  // Static imports, and the dynamic ones that load a module beside it only when needed (the
  // player); JSDoc's `import('../../types.ts')` names types, which the browser never loads.
  return [
    ...source.matchAll(/^\s*import\s[^'"]*?from\s+'([^']+)'|\bimport\('(\.\/[^']+)'\)/gm),
  ].map((match) => match[1] ?? match[2] ?? '');
}

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
      'préparation',
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

  it('loads the script as a module and preloads every module it imports', () => {
    const html = renderDashboard('fr');
    expect(html).toContain('<script type="module" src="lab/assets/dashboard.js"></script>');
    // The only classic script block is the strings' JSON: no inline code.
    expect(html.match(/<script\b/g)).toHaveLength(2);
    for (const name of DASHBOARD_MODULES.slice(1)) {
      expect(html).toContain(`<link rel="modulepreload" href="lab/assets/${name}">`);
    }
  });

  it.each(languages)(
    'renders the cookie warning, hidden, with a link to a tab of its own (%s)',
    (lang) => {
      const html = renderDashboard(lang);
      expect(html).toMatch(/<div id="cookie-warning" class="[^"]*" role="alert" hidden>/);
      expect(html).toContain(
        `<a id="cookie-open" href="?lang=${lang}" target="_blank" rel="noopener">${strings[lang].cookieWarningLink}</a>`,
      );
      // Before the script runs the session travels as the app sends it: in a cookie.
      expect(html).toContain(`<dd id="glance-carrier">${strings[lang].carrierCookie}</dd>`);
      expect(html).toMatch(/<section id="selftest" [^>]*hidden>/);
      expect(html).toContain('<p id="rollout-line" class="rollout-line" hidden></p>');
    },
  );

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
  it('is the modules the page names, and only those', () => {
    expect([...modules.keys()].sort()).toEqual([...DASHBOARD_MODULES, ...RECORDING_MODULES].sort());
    expect(DASHBOARD_MODULES[0]).toBe('dashboard.js');
  });

  it.each([...modules.keys()])('%s parses as a browser ES module and is type-checked', (name) => {
    const source = modules.get(name) ?? '';
    expect(() =>
      transformSync(source, { loader: 'js', format: 'esm', sourcefile: name }),
    ).not.toThrow();
    expect(source.startsWith('// @ts-check\n')).toBe(true);
  });

  it('imports only modules beside it, by relative URL, and every module is reached', () => {
    const reached = new Set<string>(['dashboard.js']);
    const queue = ['dashboard.js'];
    while (queue.length > 0) {
      const name = queue.shift() ?? '';
      for (const specifier of importsOf(modules.get(name) ?? '')) {
        expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[\w-]+\.js$/);
        const target = specifier.slice(2);
        expect(modules.has(target), `${name} imports ${specifier}`).toBe(true);
        if (!reached.has(target)) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    expect([...reached].sort()).toEqual([...modules.keys()].sort());
    // Types come from the platform's own declarations, which the browser never loads.
    for (const [name, source] of modules) {
      expect(source, name).not.toMatch(/^\s*import\s[^'"]*from\s+'\.\.\//m);
    }
  });

  it('has one data source interface, with the event stream and polling behind it', () => {
    const feed = modules.get('feed.js') ?? '';
    expect(feed).toContain('@typedef {object} DataSource');
    for (const name of ['source-events.js', 'source-polling.js']) {
      expect(modules.get(name), name).toContain('@returns {DataSource}');
    }
    // Only the sources talk to the stream; the rest of the dashboard reads the feed.
    for (const [name, source] of modules) {
      if (name !== 'source-events.js') expect(source, name).not.toContain('new EventSource');
    }
  });

  it('names the session headers exactly as the balancer does', () => {
    const carrier = modules.get('session-carrier.js') ?? '';
    const named = [...carrier.matchAll(/'(X-Lab-[\w-]+)'/g)].map((match) =>
      match[1]?.toLowerCase(),
    );
    expect(named.sort()).toEqual([SESSION_HEADERS.cookie, SESSION_HEADERS.session].sort());
  });

  it('only looks up elements that the page renders', () => {
    // The player's elements are on the recording's page only.
    const ids = new Set([
      ...attributeValues(renderDashboard('fr'), 'id'),
      ...attributeValues(renderDashboard('fr', { recording: true }), 'id'),
    ]);
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
    // Every address the modules name, wherever they pass it: fetch, a source, a control.
    const urls = [...script.matchAll(/([`'])((?:lab|api)\/[^`']*)\1/g)].map(
      (match) => match[2] ?? '',
    );
    expect(script).not.toMatch(/(?:fetch|EventSource)\(\s*[`']\//);
    expect(urls).toEqual(
      expect.arrayContaining([
        'lab/state',
        'lab/events',
        'api/visit',
        'api/session',
        'lab/cookie-test?round=${round}',
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
    // No framework and no build step: what the browser loads is what is written here.
    const live = DASHBOARD_MODULES.reduce((sum, name) => sum + (modules.get(name)?.length ?? 0), 0);
    // 80 KiB since the burst and the expiry readout (burst.js, expiry.js) joined the live page,
    // 84 KiB since the admin tasks control (tasks.js) did.
    expect(live + style.length).toBeLessThan(84 * 1024);
    // A recording's page loads the player, the recording source and the step engine besides.
    const recording = RECORDING_MODULES.reduce(
      (sum, name) => sum + (modules.get(name)?.length ?? 0),
      0,
    );
    expect(recording).toBeLessThan(80 * 1024);
  });
});

describe('the admin tasks control', () => {
  it.each(languages)(
    'is a labelled form with a Run button and a place for the output (%s)',
    (lang) => {
      const html = renderDashboard(lang);
      const form = html.slice(
        html.indexOf('<form id="task-form"'),
        html.indexOf('</form>', html.indexOf('<form id="task-form"')),
      );
      expect(form).toContain(`<h3 id="h-tasks">${escapeHtml(strings[lang].tasksHeading)}</h3>`);
      expect(form).toContain(
        `<label for="task-name">${escapeHtml(strings[lang].taskLabel)}</label>`,
      );
      expect(form).toContain('<select id="task-name" name="task"></select>');
      expect(form).toContain(
        `<button type="submit" id="task-run">${escapeHtml(strings[lang].taskRun)}</button>`,
      );
      // The result is announced; the output is hidden until a task has run.
      expect(form).toMatch(/<p id="task-result" class="result" role="status" aria-live="polite">/);
      expect(form).toMatch(/<pre id="task-output" [^>]*aria-label="[^"]+"[^>]* hidden>/);
    },
  );

  it('lists the tasks, runs one by its name, and hears its events', () => {
    const tasks = modules.get('tasks.js') ?? '';
    expect(tasks).toContain("fetch('lab/tasks'");
    expect(tasks).toContain('fetch(`lab/tasks/${encodeURIComponent(name)}`');
    expect(tasks).toContain("method: 'POST'");
    // The event stream hands over only the types it listens to: `task` is one.
    expect(modules.get('source-events.js')).toMatch(/'task',\n\];/);
    expect(modules.get('dashboard.js')).toMatch(/case 'task':\s+showTaskEvent\(event\)/);
    // The exit code, a signal and a time limit each have a sentence, in both languages.
    for (const key of ['taskExited', 'taskKilled', 'taskTimedOut'] as const) {
      expect(tasks).toContain(`'${key}'`);
      for (const lang of languages) expect(strings[lang][key], key).toContain('{task}');
    }
    expect(strings.en.taskExited).toContain('{code}');
    expect(strings.en.taskFailed).toContain('{error}');
  });

  it('cannot be used on a recording: the player disables it with the other controls', () => {
    expect(modules.get('player.js')).toContain('#task-form select, #task-form button');
  });
});
