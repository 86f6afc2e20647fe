// A one-off admin task: how many sessions are there, and how many visits do they hold?
//
// It runs as a process of its own, beside the instances, never inside one: the platform starts
// it with the same code (this release's files) and the same config (the instances' environment:
// SESSION_STORE, REDIS_URL, SESSION_SECRET), then it prints its answer and exits. Run it with
//   curl -X POST http://127.0.0.1:3000/lab/tasks/count-sessions
import { readConfig } from '../config.js';
import { connectToRedis, findSessionKeys, shortKey } from './shared/redis.js';

const config = readConfig(process.env);
const text = messages()[process.env.LAB_LANG === 'en' ? 'en' : 'fr'];

if (config.sessionStore === 'memory') {
  // With memory sessions, each session lives inside the instance that started it, in that
  // process's memory. No other process can read it: not another instance, not this task.
  // That is "share nothing" made visible: state kept in a process is that process's alone.
  console.log(text.memory);
  console.log(text.found(0, 0));
  console.log(text.switchToRedis);
} else {
  // With Redis sessions, every session is in the backing service that every process shares:
  // this task reaches exactly what the instances reach.
  let client;
  try {
    client = await connectToRedis(config);
  } catch (error) {
    console.error(text.unreachable(config.redisUrl, error.message));
    process.exit(1);
  }
  const keys = await findSessionKeys(client);
  let total = 0;
  for (const key of keys) {
    const stored = await client.get(key);
    // Another process may have ended or expired this session since SCAN saw it.
    if (stored === null) continue;
    const visits = JSON.parse(stored).visits ?? 0;
    total += visits;
    console.log(`  ${shortKey(key)}  ${text.visits(visits)}`);
  }
  console.log(text.found(keys.length, total));
  // A one-off process ends when its work is done: close the connection, or it would keep the
  // process alive until the platform kills it.
  await client.close();
}

// The task's sentences, in the two languages of the lab (LAB_LANG, French by default). Each
// count line starts with the number, in both languages: the lab's guided steps read it.
function messages() {
  return {
    fr: {
      memory:
        "Les sessions sont dans la mémoire des instances (SESSION_STORE=memory) : cette tâche est un processus à part, elle n'en atteint aucune.",
      switchToRedis:
        'Passez le magasin de sessions à Redis, visitez, puis relancez cette tâche : elle les trouvera toutes.',
      unreachable: (url, why) =>
        `Redis ne répond pas à ${url} (${why}) : le magasin est-il arrêté ? Redémarrez-le, puis relancez la tâche.`,
      visits: (n) => `${n} visite${n > 1 ? 's' : ''}`,
      found: (count, total) =>
        count === 0
          ? '0 session trouvée.'
          : `${count} session${count > 1 ? 's' : ''} trouvée${count > 1 ? 's' : ''} dans Redis, ${total} visite${total > 1 ? 's' : ''} en tout.`,
    },
    en: {
      memory:
        "Sessions are in the instances' memory (SESSION_STORE=memory): this task is a process of its own, and reaches none of them.",
      switchToRedis:
        'Switch the session store to Redis, visit, then run this task again: it will find them all.',
      unreachable: (url, why) =>
        `Redis does not answer at ${url} (${why}): is the store stopped? Start it again, then run the task again.`,
      visits: (n) => `${n} visit${n === 1 ? '' : 's'}`,
      found: (count, total) =>
        count === 0
          ? '0 sessions found.'
          : `${count} session${count === 1 ? '' : 's'} found in Redis, ${total} visit${total === 1 ? '' : 's'} in all.`,
    },
  };
}
