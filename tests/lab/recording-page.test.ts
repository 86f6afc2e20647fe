// The recording's page of the dashboard, as the static build writes it: the same dashboard with
// the player, in both languages alike, every URL relative, every recorded scenario served with its
// recording, and nothing of the kind on a live lab's page.
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_MODULES,
  RECORDING_MODULES,
  renderDashboard,
} from '../../sandboxes/platform/dashboard/page.ts';
import { strings } from '../../sandboxes/platform/dashboard/strings.ts';
import { recordingSiteFile, recordingSitePaths } from '../../src/integrations/recordings.ts';
import {
  listScenarios,
  readRecording,
  RECORDING_LANGS,
  recordingFile,
} from '../../sandboxes/labs/scenario-model.ts';
import fs from 'node:fs';

const languages = ['fr', 'en'] as const;

/** The values an attribute takes in a document, in order. */
function attributeValues(html: string, attribute: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${attribute}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('the recording page', () => {
  it.each(languages)('has the player, labelled, with its controls named (%s)', (lang) => {
    const html = renderDashboard(lang, { recording: true });
    expect(html).toContain('<section id="player" class="player" aria-labelledby="player-label">');
    expect(html).toContain(`>${strings[lang].recordingLoading.replace(/'/g, '&#39;')}</h2>`);
    for (const id of ['player-back', 'player-play', 'player-forward']) {
      expect(html).toMatch(new RegExp(`<button type="button" id="${id}"[^>]*>[^<]+</button>`));
    }
    expect(html).toContain('<label for="player-scrub">');
    expect(html).toContain('<label for="player-speed">');
    expect(html).toMatch(/<div id="player-now" [^>]*aria-live="polite"/);
    // The other language is the page beside it, not a query a static host would ignore.
    expect(html).toContain(`href="${lang === 'fr' ? 'en' : 'fr'}.html"`);
  });

  it('preloads the player and its modules, by relative URLs only', () => {
    const html = renderDashboard('fr', { recording: true });
    for (const name of [...DASHBOARD_MODULES.slice(1), ...RECORDING_MODULES]) {
      expect(html).toContain(`<link rel="modulepreload" href="lab/assets/${name}">`);
    }
    for (const url of [...attributeValues(html, 'href'), ...attributeValues(html, 'src')]) {
      expect(url).not.toMatch(/^\/|^[a-z][a-z0-9+.-]*:\/\//i);
    }
  });

  it('offers the same structure in both languages', () => {
    const french = renderDashboard('fr', { recording: true });
    const english = renderDashboard('en', { recording: true });
    for (const attribute of ['id', 'for', 'aria-labelledby', 'aria-live', 'role', 'type']) {
      expect(attributeValues(english, attribute), attribute).toEqual(
        attributeValues(french, attribute),
      );
    }
  });

  it('is not what a live lab serves', () => {
    const live = renderDashboard('en');
    expect(live).not.toContain('id="player"');
    expect(live).not.toContain('player.js');
  });
});

describe('the files the build writes for recordings', () => {
  const paths = recordingSitePaths();

  it('holds the dashboard in both languages and every module the page names', () => {
    expect(paths).toContain('/labs/dashboard/fr.html');
    expect(paths).toContain('/labs/dashboard/en.html');
    for (const name of [
      ...DASHBOARD_MODULES,
      ...RECORDING_MODULES,
      'dashboard.css',
      'player.css',
    ]) {
      expect(paths).toContain(`/labs/dashboard/lab/assets/${name}`);
    }
  });

  it('serves every recorded scenario with its recording in each language, as committed', () => {
    const recorded = listScenarios().filter((s) =>
      RECORDING_LANGS.every((lang) => fs.existsSync(recordingFile(s.lab, s.id, lang))),
    );
    expect(recorded.length).toBeGreaterThan(0);
    const paths = recordingSitePaths();
    for (const scenario of recorded) {
      for (const lang of RECORDING_LANGS) {
        const urlPath = `/labs/recordings/${scenario.id}.${lang}.json`;
        expect(paths).toContain(urlPath);
        const served = JSON.parse(recordingSiteFile(urlPath)!);
        expect(served).toEqual(readRecording(scenario.lab, scenario.id, lang));
        expect(served.lang).toBe(lang);
      }
      // The names of before the recordings had a language are not served.
      expect(recordingSiteFile(`/labs/recordings/${scenario.id}.json`)).toBeNull();
      const steps = JSON.parse(recordingSiteFile(`/labs/scenarios/${scenario.id}.json`)!);
      expect(steps).toEqual(scenario);
    }
  });

  it('answers nothing for a name it does not hold', () => {
    expect(recordingSiteFile('/labs/recordings/no-such-scenario.fr.json')).toBeNull();
    expect(recordingSiteFile('/labs/recordings/01-factor.de.json')).toBeNull();
    expect(recordingSiteFile('/labs/dashboard/de.html')).toBeNull();
    expect(recordingSiteFile('/labs/dashboard/lab/assets/../page.ts')).toBeNull();
  });
});
