// A counter for each visitor: how many times they have pressed a button. A page may send many
// presses at once (a double click, several tabs, a script), and every one of them must count.
import { Router } from 'express';

// The count lives in the visitor's session, and the session lives in Redis, which every instance
// shares: any instance can answer, and replacing one loses nothing.
// `store` is the session store (see session-store.js); its `client` is the connection to Redis.
export function counterRoutes(config, _store) {
  const router = Router();

  // Adds one to the caller's count and answers with the new count.
  router.post('/api/count', async (req, res) => {
    // express-session read the whole session from Redis when this request arrived; we add one to
    // the count it held, and save() writes the whole session back.
    req.session.count = (req.session.count ?? 0) + 1;
    await saveSession(req);
    res.json({ instance: config.instance, count: req.session.count });
  });

  // Shows the caller's count without changing it.
  router.get('/api/count', (req, res) => {
    res.json({ instance: config.instance, count: req.session.count ?? 0 });
  });

  return router;
}

// Saves the session before answering: what we report is what the session store has kept.
function saveSession(req) {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}
