// @ts-check
/**
 * The step engine: whether a guided experiment's step has happened, from what the lab showed.
 *
 * Pure functions, no DOM and no Node: the dashboard runs this file as is, the sandbox host
 * bundles it, the recorder (scripts/record.ts) and the tests import it in Node. Given a step of a
 * scenario (sandboxes/labs/scenario-model.ts), the observations since the step began and those
 * before it, `judgeStep` says whether the step is `done` (with a sentence in the lesson's words
 * built from the facts of the run), still `waiting`, or whether the learner did something
 * `other` than the step asks, said kindly, with what it did to their session.
 *
 * An observation has the shape of a recording's frame, so that a recording replays through the
 * same judge as a live lab: a state, an event, a visit's answer, an output line, a file's
 * change, a check's results. Only the order of observations matters, never their clock.
 *
 * @typedef {import('../../../labs/scenario-model.ts').Step} Step
 * @typedef {import('../../../labs/scenario-model.ts').StepAction} StepAction
 * @typedef {import('../../../labs/scenario-model.ts').Fact} Fact
 * @typedef {import('../../../labs/scenario-model.ts').Frame} Frame
 * @typedef {import('../../../labs/scenario-model.ts').VisitFrame} VisitFrame
 * @typedef {import('../../../labs/scenario-model.ts').Scenario} Scenario
 * @typedef {import('../../../labs/scenario-model.ts').Recording} Recording
 * @typedef {import('../../../labs/scenario-model.ts').Bilingual} Bilingual
 * @typedef {import('../../types.ts').LabState} LabState
 * @typedef {import('../../types.ts').LabEvent} LabEvent
 *
 * @typedef {'waiting' | 'done' | 'other'} StepStatus
 * @typedef {object} FactResult
 * @property {Fact} fact
 * @property {boolean} ok
 * @property {Bilingual} says what the run shows: the fact when it holds, what is missing otherwise
 * @typedef {object} Judgement
 * @property {StepStatus} status
 * @property {Bilingual} message in the lesson's words, from the run's facts
 * @property {FactResult[]} facts each expected fact, judged
 * @property {Record<string, string>} values what the run showed, to fill `{placeholders}`
 * @property {Bilingual} caption the step's caption with its placeholders filled
 */

/**
 * The visits of a session: POST /api/visit and GET /api/session, whose answers carry a count.
 * @param {Frame[]} frames
 * @returns {VisitFrame[]}
 */
function sessionVisits(frames) {
  return /** @type {VisitFrame[]} */ (
    frames.filter(
      (f) => f.kind === 'visit' && (f.path === '/api/visit' || f.path === '/api/session'),
    )
  );
}

/**
 * The visits a step's counts are read from. A read of the session (GET /api/session) shows the
 * count without adding to it, and the dashboard also reads by itself (its expiry readout, after a
 * session starts): among presses of Visit, the reads are left out. A step made only of reads
 * keeps them.
 * @param {VisitFrame[]} visits
 * @returns {VisitFrame[]}
 */
function countingVisits(visits) {
  const presses = visits.filter((v) => v.path === '/api/visit');
  return presses.length > 0 ? presses : visits;
}

/**
 * Visits that a count came back with.
 * @param {VisitFrame[]} visits
 */
function counted(visits) {
  return visits.filter((v) => v.status === 200 && typeof v.body['visits'] === 'number');
}

/** @param {VisitFrame} visit */
function countOf(visit) {
  return /** @type {number} */ (visit.body['visits']);
}

/**
 * The events among observations, `state` frames excluded.
 * @param {Frame[]} frames
 * @returns {LabEvent[]}
 */
function events(frames) {
  /** @type {LabEvent[]} */
  const out = [];
  for (const f of frames) if (f.kind === 'event') out.push(f.event);
  return out;
}

/**
 * Every state the observations show, from state frames and `state` events alike.
 * @param {Frame[]} frames
 * @returns {LabState[]}
 */
function states(frames) {
  /** @type {LabState[]} */
  const out = [];
  for (const f of frames) {
    if (f.kind === 'state') out.push(f.state);
    else if (f.kind === 'event' && f.event.type === 'state') out.push(f.event.state);
  }
  return out;
}

/**
 * The count line of an admin task's output: a line that starts with a number and "session", in
 * either language (`3 sessions found in Redis…`, `0 session trouvée.`).
 */
const SESSIONS_LINE = /^(\d+) sessions?\b/;

/**
 * The lines the last run of task `name` printed, from the lab's `task` events.
 * @param {LabEvent[]} seen
 * @param {string | null} name the task, or null for any
 * @returns {string[] | null} null when no run of it finished
 */
function lastTaskOutput(seen, name) {
  const finished = [...seen]
    .reverse()
    .find((e) => e.type === 'task' && e.phase === 'finished' && (name === null || e.task === name));
  if (!finished || finished.type !== 'task') return null;
  const lines = [];
  for (const e of seen) {
    if (e.type === 'task' && e.run === finished.run && e.phase === 'output') lines.push(e.line);
  }
  return lines;
}

/**
 * How many sessions a task's output says it found, or null when no line says.
 * @param {string[]} lines
 */
function sessionsCounted(lines) {
  for (const line of lines) {
    const match = SESSIONS_LINE.exec(line.trim());
    if (match) return Number(match[1]);
  }
  return null;
}

/**
 * @template T
 * @param {T[]} list
 * @returns {T | undefined}
 */
function last(list) {
  return list[list.length - 1];
}

/**
 * Whether a state is settled: as many instances as wanted, every one ready, no rollout due.
 * @param {LabState} state
 */
function settled(state) {
  return (
    state.instances.length === state.desired &&
    state.instances.every((i) => i.status === 'ready') &&
    (state.rollout ?? null) === null
  );
}

/**
 * The lab's words for a number of visits.
 * @param {number} n
 * @returns {Bilingual}
 */
function visitsWord(n) {
  return { fr: `${n} visite${n > 1 ? 's' : ''}`, en: `${n} visit${n === 1 ? '' : 's'}` };
}

/**
 * Counts in a sentence; a long run shows its ends only: "6, 7, 8, …, 104, 105".
 * @param {number[]} counts
 */
function countsText(counts) {
  if (counts.length <= 8) return counts.join(', ');
  return [...counts.slice(0, 3), '…', ...counts.slice(-2)].join(', ');
}

/**
 * A list of ids in a sentence: "web-1, web-2 and web-3".
 * @param {string[]} ids
 * @param {'fr' | 'en'} lang
 */
function listText(ids, lang) {
  if (ids.length <= 1) return ids.join('');
  const and = lang === 'fr' ? ' et ' : ' and ';
  return `${ids.slice(0, -1).join(', ')}${and}${ids[ids.length - 1]}`;
}

/**
 * @param {string} fr
 * @param {string} en
 * @returns {Bilingual}
 */
function say(fr, en) {
  return { fr, en };
}

/**
 * What the run showed, by name, for captions and messages.
 * @param {Frame[]} observations
 * @param {Frame[]} before
 * @returns {Record<string, string>}
 */
export function runValues(observations, before) {
  /** @type {Record<string, string>} */
  const values = {};
  // A list reads "a, b and c" in English and "a, b et c" in French: one value per language.
  const list = (/** @type {string} */ name, /** @type {string[]} */ ids) => {
    values[name] = ids.join(', ');
    values[`${name}:fr`] = listText(ids, 'fr');
    values[`${name}:en`] = listText(ids, 'en');
  };
  const mine = sessionVisits(observations);
  const all = [...sessionVisits(before), ...mine];
  const lastVisit = last(mine) ?? last(all);
  if (lastVisit?.instance) values['instance'] = lastVisit.instance;
  const lastCount = last(counted(mine)) ?? last(counted(all));
  if (lastCount) values['visits'] = String(countOf(lastCount));
  const previous = last(counted(sessionVisits(before)));
  values['previous'] = previous ? String(countOf(previous)) : '0';
  const counts = counted(countingVisits(mine)).map(countOf);
  if (counts.length > 0) {
    values['max'] = String(Math.max(...counts));
    values['counts'] = countsText(counts);
  }
  values['ok'] = String(mine.filter((v) => v.status === 200).length);
  values['total'] = String(mine.length);
  const everything = [...events(before), ...events(observations)];
  // Killed by the learner, or by the platform after failed liveness checks.
  const kill = [...everything]
    .reverse()
    .find(
      (e) => e.type === 'instance-stopped' && (e.reason === 'killed' || e.reason === 'unhealthy'),
    );
  if (kill && kill.type === 'instance-stopped') {
    values['killed'] = kill.id;
    const afterKill = everything.slice(everything.indexOf(kill) + 1);
    const started = afterKill.find((e) => e.type === 'instance-started');
    if (started && started.type === 'instance-started') values['replacement'] = started.id;
  }
  const output = lastTaskOutput(everything, null);
  const sessions = output === null ? null : sessionsCounted(output);
  if (sessions !== null) values['sessions'] = String(sessions);
  const state = last(states(observations)) ?? last(states(before));
  if (state) {
    values['count'] = String(state.instances.length);
    values['store'] = state.sessionStore;
    list(
      'instances',
      state.instances.map((i) => i.id),
    );
  }
  const check = [...observations].reverse().find((f) => f.kind === 'check');
  if (check && check.kind === 'check') {
    list(
      'failed',
      check.results.filter((r) => !r.ok).map((r) => r.id),
    );
    list(
      'passed',
      check.results.filter((r) => r.ok).map((r) => r.id),
    );
  }
  return values;
}

/**
 * Judges one fact against the step's observations and those before it.
 * @param {Fact} fact
 * @param {Frame[]} observations
 * @param {Frame[]} before
 * @returns {FactResult}
 */
export function judgeFact(fact, observations, before) {
  const result = (/** @type {boolean} */ ok, /** @type {Bilingual} */ says) => ({
    fact,
    ok,
    says,
  });
  const visits = sessionVisits(observations);
  const good = counted(countingVisits(visits));
  const counts = good.map(countOf);
  const seen = events(observations);
  const latest = last(states(observations)) ?? last(states(before));
  const probes = (/** @type {string} */ path) =>
    /** @type {VisitFrame[]} */ (observations.filter((f) => f.kind === 'visit' && f.path === path));

  switch (fact.type) {
    case 'answered': {
      const status = fact.status ?? 200;
      const all = observations.filter((f) => f.kind === 'visit');
      const wrong = all.filter((v) => v.kind === 'visit' && v.status !== status);
      if (all.length === 0) return result(false, say('Aucune visite encore.', 'No visit yet.'));
      if (wrong.length > 0) {
        const first = /** @type {VisitFrame} */ (wrong[0]);
        return result(
          false,
          say(
            `${wrong.length} réponse(s) sur ${all.length} n'ont pas été ${status} (la première : ${first.status}).`,
            `${wrong.length} answer(s) of ${all.length} were not ${status} (the first: ${first.status}).`,
          ),
        );
      }
      return result(
        true,
        say(
          `les ${all.length} requêtes ont reçu ${status}`,
          `all ${all.length} requests got ${status}`,
        ),
      );
    }
    case 'count-splits': {
      const instances = [...new Set(good.map((v) => v.instance ?? '?'))];
      const max = counts.length ? Math.max(...counts) : 0;
      const ok = good.length >= 2 && instances.length >= 2 && max < good.length;
      if (ok) {
        return result(
          true,
          say(
            `${good.length} visites, et aucune instance ne compte plus de ${visitsWord(max).fr} : ${listText(instances, 'fr')} ont chacune leur propre copie de votre session`,
            `${good.length} visits, and no instance counts more than ${visitsWord(max).en}: ${listText(instances, 'en')} each keep their own copy of your session`,
          ),
        );
      }
      if (good.length >= 2 && max >= good.length) {
        return result(
          false,
          say(
            `le compteur a suivi vos ${good.length} visites sans se partager (${countsText(counts)}) : les sessions ne sont pas dans la mémoire de chaque instance`,
            `the count followed your ${good.length} visits without splitting (${countsText(counts)}): the sessions are not in each instance's memory`,
          ),
        );
      }
      return result(
        false,
        say(
          'Il faut au moins deux visites servies par deux instances.',
          'It takes at least two visits served by two instances.',
        ),
      );
    }
    case 'count-climbs': {
      const climbs = counts.every(
        (n, i) => i === 0 || n === /** @type {number} */ (counts[i - 1]) + 1,
      );
      if (good.length >= 2 && climbs) {
        return result(
          true,
          say(
            `le compteur monte sans trou : ${countsText(counts)}`,
            `the count climbs without a gap: ${countsText(counts)}`,
          ),
        );
      }
      return result(
        false,
        good.length < 2
          ? say('Il faut au moins deux visites.', 'It takes at least two visits.')
          : say(
              `le compteur n'a pas monté d'un à chaque visite : ${countsText(counts)}`,
              `the count did not rise by one at each visit: ${countsText(counts)}`,
            ),
      );
    }
    case 'count-starts-at-1': {
      const first = good[0];
      if (!first) return result(false, say('Aucune visite encore.', 'No visit yet.'));
      return first && countOf(first) === 1
        ? result(
            true,
            say(
              `votre première visite, servie par ${first.instance}, compte 1`,
              `your first visit, served by ${first.instance}, counts 1`,
            ),
          )
        : result(
            false,
            say(
              `la première visite compte ${countOf(first)}, pas 1 : ce n'était pas un nouveau visiteur`,
              `the first visit counts ${countOf(first)}, not 1: it was not a new visitor`,
            ),
          );
    }
    case 'count-restarts-at-1': {
      const answeredBefore = new Set(sessionVisits(before).map((v) => v.instance));
      const hadCount = counted(sessionVisits(before)).some((v) => countOf(v) >= 1);
      const restart = good.find(
        (v) =>
          countOf(v) === 1 &&
          (hadCount || v.cookie === 'sent') &&
          (fact.on !== 'new-instance' || !answeredBefore.has(v.instance)),
      );
      if (restart) {
        const { killed, replacement } = runValues(observations, before);
        // The kill is worth recalling only when the visit landed on the instance that replaced it.
        const lead =
          killed && replacement === restart.instance
            ? say(`${killed} a été tuée ; `, `${killed} was killed; `)
            : say('', '');
        return result(
          true,
          say(
            `${lead.fr}votre visite a été servie par ${restart.instance}, qui ne vous avait jamais vu, et compte 1 : la session est perdue`,
            `${lead.en}your visit was answered by ${restart.instance}, which had never seen you, with 1 visit: the session was lost`,
          ),
        );
      }
      return result(
        false,
        fact.on === 'new-instance'
          ? say(
              "Aucune visite n'est encore arrivée sur une instance qui ne vous avait jamais vu.",
              'No visit has reached an instance that had never seen you yet.',
            )
          : say("Le compteur n'est pas reparti de 1.", 'The count has not started again at 1.'),
      );
    }
    case 'count-continues': {
      const previousVisit = last(counted(sessionVisits(before)));
      const previous = previousVisit ? countOf(previousVisit) : 0;
      const first = good[0];
      if (!first)
        return result(false, say('Aucune visite comptée encore.', 'No visit counted yet.'));
      const climbs = counts.every((n, i) => n === previous + i + 1);
      if (climbs) {
        return result(
          true,
          say(
            `le compteur reprend là où il en était : ${previous} puis ${countsText(counts)}, servi par ${listText([...new Set(good.map((v) => v.instance ?? '?'))], 'fr')}`,
            `the count carries on where it was: ${previous}, then ${countsText(counts)}, served by ${listText([...new Set(good.map((v) => v.instance ?? '?'))], 'en')}`,
          ),
        );
      }
      return result(
        false,
        say(
          `le compteur était à ${previous} et la suite donne ${countsText(counts)} : la session n'a pas suivi`,
          `the count was at ${previous} and then went ${countsText(counts)}: the session did not carry on`,
        ),
      );
    }
    case 'count-rose-less': {
      // Visits sent together in one session: the first to read it read the count from before
      // them, so the smallest answer is that count + 1 and the highest is where the count got.
      // With memory sessions each instance keeps its own copy, counted on its own.
      const posts = good.filter((v) => v.path === '/api/visit');
      const failed = visits.filter((v) => v.path === '/api/visit' && v.status !== 200);
      if (posts.length < 2 || failed.length > 0) {
        return result(
          false,
          failed.length > 0
            ? say(
                `${failed.length} visite(s) n'ont pas reçu 200 : la perte doit venir de visites qui ont toutes réussi.`,
                `${failed.length} visit(s) did not get 200: the loss must come from visits that all succeeded.`,
              )
            : say('Aucune rafale de visites encore.', 'No burst of visits yet.'),
        );
      }
      /** @type {Map<string, number[]>} */
      const copies = new Map();
      for (const v of posts) {
        const key = v.body['store'] === 'redis' ? 'redis' : (v.instance ?? '?');
        copies.set(key, [...(copies.get(key) ?? []), countOf(v)]);
      }
      let rise = 0;
      for (const counts of copies.values()) rise += Math.max(...counts) - Math.min(...counts) + 1;
      const lost = posts.length - rise;
      return lost > 0
        ? result(
            true,
            say(
              `${posts.length} visites réussies, et le compte n'a monté que de ${rise} : ${lost} mise(s) à jour perdue(s), écrasées par une écriture de la session entière`,
              `${posts.length} visits succeeded, and the count rose by only ${rise}: ${lost} update(s) lost, overwritten by a write of the whole session`,
            ),
          )
        : result(
            false,
            say(
              `le compte a monté de ${rise} pour ${posts.length} visites : rien n'a été perdu, les visites ne se sont pas chevauchées`,
              `the count rose by ${rise} for ${posts.length} visits: nothing was lost, the visits did not overlap`,
            ),
          );
    }
    case 'expires-within': {
      // The expiry readout may have read the session just before the step began.
      const looks = [...sessionVisits(before), ...visits].filter(
        (v) =>
          v.path === '/api/session' &&
          v.status === 200 &&
          typeof v.body['expiresInSeconds'] === 'number',
      );
      const look = last(looks);
      const left = look ? /** @type {number} */ (look.body['expiresInSeconds']) : null;
      return left !== null && left > 0 && left <= fact.seconds
        ? result(
            true,
            say(
              `il reste ${left} s à la session, d'après ${look?.instance ?? 'le magasin'}`,
              `the session has ${left} s left, says ${look?.instance ?? 'the store'}`,
            ),
          )
        : result(
            false,
            left === null
              ? say(
                  "Aucune lecture de l'expiration de la session encore.",
                  "No reading of the session's expiry yet.",
                )
              : say(
                  `il reste ${left} s à la session, plus que ${fact.seconds} : elle a commencé avant le changement de durée de vie`,
                  `the session has ${left} s left, more than ${fact.seconds}: it started before the lifetime changed`,
                ),
          );
    }
    case 'session-expired': {
      const hadCount = counted([...sessionVisits(before), ...visits]).some((v) => countOf(v) >= 1);
      const gone = visits.find(
        (v) =>
          v.path === '/api/session' &&
          v.status === 200 &&
          v.body['visits'] === 0 &&
          v.body['expiresInSeconds'] === null,
      );
      return hadCount && gone
        ? result(
            true,
            say(
              `${gone.instance} ne trouve plus votre session : elle a expiré, et le compte avec elle`,
              `${gone.instance} no longer finds your session: it expired, and the count with it`,
            ),
          )
        : result(
            false,
            say("La session n'a pas encore expiré.", 'The session has not expired yet.'),
          );
    }
    case 'round-robin': {
      const want = fact.instances ?? 2;
      const instances = [...new Set(visits.map((v) => v.instance).filter((i) => i !== null))];
      return instances.length >= want
        ? result(
            true,
            say(
              `les instances se relaient : ${listText(/** @type {string[]} */ (instances), 'fr')}`,
              `the instances take turns: ${listText(/** @type {string[]} */ (instances), 'en')}`,
            ),
          )
        : result(
            false,
            say(
              `${instances.length} instance(s) ont répondu, il en faut ${want}.`,
              `${instances.length} instance(s) answered; it takes ${want}.`,
            ),
          );
    }
    case 'same-instance': {
      const instances = [...new Set(good.map((v) => v.instance))];
      if (good.length >= 2 && instances.length === 1) {
        return result(
          true,
          say(
            `${instances[0]} répond à chacune de vos ${good.length} visites`,
            `${instances[0]} answers each of your ${good.length} visits`,
          ),
        );
      }
      return result(
        false,
        good.length < 2
          ? say('Il faut au moins deux visites.', 'It takes at least two visits.')
          : say(
              `plusieurs instances ont répondu (${listText(/** @type {string[]} */ (instances), 'fr')}) : la session collante n'est pas active`,
              `several instances answered (${listText(/** @type {string[]} */ (instances), 'en')}): sticky sessions are not on`,
            ),
      );
    }
    case 'instance-replaced': {
      const killIndex = seen.findIndex(
        (e) => e.type === 'instance-stopped' && e.reason === 'killed',
      );
      const kill = seen[killIndex];
      if (!kill || kill.type !== 'instance-stopped') {
        return result(
          false,
          say("Aucune instance n'a encore été tuée.", 'No instance has been killed yet.'),
        );
      }
      const after = seen.slice(killIndex + 1);
      const started = after.find((e) => e.type === 'instance-started' && e.id !== kill.id);
      const ready =
        started &&
        started.type === 'instance-started' &&
        after.some((e) => e.type === 'instance-ready' && e.id === started.id);
      if (started && started.type === 'instance-started' && ready) {
        return result(
          true,
          say(
            `${kill.id} a été tuée ; la plateforme a démarré une instance neuve, ${started.id}, à sa place`,
            `${kill.id} was killed; the platform started a fresh instance, ${started.id}, in its place`,
          ),
        );
      }
      return result(
        false,
        say(
          `${kill.id} a été tuée ; la plateforme n'a pas encore d'instance prête à sa place.`,
          `${kill.id} was killed; the platform has no instance ready in its place yet.`,
        ),
      );
    }
    case 'all-replaced': {
      const start = last(states(before)) ?? states(observations)[0];
      const old = start ? start.instances.map((i) => i.id) : [];
      const replaced = new Set(
        seen
          .filter((e) => e.type === 'instance-stopped' && e.reason === 'replaced')
          .map((e) => (e.type === 'instance-stopped' ? e.id : '')),
      );
      const now = latest;
      const allGone = old.length > 0 && old.every((id) => replaced.has(id));
      const fresh = now ? now.instances.every((i) => !old.includes(i.id)) : false;
      if (allGone && now && fresh && settled(now)) {
        return result(
          true,
          say(
            `${listText(old, 'fr')} ont été remplacées une à une par ${listText(
              now.instances.map((i) => i.id),
              'fr',
            )}`,
            `${listText(old, 'en')} were replaced one by one by ${listText(
              now.instances.map((i) => i.id),
              'en',
            )}`,
          ),
        );
      }
      return result(
        false,
        say(
          `${[...replaced].filter((id) => old.includes(id)).length} instance(s) sur ${old.length} remplacée(s) pour l'instant.`,
          `${[...replaced].filter((id) => old.includes(id)).length} of ${old.length} instance(s) replaced so far.`,
        ),
      );
    }
    case 'scaled': {
      if (latest && latest.desired === fact.count && settled(latest)) {
        return result(
          true,
          say(
            `${fact.count} instances tournent, toutes prêtes : ${listText(
              latest.instances.map((i) => i.id),
              'fr',
            )}`,
            `${fact.count} instances run, all ready: ${listText(
              latest.instances.map((i) => i.id),
              'en',
            )}`,
          ),
        );
      }
      return result(
        false,
        say(
          `${latest ? latest.instances.filter((i) => i.status === 'ready').length : 0} instance(s) prête(s) sur ${fact.count} voulues.`,
          `${latest ? latest.instances.filter((i) => i.status === 'ready').length : 0} instance(s) ready of the ${fact.count} wanted.`,
        ),
      );
    }
    case 'config-applied': {
      const storeOk = fact.sessionStore === undefined || latest?.sessionStore === fact.sessionStore;
      const stickyOk = fact.sticky === undefined || latest?.sticky === fact.sticky;
      const maxAgeOk =
        fact.sessionMaxAgeSeconds === undefined ||
        latest?.sessionMaxAgeSeconds === fact.sessionMaxAgeSeconds;
      if (latest && storeOk && stickyOk && maxAgeOk && settled(latest)) {
        const store =
          latest.sessionStore === 'redis'
            ? 'Redis'
            : say('la mémoire de chaque instance', "each instance's memory");
        const sticky = latest.sticky
          ? say(', session collante active', ', sticky sessions on')
          : fact.sessionMaxAgeSeconds !== undefined
            ? say(
                `, des sessions neuves qui vivent ${fact.sessionMaxAgeSeconds} s`,
                `, new sessions living ${fact.sessionMaxAgeSeconds} s`,
              )
            : say('', '');
        return result(
          true,
          say(
            `les instances ${listText(
              latest.instances.map((i) => i.id),
              'fr',
            )} gardent les sessions dans ${typeof store === 'string' ? store : store.fr}${sticky.fr}`,
            `the instances ${listText(
              latest.instances.map((i) => i.id),
              'en',
            )} keep sessions in ${typeof store === 'string' ? store : store.en}${sticky.en}`,
          ),
        );
      }
      return result(
        false,
        say(
          "Le remplacement progressif avec la nouvelle configuration n'est pas encore terminé.",
          'The rolling replacement with the new configuration has not finished yet.',
        ),
      );
    }
    case 'store-down': {
      const down = seen.some((e) => e.type === 'store-down') || latest?.store.up === false;
      return down
        ? result(true, say('Redis ne répond plus', 'Redis no longer answers'))
        : result(false, say('Redis répond encore.', 'Redis still answers.'));
    }
    case 'store-up': {
      const up = seen.some((e) => e.type === 'store-up') && latest?.store.up !== false;
      return up
        ? result(true, say('Redis répond de nouveau', 'Redis answers again'))
        : result(false, say('Redis ne répond pas encore.', 'Redis does not answer yet.'));
    }
    case 'liveness-200':
    case 'readiness-503':
    case 'readiness-200': {
      const path = fact.type === 'liveness-200' ? '/healthz' : '/readyz';
      const want = fact.type === 'readiness-503' ? 503 : 200;
      const asked = probes(path);
      const statuses = asked.map((v) => v.status);
      const name =
        path === '/healthz'
          ? say('la vivacité (/healthz)', 'liveness (/healthz)')
          : say('la préparation (/readyz)', 'readiness (/readyz)');
      const who = [...new Set(asked.map((v) => v.instance).filter((i) => i !== null))];
      if (asked.length > 0 && statuses.every((s) => s === want)) {
        return result(
          true,
          say(
            `${name.fr} répond ${want} sur ${listText(/** @type {string[]} */ (who), 'fr') || `${asked.length} requêtes`}`,
            `${name.en} answers ${want} on ${listText(/** @type {string[]} */ (who), 'en') || `${asked.length} requests`}`,
          ),
        );
      }
      return result(
        false,
        asked.length === 0
          ? say(`Personne n'a encore demandé ${path}.`, `Nobody has asked ${path} yet.`)
          : say(
              `${name.fr} a répondu ${statuses.join(', ')}, pas ${want} partout`,
              `${name.en} answered ${statuses.join(', ')}, not ${want} everywhere`,
            ),
      );
    }
    case 'api-503': {
      const refused = visits.find((v) => v.status === 503 && typeof v.body['error'] === 'string');
      return refused
        ? result(
            true,
            say(
              `la visite reçoit 503 : « ${String(refused.body['error'])} », et le processus reste debout`,
              `the visit gets 503: "${String(refused.body['error'])}", and the process stays up`,
            ),
          )
        : result(false, say("Aucune visite n'a encore reçu 503.", 'No visit has got a 503 yet.'));
    }
    case 'instances-unready': {
      const unready = states(observations).find(
        (s) => s.instances.length > 0 && s.instances.every((i) => i.status === 'unready'),
      );
      return unready
        ? result(
            true,
            say(
              `${listText(
                unready.instances.map((i) => i.id),
                'fr',
              )} sont « non prêtes » : elles vivent mais ne peuvent pas servir`,
              `${listText(
                unready.instances.map((i) => i.id),
                'en',
              )} are "not ready": alive, but unable to serve`,
            ),
          )
        : result(
            false,
            say(
              'Les instances ne sont pas encore toutes « non prêtes ».',
              'The instances are not all "not ready" yet.',
            ),
          );
    }
    case 'instances-ready': {
      if (latest && latest.instances.length > 0 && settled(latest)) {
        return result(
          true,
          say(
            `${listText(
              latest.instances.map((i) => i.id),
              'fr',
            )} sont toutes prêtes`,
            `${listText(
              latest.instances.map((i) => i.id),
              'en',
            )} are all ready`,
          ),
        );
      }
      return result(
        false,
        say(
          'Les instances ne sont pas encore toutes prêtes.',
          'The instances are not all ready yet.',
        ),
      );
    }
    case 'liveness-kills': {
      const killed = [...seen]
        .reverse()
        .find((e) => e.type === 'instance-stopped' && e.reason === 'unhealthy');
      if (killed && killed.type === 'instance-stopped') {
        return result(
          true,
          say(
            `${killed.id} a échoué à sa vérification de vivacité et la plateforme l'a remplacée, alors que Redis est toujours arrêté : la remplacer ne répare rien`,
            `${killed.id} failed its liveness check and the platform replaced it, while Redis is still down: replacing it mends nothing`,
          ),
        );
      }
      return result(
        false,
        say(
          "Aucune instance n'a encore échoué à sa vérification de vivacité.",
          'No instance has failed its liveness check yet.',
        ),
      );
    }
    case 'no-restart': {
      const stopped = seen.filter((e) => e.type === 'instance-stopped');
      if (stopped.length === 0) {
        const ids = latest ? latest.instances.map((i) => i.id) : [];
        return result(
          true,
          say(
            `aucune instance n'a été redémarrée (${listText(ids, 'fr')} sont toujours là)`,
            `no instance was restarted (${listText(ids, 'en')} are still there)`,
          ),
        );
      }
      const first = stopped[0];
      return result(
        false,
        say(
          `${first && first.type === 'instance-stopped' ? `${first.id} s'est arrêtée (${first.reason})` : ''} : une instance a été remplacée`,
          `${first && first.type === 'instance-stopped' ? `${first.id} stopped (${first.reason})` : ''}: an instance was replaced`,
        ),
      );
    }
    case 'rollout-finished': {
      const done = seen.some((e) => e.type === 'rollout-finished');
      return done && (!latest || latest.rollout === null)
        ? result(
            true,
            say('le remplacement progressif est terminé', 'the rolling replacement finished'),
          )
        : result(
            false,
            say(
              "Le remplacement progressif n'est pas terminé.",
              'The rolling replacement has not finished.',
            ),
          );
    }
    case 'rollout-failed': {
      const failed = seen.find((e) => e.type === 'rollout-failed');
      // The error may carry a whole stack trace: its first line says what happened.
      const why = failed && failed.type === 'rollout-failed' ? firstLine(failed.error) : '';
      return failed && failed.type === 'rollout-failed'
        ? result(
            true,
            say(
              `le remplacement s'arrête (« ${why} ») et les anciennes instances continuent de servir`,
              `the rollout stops ("${why}") and the old instances keep serving`,
            ),
          )
        : result(false, say("Le remplacement n'a pas échoué.", 'The rollout has not failed.'));
    }
    case 'check-fails':
    case 'check-passes': {
      const check = [...observations].reverse().find((f) => f.kind === 'check');
      if (!check || check.kind !== 'check') {
        return result(
          false,
          say("La vérification n'a pas encore tourné.", 'The check has not run yet.'),
        );
      }
      const failed = check.results.filter((r) => !r.ok).map((r) => r.id);
      const passed = check.results.filter((r) => r.ok).map((r) => r.id);
      const wantsPass = fact.type === 'check-passes';
      if (check.ok === wantsPass) {
        return result(
          true,
          wantsPass
            ? say(
                `la vérification passe : ${listText(passed, 'fr')}`,
                `the check passes: ${listText(passed, 'en')}`,
              )
            : say(
                `la vérification échoue sur ${listText(failed, 'fr')}`,
                `the check fails on ${listText(failed, 'en')}`,
              ),
        );
      }
      return result(
        false,
        wantsPass
          ? say(
              `la vérification échoue encore sur ${listText(failed, 'fr')}`,
              `the check still fails on ${listText(failed, 'en')}`,
            )
          : say(
              'la vérification passe déjà : les fichiers de départ sont peut-être déjà corrigés',
              'the check already passes: the starting files may already be fixed',
            ),
      );
    }
    case 'files-changed': {
      const change = observations.find(
        (f) =>
          f.kind === 'files' &&
          f.before !== f.after &&
          (fact.file === undefined || f.file === fact.file),
      );
      return change && change.kind === 'files'
        ? result(true, say(`${change.file} a changé`, `${change.file} changed`))
        : result(
            false,
            say(
              `${fact.file ?? 'Aucun fichier'} n'a pas encore changé.`,
              `${fact.file ?? 'No file'} has not changed yet.`,
            ),
          );
    }
    case 'task-ran': {
      // The lab's `finished` event, or the line a recording made before it existed.
      const line = `task ${fact.name} exited with code 0`;
      const ran =
        seen.some(
          (e) =>
            e.type === 'task' && e.phase === 'finished' && e.task === fact.name && e.exitCode === 0,
        ) || observations.some((f) => f.kind === 'output' && f.line === line);
      return ran
        ? result(
            true,
            say(
              `la tâche ${fact.name} a tourné à côté des instances`,
              `the task ${fact.name} ran beside the instances`,
            ),
          )
        : result(
            false,
            say(
              `La tâche ${fact.name} n'a pas encore tourné.`,
              `The task ${fact.name} has not run yet.`,
            ),
          );
    }
    case 'task-sessions': {
      const output = lastTaskOutput(seen, fact.name);
      if (output === null) {
        return result(
          false,
          say(
            `La tâche ${fact.name} n'a pas encore tourné.`,
            `The task ${fact.name} has not run yet.`,
          ),
        );
      }
      const found = sessionsCounted(output);
      if (found === null) {
        return result(
          false,
          say(
            `La tâche ${fact.name} n'a pas dit combien de sessions elle a trouvées.`,
            `The task ${fact.name} did not say how many sessions it found.`,
          ),
        );
      }
      const low = fact.min ?? 0;
      const high = fact.max ?? Number.POSITIVE_INFINITY;
      const counted = say(
        `${found} session${found > 1 ? 's' : ''}`,
        `${found} session${found === 1 ? '' : 's'}`,
      );
      if (found >= low && found <= high) {
        return result(
          true,
          say(
            `la tâche ${fact.name}, un processus à part, a trouvé ${counted.fr}`,
            `the task ${fact.name}, a process of its own, found ${counted.en}`,
          ),
        );
      }
      return result(
        false,
        found < low
          ? say(
              `La tâche ${fact.name} n'a trouvé que ${counted.fr} : visitez d'abord, avec les sessions dans Redis.`,
              `The task ${fact.name} found only ${counted.en}: visit first, with sessions in Redis.`,
            )
          : say(
              `La tâche ${fact.name} a trouvé ${counted.fr}, plus qu'attendu.`,
              `The task ${fact.name} found ${counted.en}, more than expected.`,
            ),
      );
    }
    default: {
      // A scenario read without the model's validator may name a fact this engine predates.
      const name = /** @type {{ type: string }} */ (fact).type;
      return result(
        false,
        say(
          `Le fait « ${name} » est inconnu de ce tableau de bord.`,
          `This dashboard does not know the fact "${name}".`,
        ),
      );
    }
  }
}

/** The learner's actions, as the lab's events show them, with how to say each in a sentence. */
const ACTIONS = {
  visit: say('visité', 'visited'),
  burst: say('visité', 'visited'),
  wait: say('attendu', 'waited'),
  kill: say('tué une instance', 'killed an instance'),
  replace: say('remplacé toutes les instances', 'replaced every instance'),
  scale: say("changé le nombre d'instances", 'changed the number of instances'),
  config: say('changé la configuration', 'changed the configuration'),
  'store-stop': say('arrêté Redis', 'stopped Redis'),
  'store-start': say('redémarré Redis', 'started Redis again'),
  edit: say('modifié un fichier', 'edited a file'),
  solve: say('affiché la solution', 'shown the solution'),
  check: say('lancé la vérification', 'run the check'),
  task: say('lancé une tâche', 'run a task'),
};

/** What the step asked, after "instead of". */
const INSTEAD = {
  visit: say('de visiter', 'visiting'),
  burst: say('de lancer une série de visites', 'starting a run of visits'),
  wait: say("d'attendre", 'waiting'),
  kill: say("d'en tuer une seule", 'killing a single one'),
  replace: say('de remplacer toutes les instances', 'replacing every instance'),
  scale: say("de changer le nombre d'instances", 'changing the number of instances'),
  config: say('de changer la configuration', 'changing the configuration'),
  'store-stop': say("d'arrêter Redis", 'stopping Redis'),
  'store-start': say('de redémarrer Redis', 'starting Redis again'),
  edit: say('de modifier le fichier', 'editing the file'),
  solve: say("d'afficher la solution", 'showing the solution'),
  check: say('de lancer la vérification', 'running the check'),
  task: say('de lancer la tâche', 'running the task'),
};

/**
 * The actions that the observations show the learner did, in the order they first show.
 * @param {Frame[]} observations
 * @param {Frame[]} before
 * @returns {(keyof typeof ACTIONS)[]}
 */
export function actionsSeen(observations, before) {
  /** @type {(keyof typeof ACTIONS)[]} */
  const seen = [];
  const add = (/** @type {keyof typeof ACTIONS} */ action) => {
    if (!seen.includes(action)) seen.push(action);
  };
  let previous = last(states(before)) ?? null;
  for (const f of observations) {
    if (f.kind === 'visit') add('visit');
    else if (f.kind === 'files') add('edit');
    else if (f.kind === 'check') add('check');
    else if (f.kind === 'output' && f.line.startsWith('task ')) add('task');
    const state =
      f.kind === 'state'
        ? f.state
        : f.kind === 'event' && f.event.type === 'state'
          ? f.event.state
          : null;
    if (state) {
      if (previous && state.desired !== previous.desired) add('scale');
      if (
        previous &&
        (state.sticky !== previous.sticky ||
          state.sessionStore !== previous.sessionStore ||
          state.sessionMaxAgeSeconds !== previous.sessionMaxAgeSeconds)
      )
        add('config');
      previous = state;
    }
    if (f.kind !== 'event') continue;
    const e = f.event;
    if (e.type === 'instance-stopped' && e.reason === 'killed') add('kill');
    else if (e.type === 'rollout-started' && e.reason === 'replace requested') add('replace');
    else if (
      e.type === 'rollout-started' &&
      (e.reason.startsWith('session store:') || e.reason.startsWith('session max age:'))
    )
      add('config');
    else if (e.type === 'rollout-started' && e.reason === 'the app files changed') add('edit');
    else if (e.type === 'store-down') add('store-stop');
    else if (e.type === 'store-up') add('store-start');
    else if (e.type === 'task' && e.phase === 'started') add('task');
  }
  return seen;
}

/** Actions that a step's own action brings about or allows, so that they are not "something else". */
const COMPATIBLE = {
  visit: ['visit'],
  burst: ['visit', 'burst', 'replace'],
  wait: ['visit'],
  kill: ['kill'],
  replace: ['replace'],
  scale: ['scale'],
  config: ['config'],
  'store-stop': ['store-stop'],
  'store-start': ['store-start'],
  edit: ['edit'],
  solve: ['edit', 'solve'],
  // A check drives the lab itself: it visits, replaces the instances, stops and starts Redis.
  check: ['check', 'visit', 'replace', 'kill', 'scale', 'store-stop', 'store-start'],
  task: ['task'],
};

/**
 * What another action did to the learner's session, given the session store of the moment.
 * @param {keyof typeof ACTIONS} action
 * @param {LabState | undefined} state
 * @returns {Bilingual}
 */
function consequence(action, state) {
  const memory = state?.sessionStore !== 'redis';
  switch (action) {
    case 'replace':
      return memory
        ? say(
            'toutes les sessions gardées en mémoire sont parties avec elles',
            'every session kept in memory went with them',
          )
        : say(
            "vos sessions, dans Redis, n'ont rien perdu",
            'your sessions, in Redis, lost nothing',
          );
    case 'kill':
      return memory
        ? say(
            'les sessions que cette instance gardait en mémoire ont disparu avec elle',
            'the sessions that instance kept in memory died with it',
          )
        : say(
            "vos sessions, dans Redis, n'ont rien perdu",
            'your sessions, in Redis, lost nothing',
          );
    case 'store-stop':
      return say(
        'les instances répondent 503 sur /api/* tant que Redis est arrêté',
        'the instances answer 503 on /api/* while Redis is stopped',
      );
    case 'config':
      return say(
        'la plateforme remplace les instances avec la nouvelle configuration',
        'the platform replaces the instances with the new configuration',
      );
    case 'scale':
      return say(
        "la plateforme ajuste le nombre d'instances",
        'the platform adjusts the number of instances',
      );
    case 'edit':
      return say(
        'la plateforme remplace les instances avec vos fichiers',
        'the platform replaces the instances with your files',
      );
    default:
      return say('rien de grave', 'nothing is broken');
  }
}

/**
 * How many visits the step's action makes, or null when it makes none.
 * @param {StepAction} action
 */
function visitsWanted(action) {
  if (action.type === 'visit') return action.count ?? 1;
  if (action.type === 'burst') return action.count;
  return null;
}

/**
 * Fills a text's `{placeholders}` with the run's values; an unknown one stays as it is.
 * @param {Bilingual} text
 * @param {Record<string, string>} values
 * @returns {Bilingual}
 */
export function fillPlaceholders(text, values) {
  const fill = (/** @type {string} */ s, /** @type {'fr' | 'en'} */ lang) =>
    s.replace(/\{([a-z]+)\}/g, (whole, name) => values[`${name}:${lang}`] ?? values[name] ?? whole);
  return { fr: fill(text.fr, 'fr'), en: fill(text.en, 'en') };
}

/**
 * A sentence from parts joined by semicolons (with a space before it in French), the first
 * letter in capitals, a full stop at the end.
 * @param {string[]} parts
 * @param {'fr' | 'en'} lang
 */
function sentence(parts, lang) {
  const text = parts
    .filter((p) => p !== '')
    .map(bare)
    .join(lang === 'fr' ? ' ; ' : '; ');
  // An instance's id keeps its lower case, even at the start of a sentence.
  const capital = /^[a-z0-9]+[-.][a-z0-9]/.test(text)
    ? text
    : text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The facts that a step's visits show, as opposed to the platform's events and states. */
const VISIT_FACTS = [
  'answered',
  'count-splits',
  'count-climbs',
  'count-starts-at-1',
  'count-restarts-at-1',
  'count-continues',
  'count-rose-less',
  'expires-within',
  'session-expired',
  'round-robin',
  'same-instance',
  'liveness-200',
  'readiness-503',
  'readiness-200',
  'api-503',
];

/**
 * A text without its final full stop, to go inside a sentence.
 * @param {string} text
 */
function bare(text) {
  return text.replace(/\.$/, '');
}

/**
 * The first line of a text.
 * @param {string} text
 */
function firstLine(text) {
  return text.split('\n')[0] ?? text;
}

/**
 * Judges a step: `done` when every expected fact shows, `other` when the learner did something
 * else (or made the step's visits and they showed something else), `waiting` otherwise.
 * @param {Step} step
 * @param {Frame[]} observations what the lab showed since the step began, in order
 * @param {Frame[]} [before] what it showed before, in order (the visits' counts so far, the instances)
 * @returns {Judgement}
 */
export function judgeStep(step, observations, before = []) {
  const facts = step.expect.map((fact) => judgeFact(fact, observations, before));
  const values = runValues(observations, before);
  const caption = fillPlaceholders(step.caption, values);
  const wanted = visitsWanted(step.action);
  // The requests the step asks for: presses of Visit, or the reads it names; the dashboard's
  // own reads of the session do not make a step's visits.
  const askedPath = step.action.type === 'visit' ? (step.action.path ?? '/api/visit') : null;
  const made = observations.filter(
    (f) => f.kind === 'visit' && (askedPath === null || f.path === askedPath),
  ).length;
  // A step of six visits is done at the sixth, even when three already show its facts.
  if (facts.every((f) => f.ok) && (wanted === null || made >= wanted)) {
    return {
      status: 'done',
      message: {
        fr: sentence(
          facts.map((f) => f.says.fr),
          'fr',
        ),
        en: sentence(
          facts.map((f) => f.says.en),
          'en',
        ),
      },
      facts,
      values,
      caption,
    };
  }
  const latest = last(states(observations)) ?? last(states(before));
  const compatible = /** @type {string[]} */ (COMPATIBLE[step.action.type]);
  const stray = actionsSeen(observations, before).find(
    (a) => !compatible.includes(a) && a !== 'visit' && a !== 'check',
  );
  const asked = INSTEAD[step.action.type];
  if (stray) {
    const did = ACTIONS[stray];
    const then = consequence(stray, latest);
    return {
      status: 'other',
      message: {
        fr: `Vous avez ${did.fr} au lieu ${asked.fr} : ${then.fr}. Pour suivre la leçon : ${step.do.fr}`,
        en: `You ${did.en} instead of ${asked.en}: ${then.en}. To follow the lesson: ${step.do.en}`,
      },
      facts,
      values,
      caption,
    };
  }
  const missing = facts.filter((f) => !f.ok);
  if (wanted !== null && made >= wanted && missing.some((f) => VISIT_FACTS.includes(f.fact.type))) {
    // The visits are made and their answers still do not show the facts: the lab is not in the
    // state the lesson expects, which the facts' own words explain. Facts about the platform
    // (a rollout that finishes) may still come, and are waited for.
    return {
      status: 'other',
      message: {
        fr: `Vos ${made} visites ne montrent pas ce qu'attend l'étape : ${missing.map((f) => bare(f.says.fr)).join(' ; ')}. ${step.see.fr}`,
        en: `Your ${made} visits do not show what this step expects: ${missing.map((f) => bare(f.says.en)).join('; ')}. ${step.see.en}`,
      },
      facts,
      values,
      caption,
    };
  }
  const checked = observations.some((f) => f.kind === 'check');
  if (
    checked &&
    missing.some((f) => f.fact.type === 'check-fails' || f.fact.type === 'check-passes')
  ) {
    // The check has run and said the opposite of what the step expects: say what it found.
    return {
      status: 'other',
      message: {
        fr: `${sentence(
          missing.map((f) => f.says.fr),
          'fr',
        )} ${step.see.fr}`,
        en: `${sentence(
          missing.map((f) => f.says.en),
          'en',
        )} ${step.see.en}`,
      },
      facts,
      values,
      caption,
    };
  }
  const progress =
    wanted !== null
      ? say(`${made} visite(s) sur ${wanted}. `, `${made} of ${wanted} visits. `)
      : say('', '');
  return {
    status: 'waiting',
    message: {
      fr: `${progress.fr}${step.do.fr}`,
      en: `${progress.en}${step.do.en}`,
    },
    facts,
    values,
    caption,
  };
}

/**
 * Splits a recording's frames by step: for each step, the frames from its start to the next
 * step's start, and every frame before.
 * @param {Recording} recording
 * @returns {{ id: string, observations: Frame[], before: Frame[] }[]}
 */
export function framesByStep(recording) {
  const starts = recording.steps.map((s) => s.at);
  return recording.steps.map((step, i) => {
    const from = /** @type {number} */ (starts[i]);
    const to = i + 1 < starts.length ? /** @type {number} */ (starts[i + 1]) : Infinity;
    const index = (/** @type {number} */ at) => {
      const found = recording.frames.findIndex((f) => f.at >= at);
      return found < 0 ? recording.frames.length : found;
    };
    const begin = index(from);
    const end = to === Infinity ? recording.frames.length : index(to);
    return {
      id: step.id,
      observations: recording.frames.slice(begin, end),
      before: recording.frames.slice(0, begin),
    };
  });
}

/**
 * Replays a recording through the judge, step by step.
 * @param {Scenario} scenario
 * @param {Recording} recording
 * @returns {{ step: Step, judgement: Judgement }[]}
 */
export function replay(scenario, recording) {
  const parts = framesByStep(recording);
  return scenario.steps.map((step) => {
    const part = parts.find((p) => p.id === step.id);
    return {
      step,
      judgement: judgeStep(
        step,
        part ? part.observations : [],
        part ? part.before : recording.frames,
      ),
    };
  });
}
