// A counter for each visitor: how many times they have pressed a button. A page may send many
// presses at once (a double click, several tabs, a script), and every one of them must count.
import { Router } from 'express';

// As long as the session cookie lives.
const ONE_DAY_IN_SECONDS = 24 * 60 * 60;

// Why not in the session? express-session reads the whole session when a request arrives and
// writes the whole of it back at the end. Two presses at once both read 7, both write 8: one
// press is lost, because the last write wins. Redis keeps the session safe from crashes and
// deployments, but it cannot merge two copies of it.
//
// So the count lives in a key of its own, and Redis adds one to it itself with INCR: reading,
// adding and writing happen in one step inside Redis, which runs one command at a time. Fifty
// presses at once, on any instances, are fifty INCRs one after the other, and none is lost.
//
// The session is still the right place for what only its owner changes, one request at a time:
// who is logged in, the chosen language, a form filled in page by page. A value that several
// requests may change at the same moment should be changed by the backing service itself, in one
// atomic operation.
//
// `store` is the session store (see session-store.js); its `client` is the connection to Redis.
export function counterRoutes(config, store) {
  if (!store.client) {
    throw new Error('The count is kept in Redis: start the lab with SESSION_STORE=redis.');
  }
  const redis = store.client;
  const router = Router();

  // Adds one to the caller's count and answers with the new count.
  router.post('/api/count', async (req, res) => {
    const key = countKey(req);
    // INCR answers with the count it has just written: no other request can come in between.
    const count = await redis.incr(key);
    // A new key gets the session's lifetime, so a visitor who never comes back leaves nothing.
    if (count === 1) await redis.expire(key, ONE_DAY_IN_SECONDS);
    res.json({ instance: config.instance, count });
  });

  // Shows the caller's count without changing it.
  router.get('/api/count', async (req, res) => {
    const saved = req.session.countKey ? await redis.get(req.session.countKey) : null;
    res.json({ instance: config.instance, count: Number(saved ?? 0) });
  });

  return router;
}

// The Redis key of the caller's count, named after their session: one count per visitor. The
// session remembers it the first time, because express-session sends a cookie only for a session
// that holds something. After that the session never changes, so it is never written again: a
// burst of presses writes nothing but INCRs.
function countKey(req) {
  req.session.countKey ??= `count:${req.sessionID}`;
  return req.session.countKey;
}
