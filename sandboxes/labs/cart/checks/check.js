// The cart exercise's check: one shopper fills a cart through the balancer, reads it back from
// every instance, then again after the platform has replaced every instance.
// lab-client.js is shared by every exercise (sandboxes/labs/shared/); the lab's layout puts it here.
import { CheckProblem, checkWith, list, result } from './lab-client.js';

/** The results this check reports, in order, for a sandbox to list before it runs. */
export const checks = [
  {
    id: 'cart-shared',
    title: {
      fr: 'Toutes les instances voient le même panier',
      en: 'Every instance sees the same cart',
    },
  },
  {
    id: 'cart-survives-replacement',
    title: {
      fr: 'Le panier survit au remplacement des instances',
      en: 'The cart survives the replacement of the instances',
    },
  },
];

/**
 * Runs the check against the lab at `baseUrl` and resolves with `[{id, ok, message: {fr, en}}]`;
 * it never throws. `options`: see createLab in lab-client.js.
 */
export const check = checkWith(async (lab, state, results) => {
  const ids = state.instances.map((instance) => instance.id);
  const shopper = lab.visitor();
  const tag = Math.random().toString(36).slice(2, 8);
  const wanted = ids.map((_, index) => `check-${tag}-${index + 1}`);
  if (wanted.length < 3) wanted.push(`check-${tag}-extra`);

  lab.progress({ fr: 'Remplissage du panier…', en: 'Filling the cart…' });
  const holders = [];
  for (const item of wanted) {
    const answer = await shopper('POST', 'api/cart/items', {
      type: 'application/json',
      body: JSON.stringify({ item }),
    });
    if (answer.status !== 201 && answer.status !== 200) {
      const why = answer.json?.error ?? `HTTP ${answer.status}`;
      throw new CheckProblem(
        'cart-shared',
        `POST /api/cart/items {"item": "${item}"} a échoué (${why}) : la route doit ajouter l’article au panier et répondre 201.`,
        `POST /api/cart/items {"item": "${item}"} failed (${why}): the route must add the item to the cart and answer 201.`,
      );
    }
    if (answer.instance && !holders.includes(answer.instance)) holders.push(answer.instance);
  }

  lab.progress({
    fr: 'Lecture du panier sur chaque instance…',
    en: 'Reading the cart on every instance…',
  });
  const before = await readCarts(lab, shopper, ids, wanted);
  results.push(
    before.wrong.length === 0
      ? result(
          'cart-shared',
          true,
          `${list(ids, 'fr')} voient les ${wanted.length} articles du panier.`,
          `${list(ids, 'en')} all see the ${wanted.length} items in the cart.`,
        )
      : result(
          'cart-shared',
          false,
          `Le panier change d’une instance à l’autre : sur ${wanted.length} articles ajoutés, ${seen(before.wrong, 'fr')}. Chaque instance garde le panier dans sa propre mémoire : rangez-le dans la session, que toutes les instances partagent par le magasin de sessions.`,
          `The cart changes from one instance to the next: of ${wanted.length} items added, ${seen(before.wrong, 'en')}. Each instance keeps the cart in its own memory: keep it in the session, which every instance shares through the session store.`,
        ),
  );

  const replaced = await lab.replaceAll();
  lab.progress({ fr: 'Relecture du panier…', en: 'Reading the cart again…' });
  const after = await readCarts(lab, shopper, replaced.after, wanted);
  const gone = holders.length > 0 ? holders.sort() : replaced.before;
  const one = gone.length === 1;
  const empty = after.wrong.every((entry) => entry.count === 0);
  results.push(
    after.wrong.length === 0
      ? result(
          'cart-survives-replacement',
          true,
          `Après le remplacement de ${list(replaced.before, 'fr')}, les nouvelles instances (${list(replaced.after, 'fr')}) retrouvent tout le panier.`,
          `After ${list(replaced.before, 'en')} were replaced, the new instances (${list(replaced.after, 'en')}) find the whole cart.`,
        )
      : result(
          'cart-survives-replacement',
          false,
          `Le panier vivait dans la mémoire ${one ? 'de l’instance' : 'des instances'} ${list(gone, 'fr')} : après ${one ? 'son' : 'leur'} remplacement, ${empty ? `il est vide sur ${list(idsOf(after.wrong), 'fr')}` : `il est incomplet (${seen(after.wrong, 'fr')})`}. Rangez-le dans la session.`,
          `The cart lived in the memory of ${list(gone, 'en')}: after ${one ? 'it was' : 'they were'} replaced, ${empty ? `the cart is empty on ${list(idsOf(after.wrong), 'en')}` : `the cart is incomplete (${seen(after.wrong, 'en')})`}. Keep it in the session.`,
        ),
  );
});

// Reads the shopper's cart once from each instance; lists the instances that do not see it all.
async function readCarts(lab, shopper, ids, wanted) {
  const answers = await lab.fromEveryInstance(() => shopper('GET', 'api/cart'), ids);
  const wrong = [];
  for (const id of ids) {
    const answer = answers.get(id);
    if (!answer) {
      wrong.push({ id, count: null });
      continue;
    }
    if (answer.status !== 200 || !Array.isArray(answer.json?.items)) {
      const why = answer.json?.error ?? `HTTP ${answer.status}`;
      throw new CheckProblem(
        'cart-shared',
        `GET /api/cart a échoué sur ${id} (${why}) : la route doit répondre 200 {"instance", "items": […]}.`,
        `GET /api/cart failed on ${id} (${why}): the route must answer 200 {"instance", "items": […]}.`,
      );
    }
    const items = answer.json.items;
    const count = wanted.filter((item) => items.includes(item)).length;
    if (count !== wanted.length) wrong.push({ id, count });
  }
  return { wrong };
}

function idsOf(entries) {
  return entries.map((entry) => entry.id);
}

// "web-2 en voit 1, web-3 n'en voit aucun" / "web-2 sees 1, web-3 sees none".
function seen(entries, lang) {
  const parts = entries.map(({ id, count }) => {
    if (lang === 'fr') {
      if (count === null) return `${id} n’a pas répondu`;
      return count === 0 ? `${id} n’en voit aucun` : `${id} en voit ${count}`;
    }
    if (count === null) return `${id} did not answer`;
    return count === 0 ? `${id} sees none` : `${id} sees ${count}`;
  });
  return list(parts, lang);
}
