// What a check needs to drive a running lab through its contract: the app through the balancer,
// the platform through /lab/*. Plain JavaScript with no dependency, so that it runs in Node 18
// and later as well as in the sandbox. It lives once, here; laying a lab out (lab-model.ts) puts
// it beside the lab's own checks as checks/lab-client.js, so a fix here reaches every exercise.

/** A result the sandbox shows in its list of checks. */
export function result(id, ok, fr, en) {
  return { id, ok, message: { fr, en } };
}

/** A step that cannot go on; the check reports it as the failed result `id`. */
export class CheckProblem extends Error {
  constructor(id, fr, en) {
    super(en);
    this.result = result(id, false, fr, en);
  }
}

/** Lists names the way a sentence does: "web-1, web-2 et web-3" / "web-1, web-2 and web-3". */
export function list(names, lang) {
  const and = lang === 'fr' ? ' et ' : ' and ';
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')}${and}${names.at(-1)}`;
}

/**
 * Wraps a lab's address. `options.fetch` replaces the global fetch (a sandbox may proxy it),
 * `options.instanceUrl(instance)` says how to reach one instance directly (by default its port
 * on 127.0.0.1, where the platform starts it), `options.onProgress({fr, en})` hears what the check
 * is doing.
 */
export function createLab(baseUrl, options = {}) {
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = new URL(baseUrl);
  const instanceUrl = options.instanceUrl ?? ((instance) => `http://127.0.0.1:${instance.port}/`);
  const progress = options.onProgress ?? (() => {});

  // A rolling replacement may take a while on a busy machine: the platform answers when it is done.
  async function request(url, init = {}, timeoutMs = 10_000) {
    let response;
    try {
      response = await send(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      return { status: 0, instance: null, type: '', bytes: new Uint8Array(), json: null, error };
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    let json = null;
    if (type.includes('json')) {
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        json = null;
      }
    }
    const instance = response.headers.get('x-lab-instance') ?? json?.instance ?? null;
    return { status: response.status, instance, type, bytes, json, headers: response.headers };
  }

  async function state() {
    const answer = await request(new URL('lab/state', base));
    if (answer.status !== 200 || !answer.json) {
      throw new CheckProblem(
        'lab-ready',
        `Le lab ne répond pas à ${base.href} : démarrez-le (npm run lab), puis relancez la vérification.`,
        `The lab does not answer at ${base.href}: start it (npm run lab), then run the check again.`,
      );
    }
    return answer.json;
  }

  async function control(method, pathname) {
    const answer = await request(
      new URL(pathname, base),
      { method, headers: { 'content-type': 'application/json' }, body: '{}' },
      120_000,
    );
    if (answer.status !== 200) {
      const why = answer.json?.error ?? answer.error?.message ?? `HTTP ${answer.status}`;
      throw new CheckProblem(
        'lab-ready',
        `La plateforme a refusé ${method} /${pathname} : ${why}`,
        `The platform refused ${method} /${pathname}: ${why}`,
      );
    }
    return answer.json;
  }

  // Every instance running, ready, and as many as the platform wants; `test` may ask for more.
  async function waitSettled(test = () => true, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await state();
      const settled =
        current.instances.length === current.desired &&
        current.instances.every((instance) => instance.status === 'ready');
      if (settled && test(current)) return current;
      // No instance runs the code at all: waiting longer will not help.
      if (current.lastError && current.instances.length === 0) throw codeDoesNotStart(current);
      if (Date.now() > deadline) {
        if (current.lastError) throw codeDoesNotStart(current);
        throw new CheckProblem(
          'lab-ready',
          `Les instances ne sont pas toutes prêtes après ${timeoutMs / 1000} s (${describe(current)}). Regardez la sortie du lab : une instance refuse peut-être de démarrer.`,
          `The instances are not all ready after ${timeoutMs / 1000} s (${describe(current)}). Look at the lab's output: an instance may be failing to start.`,
        );
      }
      await sleep(100);
    }
  }

  return {
    base,
    progress,
    request,
    state,
    control,
    waitSettled,

    /** Sends a request to one instance directly, bypassing the balancer. */
    direct(instance, pathname) {
      return request(new URL(pathname, instanceUrl(instance)), {}, 3000);
    },

    /** A visitor with a cookie jar of its own, as one browser would have. */
    visitor() {
      let cookie = null;
      return async (method, pathname, { body, type } = {}) => {
        const headers = {};
        if (cookie) headers.cookie = cookie;
        if (type) headers['content-type'] = type;
        const answer = await request(new URL(pathname, base), { method, headers, body });
        // In a browser this header is hidden and the browser keeps the cookie itself.
        const setCookie = answer.headers?.get('set-cookie');
        if (setCookie) cookie = setCookie.split(';')[0];
        return answer;
      };
    },

    /**
     * Checks that the lab can be checked: it answers, keeps sessions in Redis, its store is up,
     * its code starts, and every instance is ready. Returns the state, or throws a CheckProblem.
     */
    async prepare() {
      progress({ fr: 'Lecture de l’état du lab…', en: 'Reading the lab’s state…' });
      const first = await state();
      if (first.sessionStore !== 'redis') {
        throw new CheckProblem(
          'lab-ready',
          'Le lab garde les sessions en mémoire : passez le magasin de sessions à Redis (tableau de bord, ou SESSION_STORE=redis), puis relancez la vérification.',
          'The lab keeps sessions in memory: switch the session store to Redis (dashboard, or SESSION_STORE=redis), then run the check again.',
        );
      }
      if (!first.store.up) {
        throw new CheckProblem(
          'lab-ready',
          'Le magasin (Redis) est arrêté : redémarrez-le depuis le tableau de bord, puis relancez la vérification.',
          'The store (Redis) is stopped: start it again from the dashboard, then run the check again.',
        );
      }
      const settled = await waitSettled();
      if (settled.lastError) throw codeDoesNotStart(settled);
      return settled;
    },

    /** Replaces every instance and waits until only new ones, all ready, are running. */
    async replaceAll() {
      const before = (await state()).instances.map((instance) => instance.id);
      progress({ fr: 'Remplacement de toutes les instances…', en: 'Replacing every instance…' });
      await control('POST', 'lab/replace');
      const after = await waitSettled((current) =>
        current.instances.every((instance) => !before.includes(instance.id)),
      );
      return { before, after: after.instances.map((instance) => instance.id), state: after };
    },

    /**
     * Sends the same request through the balancer until every instance of `ids` has answered it
     * (round robin takes them in turn). Returns the answers by instance id.
     */
    async fromEveryInstance(send, ids) {
      const answers = new Map();
      for (let attempt = 0; attempt < ids.length * 4 && answers.size < ids.length; attempt++) {
        const answer = await send();
        if (answer.instance && ids.includes(answer.instance) && !answers.has(answer.instance)) {
          answers.set(answer.instance, answer);
        }
      }
      return answers;
    },
  };
}

/**
 * Makes an exercise's `check(baseUrl, options)`, which resolves with its results and never
 * throws: it wraps the lab (see createLab), waits until the lab is ready, then runs
 * `steps(lab, state, results)`, which pushes the results one by one. A step that cannot go on
 * throws (a CheckProblem), and its failed result ends the list.
 */
export function checkWith(steps) {
  return async (baseUrl, options = {}) => {
    const lab = createLab(baseUrl, options);
    const results = [];
    try {
      const state = await lab.prepare();
      await steps(lab, state, results);
    } catch (error) {
      results.push(asResult(error));
    }
    return results;
  };
}

/** Turns an unexpected error into a failed result, so that a check never throws. */
export function asResult(error) {
  if (error instanceof CheckProblem) return error.result;
  const why = error instanceof Error ? error.message : String(error);
  return result(
    'lab-ready',
    false,
    `La vérification s’est arrêtée sur une erreur inattendue : ${why}`,
    `The check stopped on an unexpected error: ${why}`,
  );
}

function codeDoesNotStart(state) {
  return new CheckProblem(
    'lab-ready',
    `Votre code ne démarre pas : corrigez-le, la plateforme le redéploiera. ${state.lastError}`,
    `Your code does not start: fix it and the platform will roll it out again. ${state.lastError}`,
  );
}

function describe(state) {
  return state.instances.map((instance) => `${instance.id}: ${instance.status}`).join(', ');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
