// The avatar exercise's check: one visitor uploads a picture through the balancer, reads it back
// byte for byte from every instance, then again after the platform has replaced every instance.
// lab-client.js is shared by every exercise (sandboxes/labs/shared/); the lab's layout puts it here.
import { CheckProblem, checkWith, list, result } from './lab-client.js';

/** The results this check reports, in order, for a sandbox to list before it runs. */
export const checks = [
  {
    id: 'avatar-shared',
    title: {
      fr: 'Toutes les instances renvoient le même avatar',
      en: 'Every instance sends back the same avatar',
    },
  },
  {
    id: 'avatar-survives-replacement',
    title: {
      fr: 'L’avatar survit au remplacement des instances',
      en: 'The avatar survives the replacement of the instances',
    },
  },
];

/**
 * Runs the check against the lab at `baseUrl` and resolves with `[{id, ok, message: {fr, en}}]`;
 * it never throws. `options`: see createLab in lab-client.js.
 */
export const check = checkWith(async (lab, state, results) => {
  const picture = makePicture(6 * 1024);
  const visitor = lab.visitor();

  lab.progress({ fr: 'Envoi d’un avatar…', en: 'Uploading an avatar…' });
  const upload = await visitor('PUT', 'api/avatar', { type: 'image/png', body: picture });
  if (upload.status < 200 || upload.status > 299) {
    const why = upload.json?.error ?? `HTTP ${upload.status}`;
    throw new CheckProblem(
      'avatar-shared',
      `PUT /api/avatar (une image PNG de ${picture.length} octets) a échoué (${why}) : la route doit enregistrer l’image et répondre 201.`,
      `PUT /api/avatar (a PNG picture of ${picture.length} bytes) failed (${why}): the route must save the picture and answer 201.`,
    );
  }
  const holder = upload.instance ?? '?';

  lab.progress({
    fr: 'Lecture de l’avatar sur chaque instance…',
    en: 'Reading the avatar on every instance…',
  });
  const ids = state.instances.map((instance) => instance.id);
  const before = await readAvatars(lab, visitor, ids, picture);
  results.push(
    before.length === 0
      ? result(
          'avatar-shared',
          true,
          `${list(ids, 'fr')} renvoient l’avatar reçu par ${holder}, octet pour octet.`,
          `${list(ids, 'en')} all send back the avatar ${holder} received, byte for byte.`,
        )
      : result(
          'avatar-shared',
          false,
          `L’avatar reçu par ${holder} n’est pas le même partout : ${describe(before, picture, 'fr')}. ${advice(before, 'fr')}`,
          `The avatar ${holder} received is not the same everywhere: ${describe(before, picture, 'en')}. ${advice(before, 'en')}`,
        ),
  );

  const replaced = await lab.replaceAll();
  lab.progress({ fr: 'Relecture de l’avatar…', en: 'Reading the avatar again…' });
  const after = await readAvatars(lab, visitor, replaced.after, picture);
  results.push(
    after.length === 0
      ? result(
          'avatar-survives-replacement',
          true,
          `Après le remplacement de ${list(replaced.before, 'fr')}, les nouvelles instances (${list(replaced.after, 'fr')}) renvoient toujours l’avatar.`,
          `After ${list(replaced.before, 'en')} were replaced, the new instances (${list(replaced.after, 'en')}) still send the avatar back.`,
        )
      : result(
          'avatar-survives-replacement',
          false,
          `L’avatar a été reçu par ${holder}, qui a été remplacée depuis : ${describe(after, picture, 'fr')}. Un fichier sur le disque d’une instance disparaît avec elle : rangez l’avatar dans le service de soutien (Redis).`,
          `The avatar was received by ${holder}, which has been replaced since: ${describe(after, picture, 'en')}. A file on an instance’s disk goes away with it: keep the avatar in the backing service (Redis).`,
        ),
  );
});

// Reads the visitor's avatar once from each instance; returns what went wrong, by instance.
async function readAvatars(lab, visitor, ids, picture) {
  const answers = await lab.fromEveryInstance(() => visitor('GET', 'api/avatar'), ids);
  const wrong = [];
  for (const id of ids) {
    const answer = answers.get(id);
    if (!answer) wrong.push({ id, problem: 'silent' });
    else if (answer.status === 404) wrong.push({ id, problem: 'missing' });
    else if (answer.status !== 200) {
      wrong.push({ id, problem: 'failed', why: answer.json?.error ?? `HTTP ${answer.status}` });
    } else if (!sameBytes(answer.bytes, picture)) {
      wrong.push({ id, problem: 'different', size: answer.bytes.length });
    } else if (!answer.type.startsWith('image/png')) {
      wrong.push({ id, problem: 'type', type: answer.type || '(none)' });
    }
  }
  return wrong;
}

function describe(wrong, picture, lang) {
  const fr = lang === 'fr';
  const parts = wrong.map((entry) => {
    switch (entry.problem) {
      case 'silent':
        return fr ? `${entry.id} n’a pas répondu` : `${entry.id} did not answer`;
      case 'missing':
        return fr ? `${entry.id} ne le trouve pas (404)` : `${entry.id} cannot find it (404)`;
      case 'failed':
        return fr ? `${entry.id} a échoué (${entry.why})` : `${entry.id} failed (${entry.why})`;
      case 'different':
        return fr
          ? `${entry.id} renvoie d’autres octets (${entry.size} au lieu de ${picture.length})`
          : `${entry.id} sends back other bytes (${entry.size} instead of ${picture.length})`;
      default:
        return fr
          ? `${entry.id} l’annonce en ${entry.type} au lieu de image/png`
          : `${entry.id} labels it ${entry.type} instead of image/png`;
    }
  });
  return list(parts, lang);
}

function advice(wrong, lang) {
  const fr = lang === 'fr';
  if (wrong.some((entry) => entry.problem === 'missing')) {
    return fr
      ? 'Il est écrit sur le disque local de l’instance qui l’a reçu : rangez-le dans le service de soutien (Redis), que toutes les instances partagent.'
      : 'It is written to the local disk of the instance that received it: keep it in the backing service (Redis), which every instance shares.';
  }
  if (wrong.some((entry) => entry.problem === 'different' || entry.problem === 'type')) {
    return fr
      ? 'Gardez l’image telle quelle, octets et type compris (en base64 par exemple).'
      : 'Keep the picture as it is, bytes and type included (in base64 for instance).';
  }
  return fr ? 'Regardez la sortie du lab.' : 'Look at the lab’s output.';
}

// A PNG signature followed by every byte value and then pseudo-random bytes: a picture that
// breaks if anything on the way treats it as text.
function makePicture(size) {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let seed = Date.now() % 2147483647 || 1;
  for (let index = 8; index < size; index++) {
    if (index < 8 + 256) bytes[index] = index - 8;
    else {
      seed = (seed * 48271) % 2147483647;
      bytes[index] = seed & 0xff;
    }
  }
  return bytes;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
