// How the lab picks the language of a message: LAB_LANG and the system's locale, a request's
// Accept-Language, and the errors written in both languages.
import http from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Balancer } from '../../sandboxes/platform/balancer.ts';
import { EventBus } from '../../sandboxes/platform/events.ts';
import { ConfigError, readLabConfig } from '../../sandboxes/platform/config.ts';
import { HttpError } from '../../sandboxes/platform/http.ts';
import {
  type Lang,
  acceptedLanguage,
  joinLocalized,
  labLanguage,
  languageOfTag,
  LocalizedError,
  requestLanguage,
  textOf,
} from '../../sandboxes/platform/language.ts';
import { RolloutError } from '../../sandboxes/platform/orchestrator.ts';
import { formatSelfTestLine, parseSelfTestLine } from '../../sandboxes/platform/lines.ts';

describe('the lab language from the environment', () => {
  it('takes LAB_LANG first, whatever the locale says', () => {
    expect(labLanguage({ LAB_LANG: 'en', LANG: 'fr_FR.UTF-8' })).toBe('en');
    expect(labLanguage({ LAB_LANG: 'fr', LC_ALL: 'en_GB.UTF-8' })).toBe('fr');
  });

  it("reads the system's locale in POSIX order: LC_ALL, then LC_MESSAGES, then LANG", () => {
    expect(labLanguage({ LANG: 'en_US.UTF-8' })).toBe('en');
    expect(labLanguage({ LC_ALL: 'fr_CA.UTF-8', LANG: 'en_US.UTF-8' })).toBe('fr');
    expect(labLanguage({ LC_MESSAGES: 'en_US', LANG: 'fr_FR' })).toBe('en');
  });

  it('is French when nothing names French or English (C.UTF-8, German, nothing)', () => {
    expect(labLanguage({})).toBe('fr');
    expect(labLanguage({ LANG: 'C.UTF-8' })).toBe('fr');
    expect(labLanguage({ LANG: 'de_DE.UTF-8' })).toBe('fr');
  });

  it('reads language tags and locales alike', () => {
    expect(languageOfTag('en-GB')).toBe('en');
    expect(languageOfTag('fr_BE.UTF-8')).toBe('fr');
    expect(languageOfTag('EN')).toBe('en');
    expect(languageOfTag('es')).toBeNull();
    expect(languageOfTag(undefined)).toBeNull();
  });

  it('is part of the checked config, whose mistakes it words, and an unknown LAB_LANG stops the lab', () => {
    expect(readLabConfig({ LAB_LANG: 'en' }).lang).toBe('en');
    expect(readLabConfig({ LANG: 'C.UTF-8' }).lang).toBe('fr');
    expect(() => readLabConfig({ LAB_LANG: 'de' })).toThrow(ConfigError);
    // The mistake itself is told in the language the rest of the environment names.
    expect(() => readLabConfig({ LAB_LANG: 'de' })).toThrow(
      'LAB_LANG doit valoir "fr" ou "en", pas "de".',
    );
    expect(() => readLabConfig({ LAB_LANG: 'de', LANG: 'en_US.UTF-8' })).toThrow(
      'LAB_LANG must be "fr" or "en", not "de".',
    );
    expect(() => readLabConfig({ LAB_LANG: 'en', INSTANCES: '9' })).toThrow(
      'INSTANCES must be a whole number from 1 to 8, not "9".',
    );
    expect(() => readLabConfig({ LAB_LANG: 'fr', INSTANCES: '9' })).toThrow(
      'INSTANCES doit être un nombre entier de 1 à 8, pas "9".',
    );
  });
});

describe('the language of an answer', () => {
  it("follows Accept-Language's weights, the header's order breaking ties", () => {
    expect(acceptedLanguage('en-US,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(acceptedLanguage('de-DE, fr;q=0.5, en;q=0.4')).toBe('fr');
    expect(acceptedLanguage('fr, en')).toBe('fr');
    expect(acceptedLanguage('en;q=0.2, fr;q=0.7')).toBe('fr');
  });

  it("falls back to the lab's language when the header names neither (curl, fetch's *)", () => {
    expect(acceptedLanguage(undefined)).toBeNull();
    expect(acceptedLanguage('*')).toBeNull();
    expect(requestLanguage('*', 'en')).toBe('en');
    expect(requestLanguage(undefined, 'fr')).toBe('fr');
    expect(requestLanguage('de', 'en')).toBe('en');
    expect(requestLanguage('en', 'fr')).toBe('en');
  });
});

describe('errors written in both languages', () => {
  const kill = {
    fr: 'Aucune instance « web-9 » ne tourne.',
    en: 'No running instance "web-9".',
  };

  it("give either language on demand, and the lab's as their message", () => {
    const error = new LocalizedError(kill, 'fr');
    expect(error.message).toBe(kill.fr);
    expect(error.text('en')).toBe(kill.en);
    expect(textOf(error, 'en')).toBe(kill.en);
    expect(new LocalizedError(kill, 'en').message).toBe(kill.en);
  });

  it('are what the control API refuses with, its status beside', () => {
    const error = new HttpError(404, kill);
    expect(error.status).toBe(404);
    expect(error).toBeInstanceOf(LocalizedError);
    expect([error.text('fr'), error.text('en')]).toEqual([kill.fr, kill.en]);
  });

  it('keep a message written once the same in both', () => {
    const error = new HttpError(400, 'Send JSON.');
    expect(error.text('fr')).toBe('Send JSON.');
    expect(error.text('en')).toBe('Send JSON.');
  });

  it("leave any other error's message as it is", () => {
    expect(textOf(new Error('EADDRINUSE'), 'fr')).toBe('EADDRINUSE');
    expect(textOf('plain text', 'en')).toBe('plain text');
  });

  it('join a cause in both languages with what follows, piece by piece', () => {
    const cause = new RolloutError(
      { fr: "web-4 n'a pas démarré", en: 'web-4 did not start' },
      'en',
    );
    expect(cause).toBeInstanceOf(LocalizedError);
    const joined = joinLocalized(
      cause.texts,
      '\n(',
      { fr: "rien n'a changé", en: 'nothing changed' },
      ')',
    );
    expect(joined).toEqual({
      fr: "web-4 n'a pas démarré\n(rien n'a changé)",
      en: 'web-4 did not start\n(nothing changed)',
    });
  });
});

describe('lines that programs read', () => {
  it('keep their format in both languages; only the sentence after it changes', () => {
    const fr = formatSelfTestLine({
      name: 'sigterm',
      status: 'ok',
      detail: "un gestionnaire de SIGTERM s'est exécuté 3 ms après le signal",
    });
    const en = formatSelfTestLine({
      name: 'sigterm',
      status: 'ok',
      detail: 'a SIGTERM handler ran 3 ms after the signal',
    });
    expect(parseSelfTestLine(fr)).toMatchObject({ name: 'sigterm', status: 'ok' });
    expect(parseSelfTestLine(en)).toMatchObject({ name: 'sigterm', status: 'ok' });
  });
});

describe("the balancer's own answers", () => {
  // A real balancer on a real port, with no instance to send the visit to.
  async function visitWithNoInstance(lang: Lang): Promise<{ status: number; error: unknown }> {
    const balancer = new Balancer({ routable: () => [], sticky: false }, new EventBus(), { lang });
    const server = http.createServer((request, response) => balancer.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/api/visit`, { method: 'POST' });
      return {
        status: response.status,
        error: ((await response.json()) as { error: unknown }).error,
      };
    } finally {
      balancer.close();
      server.close();
    }
  }

  it('stand in for the app, so they speak the lab language', async () => {
    expect(await visitWithNoInstance('fr')).toEqual({
      status: 503,
      error: expect.stringMatching(/^Aucune instance ne tourne : /),
    });
    expect(await visitWithNoInstance('en')).toEqual({
      status: 503,
      error: expect.stringMatching(/^No instance is running: /),
    });
  });
});
