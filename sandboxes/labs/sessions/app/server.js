// One process of the lab's web app. The platform starts several of them behind a load balancer;
// each one is configured only by environment variables, so any platform could run it.
import { randomUUID } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import { readConfig } from './config.js';
import { createSessionStore } from './session-store.js';
import { healthRoutes } from './health.js';
import { extraRoutes } from './extra-routes.js';
import { shutDownGracefully } from './shutdown.js';
import { say } from './messages.js';

const config = readConfig(process.env);
const app = express();
// One proxy in front (the platform's balancer): its X-Forwarded-Proto says if the visit is HTTPS.
app.set('trust proxy', config.trustProxy ? 1 : false);

// THE SWITCH. With `memory`, sessions live inside this process: they die with it, and the
// other instances never see them. With `redis`, they live in a backing service that every
// instance shares, so this process keeps no state of its own and can be replaced at any time.
const store = await createSessionStore(config);

app.use(healthRoutes(config, store));

app.use(
  session({
    name: 'lab.sid',
    secret: config.sessionSecret,
    store: store.expressStore, // a MemoryStore in this process, or the Redis store
    resave: false,
    saveUninitialized: false,
    // A signed session id that this instance does not know is adopted rather than replaced, as
    // PHP does by default: with memory sessions, each instance then keeps its own count for the
    // same visitor, and you can watch the state split. A forged id fails its signature and
    // never gets here: the visitor simply starts a new session.
    genid: (req) => req.sessionID ?? randomUUID(),
    // The session's lifetime, from its first visit. Neither store pushes it back on a later
    // request (no touch, see session-store.js), so the countdown you watch never jumps.
    cookie: { httpOnly: true, maxAge: config.sessionMaxAgeSeconds * 1000, ...config.cookie },
  }),
);

// Counts one visit in the caller's session.
app.post('/api/visit', async (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1;
  // Save before answering: a visit we report is a visit the store has kept.
  await new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
  res.json({ instance: config.instance, visits: req.session.visits, store: config.sessionStore });
});

// Shows the caller's session without changing it, and how long it has left: the store itself
// says, so that what you read is when the session will really be gone.
app.get('/api/session', async (req, res) => {
  res.json({
    instance: config.instance,
    visits: req.session.visits ?? 0,
    store: config.sessionStore,
    expiresInSeconds: await store.secondsLeft(req.sessionID),
  });
});

// Ends the caller's session, as a logout would: the store forgets it, and the next visit starts
// a new one, with the lifetime configured now.
app.delete('/api/session', async (req, res) => {
  await new Promise((resolve, reject) =>
    req.session.destroy((error) => (error ? reject(error) : resolve())),
  );
  res.json({
    instance: config.instance,
    visits: 0,
    store: config.sessionStore,
    expiresInSeconds: null,
  });
});

// What an exercise adds (see extra-routes.js). It gets the store too, whose `client` reaches
// the same Redis as the sessions, for any other state the app must keep out of its process.
app.use(extraRoutes(config, store));

app.use('/api', (req, res) => {
  res.status(404).json({ error: say.noRoute(req.method, req.originalUrl) });
});

// Any failure reaching the session store ends here: the request gets a 503 and the process
// stays up, ready to serve again as soon as the store answers.
app.use((error, req, res, _next) => {
  const storeDown = store.isStoreError(error);
  console.error(say.requestFailed(req.method, req.originalUrl, error.message));
  if (res.headersSent) return;
  const status = storeDown ? 503 : (error.status ?? error.statusCode ?? 500);
  res.status(status).json({
    error: storeDown ? say.storeUnreachable(error.message) : error.message,
  });
});

const server = app.listen(config.port, config.host, () => {
  // PORT=0 lets the system pick a free port: the one we got is the one to tell.
  console.log(
    `instance ${config.instance} listening on ${config.host}:${server.address().port}, sessions in ${config.sessionStore}`,
  );
});

// The platform stops an instance with SIGTERM: finish what is in flight, then exit.
process.on('SIGTERM', () => shutDownGracefully(server, store));
process.on('SIGINT', () => shutDownGracefully(server, store));
