// The counter exercise's check: one visitor sends a burst of presses at once, with one cookie,
// spread by the balancer over several instances; the count must rise by exactly that many. Then
// every instance must read the same count, and a second visitor must have a count of their own.
// lab-client.js is shared by every exercise (sandboxes/labs/shared/); the lab's layout puts it here.
import { CheckProblem, checkWith, list, result } from './lab-client.js';

/** How many presses the burst sends at once, in one session. */
export const BURST = 50;

/** The results this check reports, in order, for a sandbox to list before it runs. */
export const checks = [
  {
    id: 'count-burst',
    title: {
      fr: `${BURST} requêtes simultanées dans une session font monter le compte de ${BURST}`,
      en: `${BURST} requests at once in one session raise the count by ${BURST}`,
    },
  },
  {
    id: 'count-shared',
    title: {
      fr: 'Toutes les instances lisent le même compte',
      en: 'Every instance reads the same count',
    },
  },
  {
    id: 'count-per-visitor',
    title: {
      fr: 'Chaque visiteur a son propre compte',
      en: 'Each visitor has a count of their own',
    },
  },
];

/**
 * Runs the check against the lab at `baseUrl` and resolves with `[{id, ok, message: {fr, en}}]`;
 * it never throws. `options`: see createLab in lab-client.js.
 */
export const check = checkWith(async (lab, state, results) => {
  // A burst can only race across instances if the balancer spreads it over several.
  if (state.sticky) {
    throw new CheckProblem(
      'count-burst',
      'Les sessions collantes sont activées : toutes les requêtes d’une session iraient à la même instance. Désactivez-les (tableau de bord, ou PUT /lab/config {"sticky": false}), puis relancez la vérification.',
      'Sticky sessions are on: every request of a session would go to the same instance. Turn them off (dashboard, or PUT /lab/config {"sticky": false}), then run the check again.',
    );
  }
  const ids = state.instances.map((instance) => instance.id);
  if (ids.length < 2) {
    throw new CheckProblem(
      'count-burst',
      `Une seule instance tourne (${list(ids, 'fr')}) : passez à au moins deux (tableau de bord, ou POST /lab/scale {"count": 3}), puis relancez la vérification.`,
      `Only one instance is running (${list(ids, 'en')}): scale to at least two (dashboard, or POST /lab/scale {"count": 3}), then run the check again.`,
    );
  }

  // The first press starts the session: from then on, every request carries the same cookie.
  const visitor = lab.visitor();
  const start = await press(visitor);
  // Before any burst, every instance must read that count: a count kept in each instance's memory
  // shows here, whatever the burst does later.
  lab.progress({
    fr: 'Lecture du compte sur chaque instance…',
    en: 'Reading the count on every instance…',
  });
  const readsBefore = await readCounts(lab, visitor, ids);

  lab.progress({
    fr: `Envoi de ${BURST} requêtes en même temps, avec le même témoin…`,
    en: `Sending ${BURST} requests at once, with the same cookie…`,
  });
  const answers = await Promise.all(
    Array.from({ length: BURST }, () => visitor('POST', 'api/count')),
  );
  const failed = answers.filter((answer) => answer.status !== 200);
  if (failed.length > 0) {
    const why = failed[0].json?.error ?? failed[0].error?.message ?? `HTTP ${failed[0].status}`;
    throw new CheckProblem(
      'count-burst',
      `${failed.length} des ${BURST} requêtes POST /api/count envoyées ensemble ont échoué (${why}) : la route doit répondre 200 {"instance", "count"} à chacune.`,
      `${failed.length} of the ${BURST} POST /api/count requests sent together failed (${why}): the route must answer each one with 200 {"instance", "count"}.`,
    );
  }
  const servedBy = [...new Set(answers.map((answer) => answer.instance).filter(Boolean))].sort();
  if (servedBy.length < 2) {
    throw new CheckProblem(
      'count-burst',
      `Les ${BURST} requêtes sont toutes allées à ${list(servedBy, 'fr') || 'la même instance'} : le répartiteur doit les distribuer à tour de rôle. Désactivez les sessions collantes et gardez au moins deux instances, puis relancez la vérification.`,
      `All ${BURST} requests went to ${list(servedBy, 'en') || 'the same instance'}: the balancer must hand them out in turn. Turn sticky sessions off and keep at least two instances, then run the check again.`,
    );
  }

  lab.progress({
    fr: 'Lecture du compte sur chaque instance…',
    en: 'Reading the count on every instance…',
  });
  const reads = await readCounts(lab, visitor, ids);
  const wanted = start + BURST;
  const wrong = reads.filter((entry) => entry.count !== wanted);
  const sharedBefore = readsBefore.every((entry) => entry.count === start);
  const agreed = sharedBefore && reads.every((entry) => entry.count === reads[0].count);
  const after = reads[0].count;
  const spread = { fr: list(servedBy, 'fr'), en: list(servedBy, 'en') };
  if (wrong.length === 0) {
    results.push(
      result(
        'count-burst',
        true,
        `Les ${BURST} requêtes simultanées, servies par ${spread.fr}, ont fait passer le compte de ${start} à ${wanted} : aucune n’a été perdue.`,
        `The ${BURST} requests at once, served by ${spread.en}, took the count from ${start} to ${wanted}: none was lost.`,
      ),
    );
  } else if (agreed && after < wanted) {
    // Answers that repeat a value are requests that read the same count before either wrote.
    const distinct = new Set(answers.map((answer) => answer.json?.count)).size;
    const missing = wanted - after;
    const lost =
      missing === 1
        ? { fr: 'un ajout s’est perdu', en: 'one addition was lost' }
        : { fr: `${missing} ajouts se sont perdus`, en: `${missing} additions were lost` };
    results.push(
      result(
        'count-burst',
        false,
        `Après ${BURST} requêtes envoyées en même temps dans la même session (servies par ${spread.fr}), le compte est passé de ${start} à ${after} au lieu de ${wanted} : ${lost.fr}.${distinct < BURST ? ` Les ${BURST} réponses ne donnent que ${distinct} valeurs différentes : plusieurs requêtes ont lu le même compte et écrit le même compte + 1.` : ''} express-session relit toute la session au début de chaque requête et la réécrit en entier à la fin : la dernière écriture gagne. Faites faire l’addition à Redis, en une opération atomique : INCR sur une clé tirée de la session (req.sessionID).`,
        `After ${BURST} requests sent at once in the same session (served by ${spread.en}), the count went from ${start} to ${after} instead of ${wanted}: ${lost.en}.${distinct < BURST ? ` The ${BURST} answers hold only ${distinct} different values: several requests read the same count and wrote the same count + 1.` : ''} express-session reads the whole session when a request arrives and writes the whole of it back at the end: the last write wins. Let Redis do the adding, in one atomic operation: INCR on a key derived from the session (req.sessionID).`,
      ),
    );
  } else if (agreed) {
    results.push(
      result(
        'count-burst',
        false,
        `Après ${BURST} requêtes simultanées, le compte est passé de ${start} à ${after} au lieu de ${wanted} : chaque requête doit ajouter exactement un.`,
        `After ${BURST} requests at once, the count went from ${start} to ${after} instead of ${wanted}: each request must add exactly one.`,
      ),
    );
  } else {
    results.push(
      result(
        'count-burst',
        false,
        `Après ${BURST} requêtes simultanées, le compte devrait valoir ${wanted} partout, mais ${seen(wrong, 'fr')}.`,
        `After ${BURST} requests at once, the count should read ${wanted} everywhere, but ${seen(wrong, 'en')}.`,
      ),
    );
  }

  results.push(
    agreed
      ? result(
          'count-shared',
          true,
          `${list(ids, 'fr')} lisent toutes le même compte, ${after}.`,
          `${list(ids, 'en')} all read the same count, ${after}.`,
        )
      : result(
          'count-shared',
          false,
          `Les instances ne lisent pas le même compte : ${sharedBefore ? `après la rafale, ${seen(reads, 'fr')}` : `après la première requête, servie avec le compte ${start}, ${seen(readsBefore, 'fr')}`}. Chaque instance garde-t-elle son propre compte ? Rangez-le dans Redis, que toutes partagent.`,
          `The instances do not read the same count: ${sharedBefore ? `after the burst, ${seen(reads, 'en')}` : `after the first request, answered with the count ${start}, ${seen(readsBefore, 'en')}`}. Does each instance keep a count of its own? Keep it in Redis, which they all share.`,
        ),
  );

  // One count under one key for everyone would pass the burst: a newcomer shows it.
  lab.progress({ fr: 'Un second visiteur…', en: 'A second visitor…' });
  // Whether the first visitor's count moved can only be told when every instance reads the same.
  const before = agreed ? await readCount(visitor) : null;
  const first = await press(lab.visitor());
  const unchanged = !agreed || (await readCount(visitor)) === before;
  results.push(
    first === 1 && unchanged
      ? result(
          'count-per-visitor',
          true,
          'Un nouveau visiteur commence à 1, et le compte du premier ne bouge pas.',
          'A new visitor starts at 1, and the first visitor’s count does not move.',
        )
      : result(
          'count-per-visitor',
          false,
          `Un nouveau visiteur devrait commencer à 1, mais sa première requête répond ${first}${unchanged ? '' : ', et le compte du premier visiteur a changé'} : les visiteurs partagent un même compte. Tirez la clé de la session de chacun (req.sessionID), pas d’un nom commun à tous.`,
          `A new visitor should start at 1, but their first request answers ${first}${unchanged ? '' : ', and the first visitor’s count changed'}: the visitors share one count. Derive the key from each visitor’s session (req.sessionID), not from one name shared by all.`,
        ),
  );
});

// One POST /api/count; its count, or a CheckProblem that says what the route must answer.
async function press(visitor) {
  const answer = await visitor('POST', 'api/count');
  const count = answer.json?.count;
  if (answer.status !== 200 || !Number.isInteger(count)) {
    const why = answer.json?.error ?? answer.error?.message ?? `HTTP ${answer.status}`;
    throw new CheckProblem(
      'count-burst',
      `POST /api/count a échoué (${why}) : la route doit ajouter un au compte et répondre 200 {"instance", "count": <nombre>}.`,
      `POST /api/count failed (${why}): the route must add one to the count and answer 200 {"instance", "count": <number>}.`,
    );
  }
  return count;
}

// Reads the visitor's count once from each instance of `ids`: [{id, count}], count null when the
// instance did not answer.
async function readCounts(lab, visitor, ids) {
  const answers = await lab.fromEveryInstance(() => visitor('GET', 'api/count'), ids);
  return ids.map((id) => {
    const answer = answers.get(id);
    if (!answer) return { id, count: null };
    if (answer.status !== 200 || !Number.isInteger(answer.json?.count)) {
      const why = answer.json?.error ?? `HTTP ${answer.status}`;
      throw new CheckProblem(
        'count-shared',
        `GET /api/count a échoué sur ${id} (${why}) : la route doit répondre 200 {"instance", "count": <nombre>}.`,
        `GET /api/count failed on ${id} (${why}): the route must answer 200 {"instance", "count": <number>}.`,
      );
    }
    return { id, count: answer.json.count };
  });
}

// The visitor's count, read once through the balancer.
async function readCount(visitor) {
  const answer = await visitor('GET', 'api/count');
  if (answer.status !== 200 || !Number.isInteger(answer.json?.count)) {
    const why = answer.json?.error ?? answer.error?.message ?? `HTTP ${answer.status}`;
    throw new CheckProblem(
      'count-per-visitor',
      `GET /api/count a échoué (${why}) : la route doit répondre 200 {"instance", "count": <nombre>}.`,
      `GET /api/count failed (${why}): the route must answer 200 {"instance", "count": <number>}.`,
    );
  }
  return answer.json.count;
}

// "web-1 lit 7, web-2 n'a pas répondu" / "web-1 reads 7, web-2 did not answer".
function seen(entries, lang) {
  const parts = entries.map(({ id, count }) => {
    if (lang === 'fr') return count === null ? `${id} n’a pas répondu` : `${id} lit ${count}`;
    return count === null ? `${id} did not answer` : `${id} reads ${count}`;
  });
  return list(parts, lang);
}
