// Where sessions live. `memory` keeps them in this process; `redis` keeps them in a backing
// service shared by every instance.
import { say } from './messages.js';
import session from 'express-session';

// The prefix of every session's key in Redis: `redis-cli ttl sess:<id>` reads one's lifetime.
const PREFIX = 'sess:';

export async function createSessionStore(config) {
  if (config.sessionStore === 'memory') {
    // express-session's own MemoryStore, without its touch: express-session pushes a session's
    // expiry back on every request only when its store can touch. So here, as with Redis below
    // (disableTouch), a session lives its max age from its first visit, however often you look.
    const memory = new session.MemoryStore();
    memory.touch = undefined;
    return {
      expressStore: memory,
      client: null,
      // The expiry the MemoryStore keeps with the session (its cookie's), which it checks on
      // every read: null when it holds no such session, or no longer.
      secondsLeft: (sessionId) =>
        new Promise((resolve, reject) =>
          memory.get(sessionId, (error, stored) => {
            if (error) reject(error);
            else resolve(stored ? secondsUntil(stored.cookie.expires) : null);
          }),
        ),
      // Nothing outside the process to wait for.
      isReady: async () => true,
      isStoreError: () => false,
      close: async () => {},
    };
  }

  // Loaded here rather than at the top: an instance that keeps its sessions in memory never
  // needs the Redis client's hundreds of modules, and starts faster without them.
  const [{ createClient }, { RedisStore }] = await Promise.all([
    import('redis'),
    import('connect-redis'),
  ]);

  const client = createClient({
    url: config.redisUrl,
    // While Redis is unreachable, fail at once instead of queueing requests that would hang.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      // Keep trying to reconnect, never more than half a second apart, so that service resumes
      // as soon as Redis is back.
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 500),
    },
  });
  // A lost connection is an event to log, not a reason to crash: the client reconnects by itself.
  let lastError = '';
  client.on('error', (error) => {
    if (error.message !== lastError) console.error(`redis: ${error.message}`);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) console.log(say.storeBack);
    lastError = '';
  });
  // Start connecting without waiting: the instance starts even while Redis is down, and its
  // readiness check tells the platform when it can take traffic.
  client.connect().catch(() => {});

  return {
    expressStore: reportingStore(RedisStore, { client, prefix: PREFIX, disableTouch: true }),
    // The real TTL of the session's key, as `redis-cli ttl sess:<id>` reads it. Redis answers -2
    // when the key is gone (the session expired, or never was): then there is nothing left.
    secondsLeft: async (sessionId) => {
      const ttl = await client.ttl(`${PREFIX}${sessionId}`);
      return ttl >= 0 ? ttl : null;
    },
    // The connection to Redis itself, for whatever else this app may keep there.
    client,
    isReady: async () => {
      if (!client.isReady) return false;
      return (await withTimeout(client.ping(), 500)) === 'PONG';
    },
    // While Redis is unreachable, any failure is taken for an outage of the store.
    isStoreError: (error) => error?.sessionStoreUnavailable === true || !client.isReady,
    close: async () => {
      if (client.isOpen) await client.close().catch(() => client.destroy());
    },
  };
}

// A Redis session store whose failures say they come from the store, so the app can answer
// 503 "store unreachable" for them and 500 for its own bugs.
function reportingStore(RedisStore, options) {
  class ReportingRedisStore extends RedisStore {
    get(sid, callback) {
      return super.get(sid, markStoreErrors(callback));
    }
    set(sid, session, callback) {
      return super.set(sid, session, markStoreErrors(callback));
    }
    destroy(sid, callback) {
      return super.destroy(sid, markStoreErrors(callback));
    }
  }
  return new ReportingRedisStore(options);
}

function markStoreErrors(callback) {
  return (error, result) => {
    if (error) error.sessionStoreUnavailable = true;
    callback?.(error, result);
  };
}

// Whole seconds from now until `expires` (a date, or its text as a store keeps it), never below 0.
function secondsUntil(expires) {
  return Math.max(0, Math.round((new Date(expires).getTime() - Date.now()) / 1000));
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
