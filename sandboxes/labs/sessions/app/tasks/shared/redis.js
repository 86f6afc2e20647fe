// What the tasks share: the connection to Redis, opened the way a one-off process should. (This
// file is in a subfolder, so it is no task itself: only the files of tasks/ are.) An instance
// keeps trying to reconnect for as long as it lives; a task must not wait forever for a store
// that is down: it tries once, says what went wrong, and exits.

// The prefix under which the app's session store keeps each session (see session-store.js).
export const SESSION_PREFIX = 'sess:';

// Connects to the Redis the instances use (REDIS_URL), or throws an error that says which.
export async function connectToRedis(config) {
  // Loaded here rather than at the top, as the app's session store does: a task that finds
  // memory sessions never needs the Redis client's hundreds of modules.
  const { createClient } = await import('redis');
  const client = createClient({
    url: config.redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  // Without a listener, a failed connection would crash the process before we could explain it.
  client.on('error', () => {});
  await client.connect();
  return client;
}

// Every session key, found with SCAN: it walks the keys a batch at a time, where KEYS would
// block Redis for every instance while it lists them all at once.
export async function findSessionKeys(client) {
  const keys = [];
  for await (const batch of client.scanIterator({ MATCH: `${SESSION_PREFIX}*`, COUNT: 100 })) {
    keys.push(...batch);
  }
  return keys.sort();
}

// A session id is a secret: whoever holds it is that visitor. Show only enough to tell them apart.
export function shortKey(key) {
  return `${key.slice(0, SESSION_PREFIX.length + 6)}…`;
}
