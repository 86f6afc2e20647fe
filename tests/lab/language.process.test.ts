// The lab speaks LAB_LANG: a French lab and an English one, each a real `npm run lab`, print the
// app's shutdown line, answer the app's 503 and 404 and the platform's control errors in their
// language, and answer a control error in the language an Accept-Language header asks for.
// The lines programs read (the ready line, the self-test lines) keep one format in both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSelfTestLine } from '../../sandboxes/platform/lines.ts';
import type { Lang } from '../../sandboxes/platform/language.ts';
import {
  control,
  settled,
  startLabProcess,
  startLabWith,
  Visitor,
  waitForState,
  type LabProcess,
} from './harness.ts';

type Message =
  | 'shutdown'
  | 'storeDown'
  | 'noRoute'
  | 'unknownInstance'
  | 'unexpectedField'
  | 'badCount'
  | 'badStore'
  | 'wrongMethod'
  | 'noPlatformRoute'
  | 'notJson';

/** What each language's lab must say, as a pattern per message. */
const EXPECTED: Record<Lang, Record<Message, RegExp>> = {
  fr: {
    shutdown: /\[web-\d+\] SIGTERM : je termine les requêtes en cours, puis je quitte/,
    storeDown: /^Le magasin de sessions est injoignable : /,
    noRoute: /^Pas de route GET \/api\/nowhere$/,
    unknownInstance: /^Aucune instance « web-99 » ne tourne/,
    unexpectedField: /^Champ inattendu « extra » : envoyez \{"count": n\}\.$/,
    badCount: /^"count" doit être un nombre entier de 1 à 8\.$/,
    badStore: /^"sessionStore" doit valoir "memory" ou "redis"\.$/,
    wrongMethod: /^Utilisez ici POST, pas GET\.$/,
    noPlatformRoute: /^La plateforme n'a pas de route POST \/lab\/nowhere/,
    notJson: /^Le corps n'est pas du JSON valide/,
  },
  en: {
    shutdown: /\[web-\d+\] SIGTERM: finishing requests in flight, then exiting/,
    storeDown: /^The session store is unreachable: /,
    noRoute: /^No route GET \/api\/nowhere$/,
    unknownInstance: /^No running instance "web-99"/,
    unexpectedField: /^Unexpected field "extra": send \{"count": n\}\.$/,
    badCount: /^"count" must be a whole number from 1 to 8\.$/,
    badStore: /^"sessionStore" must be "memory" or "redis"\.$/,
    wrongMethod: /^Use POST here, not GET\.$/,
    noPlatformRoute: /^No platform route POST \/lab\/nowhere/,
    notJson: /^The body is not valid JSON/,
  },
};

/** Control requests that are refused, each with the message it must get. */
const REFUSED: { key: Message; method: string; path: string; body?: unknown; status: number }[] = [
  { key: 'unknownInstance', method: 'POST', path: 'lab/instances/web-99/kill', status: 404 },
  {
    key: 'unexpectedField',
    method: 'POST',
    path: 'lab/scale',
    body: { count: 2, extra: 1 },
    status: 400,
  },
  { key: 'badCount', method: 'POST', path: 'lab/scale', body: { count: 9 }, status: 400 },
  {
    key: 'badStore',
    method: 'PUT',
    path: 'lab/config',
    body: { sessionStore: 'disk' },
    status: 400,
  },
  { key: 'wrongMethod', method: 'GET', path: 'lab/replace', status: 405 },
  { key: 'noPlatformRoute', method: 'POST', path: 'lab/nowhere', status: 404 },
  { key: 'notJson', method: 'POST', path: 'lab/scale', body: '{"count":', status: 400 },
];

const other = (lang: Lang): Lang => (lang === 'fr' ? 'en' : 'fr');

describe.each(['fr', 'en'] as const)('a lab started with LAB_LANG=%s', (lang) => {
  let lab: LabProcess;
  const expected = EXPECTED[lang];

  beforeAll(async () => {
    lab = await startLabWith('embedded', {
      LAB_LANG: lang,
      INSTANCES: '1',
      SESSION_STORE: 'redis',
      LAB_SELF_TEST: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('prints the ready line in its one format, whatever the language', () => {
    expect(lab.output()).toMatch(
      /^Lab ready at http:\/\/127\.0\.0\.1:\d+\/ \(1 of 1 instances, sessions in redis, /m,
    );
  });

  it("answers an unknown app route with a 404 in the lab's language", async () => {
    const answer = await new Visitor(lab.url).request('GET', 'api/nowhere');
    expect(answer.status).toBe(404);
    expect(answer.body['error']).toMatch(expected.noRoute);
  });

  it.each(REFUSED)("answers $method $path with $status in the lab's language", async (refusal) => {
    const answer = await control(lab.url, refusal.method, refusal.path, refusal.body);
    expect(answer.status).toBe(refusal.status);
    expect(Object.keys(answer.body)).toEqual(['error']);
    expect(answer.body['error']).toMatch(expected[refusal.key]);
  });

  it.each(REFUSED)(
    'answers $method $path in the language Accept-Language asks for',
    async (refusal) => {
      const asked = other(lang);
      const answer = await control(lab.url, refusal.method, refusal.path, refusal.body, {
        'accept-language': `${asked}-XX, ${lang};q=0.5`,
      });
      expect(answer.status).toBe(refusal.status);
      expect(answer.body['error']).toMatch(EXPECTED[asked][refusal.key]);
    },
  );

  it('gives self-test findings in both languages, printed in its own in the one line format', async () => {
    const state = await waitForState(
      lab.url,
      (s) => s.selfTest !== null && s.selfTest.sigterm.status !== 'pending',
    );
    const sigterm = state.selfTest!.sigterm;
    expect(sigterm.details).toBeDefined();
    expect(sigterm.detail).toBe(sigterm.details![lang]);
    expect(sigterm.details!.fr).not.toBe(sigterm.details!.en);
    const printed = lab
      .output()
      .split('\n')
      .map((line) => parseSelfTestLine(line))
      .find((line) => line?.name === 'sigterm');
    expect(printed?.detail).toBe(sigterm.detail);
  });

  it('answers a visit while the store is down with a 503 in its language', async () => {
    const visitor = new Visitor(lab.url);
    expect((await visitor.visit()).status).toBe(200);
    expect((await control(lab.url, 'POST', 'lab/store/stop')).status).toBe(200);
    try {
      const refused = await visitor.visit();
      expect(refused.status).toBe(503);
      expect(refused.body['error']).toMatch(expected.storeDown);
    } finally {
      expect((await control(lab.url, 'POST', 'lab/store/start')).status).toBe(200);
    }
    await waitForState(lab.url, settled);
  });

  it('prints the app’s shutdown line in its language when an instance is replaced', async () => {
    expect((await control(lab.url, 'POST', 'lab/replace')).status).toBe(200);
    await waitForState(lab.url, settled);
    const deadline = Date.now() + 5000;
    while (!expected.shutdown.test(lab.output()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lab.output()).toMatch(expected.shutdown);
    expect(lab.output()).not.toMatch(EXPECTED[other(lang)].shutdown);
  });
});

describe('a lab that cannot start', () => {
  it.each([
    [
      'fr',
      'Impossible de démarrer le laboratoire : INSTANCES doit être un nombre entier de 1 à 8, pas "9".',
    ],
    ['en', 'Cannot start the lab: INSTANCES must be a whole number from 1 to 8, not "9".'],
  ] as const)('says why in LAB_LANG=%s', async (lang, line) => {
    await expect(startLabProcess({ LAB_LANG: lang, INSTANCES: '9' })).rejects.toThrow(line);
  });
});
