// The health exercise's check: it stops the store (a backing-service outage), asks every instance
// directly for its liveness and readiness while the store is down, then starts the store again
// and waits until every instance is ready. The store is always started again, even on failure.
// lab-client.js is shared by every exercise (sandboxes/labs/shared/); the lab's layout puts it here.
import { asResult, createLab, list, result } from './lab-client.js';

/** The results this check reports, in order, for a sandbox to list before it runs. */
export const checks = [
  {
    id: 'liveness-independent',
    title: {
      fr: 'La vivacité (/healthz) ne dépend pas du magasin',
      en: 'Liveness (/healthz) does not depend on the store',
    },
  },
  {
    id: 'readiness-checks-store',
    title: {
      fr: 'La préparation (/readyz) signale la panne du magasin',
      en: 'Readiness (/readyz) reports the store’s outage',
    },
  },
  {
    id: 'readiness-recovers',
    title: {
      fr: 'Les instances redeviennent prêtes quand le magasin revient',
      en: 'The instances become ready again when the store is back',
    },
  },
];

/** How long the outage lasts: long enough for the platform to act on three failed liveness probes. */
const OUTAGE_MS = 4500;
/** How long the instances have to notice the outage, and then its end. */
const NOTICE_MS = 3000;
const RECOVERY_MS = 15_000;

/**
 * Runs the check against the lab at `baseUrl` and resolves with `[{id, ok, message: {fr, en}}]`;
 * it never throws. `options`: see createLab in lab-client.js.
 */
export async function check(baseUrl, options = {}) {
  const lab = createLab(baseUrl, options);
  const results = [];
  let stopped = false;
  try {
    const start = await lab.prepare();
    const initial = start.instances.map((instance) => instance.id);

    lab.progress({
      fr: 'Arrêt du magasin (panne de Redis)…',
      en: 'Stopping the store (a Redis outage)…',
    });
    await lab.control('POST', 'lab/store/stop');
    stopped = true;

    // Liveness, asked of every instance twice a second for the whole outage.
    lab.progress({
      fr: 'Vivacité de chaque instance pendant la panne…',
      en: 'Liveness of every instance during the outage…',
    });
    const failedLiveness = new Map();
    const seen = new Set(initial);
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      const current = await runningInstances(lab);
      for (const instance of current) seen.add(instance.id);
      const answers = await Promise.all(current.map((i) => lab.direct(i, 'healthz')));
      current.forEach((instance, index) => {
        const status = answers[index].status;
        if (status !== 200 && !failedLiveness.has(instance.id)) {
          failedLiveness.set(instance.id, status);
        }
      });
      await sleep(500);
    }
    const remaining = (await lab.state()).instances.map((instance) => instance.id);
    const restarted = [...seen].filter((id) => !remaining.includes(id));
    results.push(livenessResult(failedLiveness, restarted));

    // Readiness, once every instance has had time to notice that the store is gone.
    lab.progress({
      fr: 'Disponibilité de chaque instance pendant la panne…',
      en: 'Readiness of every instance during the outage…',
    });
    const readiness = await pollInstances(lab, 'readyz', 503, NOTICE_MS);
    results.push(
      readiness.wrong.length === 0
        ? result(
            'readiness-checks-store',
            true,
            `Pendant la panne, /readyz répond 503 sur ${list(readiness.ids, 'fr')} : le répartiteur sait qu’elles ne peuvent pas servir.`,
            `During the outage, /readyz answers 503 on ${list(readiness.ids, 'en')}: the balancer knows they cannot serve.`,
          )
        : result(
            'readiness-checks-store',
            false,
            `Pendant la panne du magasin, ${answered(readiness.wrong, '/readyz', 'fr')} : une instance qui répond 200 se dit prête alors qu’elle ne peut servir aucune requête qui a besoin de la session. Faites vérifier le magasin par /readyz : 503 tant qu’il ne répond pas.`,
            `While the store was down, ${answered(readiness.wrong, '/readyz', 'en')}: an instance that answers 200 says it is ready although it cannot serve any request that needs the session. Make /readyz check the store: 503 as long as it does not answer.`,
          ),
    );
  } catch (error) {
    results.push(asResult(error));
  } finally {
    if (stopped) {
      try {
        lab.progress({ fr: 'Redémarrage du magasin…', en: 'Starting the store again…' });
        await lab.control('POST', 'lab/store/start');
        results.push(await recoveryResult(lab));
      } catch (error) {
        results.push(asResult(error));
      }
    }
  }
  return results;
}

function livenessResult(failed, restarted) {
  if (failed.size === 0 && restarted.length === 0) {
    return result(
      'liveness-independent',
      true,
      'Pendant la panne du magasin, /healthz a répondu 200 sur chaque instance, et la plateforme n’en a redémarré aucune.',
      'While the store was down, /healthz answered 200 on every instance, and the platform restarted none of them.',
    );
  }
  const ids = [...failed.keys()];
  const restartedFr =
    restarted.length > 0
      ? `La plateforme a donc tué et remplacé ${list(restarted, 'fr')}, ce qui ne répare pas Redis et coupe les requêtes en cours.`
      : 'Au bout de trois échecs, la plateforme tue et remplace l’instance, ce qui ne répare pas Redis.';
  const restartedEn =
    restarted.length > 0
      ? `So the platform killed and replaced ${list(restarted, 'en')}, which does not mend Redis and cuts the requests in flight.`
      : 'After three failures the platform kills and replaces the instance, which does not mend Redis.';
  return result(
    'liveness-independent',
    false,
    `Pendant la panne du magasin, /healthz a échoué sur ${list(ids, 'fr')} : la vivacité dépend de Redis. ${restartedFr} Faites répondre /healthz sans interroger le magasin : il dit seulement si le processus fonctionne.`,
    `While the store was down, /healthz failed on ${list(ids, 'en')}: liveness depends on Redis. ${restartedEn} Make /healthz answer without asking the store: it only says whether the process works.`,
  );
}

async function recoveryResult(lab) {
  lab.progress({ fr: 'Retour de chaque instance…', en: 'Every instance coming back…' });
  // Every instance the platform wants, running and ready; then each one asked in person.
  await lab.waitSettled(() => true, RECOVERY_MS).catch(() => null);
  const back = await pollInstances(lab, 'readyz', 200, NOTICE_MS);
  const one = back.ids.length === 1;
  if (back.wrong.length === 0) {
    return result(
      'readiness-recovers',
      true,
      `Une fois le magasin revenu, ${list(back.ids, 'fr')} ${one ? 'répond' : 'répondent'} de nouveau 200 sur /readyz.`,
      `Once the store was back, ${list(back.ids, 'en')} ${one ? 'answers' : 'answer'} 200 on /readyz again.`,
    );
  }
  return result(
    'readiness-recovers',
    false,
    `Le magasin est revenu, mais après ${RECOVERY_MS / 1000} s ${answered(back.wrong, '/readyz', 'fr')}. Une instance doit se reconnecter seule et redevenir prête, sans redémarrer.`,
    `The store is back, but after ${RECOVERY_MS / 1000} s ${answered(back.wrong, '/readyz', 'en')}. An instance must reconnect by itself and become ready again, without a restart.`,
  );
}

// Asks every running instance for `pathname` until all answer `wanted` or time runs out.
async function pollInstances(lab, pathname, wanted, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await runningInstances(lab);
    const answers = await Promise.all(current.map((i) => lab.direct(i, pathname)));
    const wrong = current
      .map((instance, index) => ({ id: instance.id, status: answers[index].status }))
      .filter((entry) => entry.status !== wanted);
    const done = current.length > 0 && wrong.length === 0;
    if (done || Date.now() > deadline) {
      // No running instance at all is a failure too, shown as one that did not answer.
      if (current.length === 0) wrong.push({ id: '?', status: 0 });
      return { ids: current.map((instance) => instance.id), wrong };
    }
    await sleep(250);
  }
}

// "/readyz a répondu 200 sur web-1 et n'a pas répondu sur web-2"
function answered(wrong, pathname, lang) {
  const byStatus = new Map();
  for (const { id, status } of wrong) byStatus.set(status, [...(byStatus.get(status) ?? []), id]);
  const parts = [...byStatus].map(([status, ids]) => {
    if (lang === 'fr') {
      return status === 0
        ? `n’a pas répondu sur ${list(ids, 'fr')}`
        : `a répondu ${status} sur ${list(ids, 'fr')}`;
    }
    return status === 0
      ? `did not answer on ${list(ids, 'en')}`
      : `answered ${status} on ${list(ids, 'en')}`;
  });
  return `${pathname} ${list(parts, lang)}`;
}

// The instances that answer requests: not those still starting, nor those being stopped.
async function runningInstances(lab) {
  const { instances } = await lab.state();
  return instances.filter(
    (instance) => instance.status !== 'starting' && instance.status !== 'stopping',
  );
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
