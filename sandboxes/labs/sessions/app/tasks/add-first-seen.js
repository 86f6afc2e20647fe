// A one-off admin task in the style of a migration: give every stored session a new field,
// `firstSeen`, so that a new version of the app can tell how old a session is.
//
// A migration is the textbook admin process: it runs once per release, against the data, as a
// process of its own with the release's code and config; not in a web instance, where every
// instance would try it at once. It is also written so that it can run again safely
// (idempotent): a session that already has the field is left alone, so a second run changes
// nothing. Run it with
//   curl -X POST http://127.0.0.1:3000/lab/tasks/add-first-seen
import { readConfig } from '../config.js';
import { connectToRedis, findSessionKeys, shortKey } from './shared/redis.js';

const config = readConfig(process.env);
const text = messages()[process.env.LAB_LANG === 'en' ? 'en' : 'fr'];

if (config.sessionStore === 'memory') {
  // Memory sessions live inside each instance's process: there is nothing here to migrate,
  // since no other process can reach them. They will be gone at the next deployment anyway.
  console.log(text.memory);
  console.log(text.changed(0, 0));
} else {
  let client;
  try {
    client = await connectToRedis(config);
  } catch (error) {
    console.error(text.unreachable(config.redisUrl, error.message));
    process.exit(1);
  }
  // The sessions that began before this field existed did not record when: the moment of the
  // migration is the earliest time we can vouch for. New code would set it at the first visit.
  const now = new Date().toISOString();
  const keys = await findSessionKeys(client);
  let changed = 0;
  for (const key of keys) {
    const stored = await client.get(key);
    if (stored === null) continue;
    const session = JSON.parse(stored);
    if (session.firstSeen !== undefined) {
      console.log(`  ${shortKey(key)}  ${text.kept(session.firstSeen)}`);
      continue;
    }
    session.firstSeen = now;
    // KEEPTTL: the session keeps the lifetime it had; a migration must not make sessions live
    // longer (or shorter) than the app decided. The instances keep fields they do not know, so
    // `firstSeen` stays through later visits. Between GET and SET an instance could still save
    // a visit that this SET would undo: a migration on a busy store guards each key with
    // WATCH and MULTI, or runs while the sessions are not being written.
    await client.set(key, JSON.stringify(session), { KEEPTTL: true });
    changed += 1;
    console.log(`  ${shortKey(key)}  ${text.added(now)}`);
  }
  console.log(text.changed(changed, keys.length));
  await client.close();
}

// The task's sentences, in the two languages of the lab (LAB_LANG, French by default).
function messages() {
  return {
    fr: {
      memory:
        "Les sessions sont dans la mémoire des instances (SESSION_STORE=memory) : cette tâche est un processus à part, elle n'en atteint aucune, il n'y a rien à migrer.",
      unreachable: (url, why) =>
        `Redis ne répond pas à ${url} (${why}) : le magasin est-il arrêté ? Redémarrez-le, puis relancez la tâche.`,
      added: (at) => `firstSeen ajouté : ${at}`,
      kept: (at) => `déjà migrée (firstSeen ${at}), laissée telle quelle`,
      changed: (changed, total) =>
        `${changed} session${changed > 1 ? 's' : ''} modifiée${changed > 1 ? 's' : ''} sur ${total}.`,
    },
    en: {
      memory:
        "Sessions are in the instances' memory (SESSION_STORE=memory): this task is a process of its own, reaches none of them, and has nothing to migrate.",
      unreachable: (url, why) =>
        `Redis does not answer at ${url} (${why}): is the store stopped? Start it again, then run the task again.`,
      added: (at) => `firstSeen added: ${at}`,
      kept: (at) => `already migrated (firstSeen ${at}), left as it is`,
      changed: (changed, total) =>
        `${changed} session${changed === 1 ? '' : 's'} of ${total} changed.`,
    },
  };
}
