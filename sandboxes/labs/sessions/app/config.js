// Everything this process needs to know comes from its environment (factor III), so the same
// code runs as any number of instances without a single change.
import { say } from './messages.js';

export function readConfig(env) {
  const sessionStore = env.SESSION_STORE ?? 'memory';
  if (sessionStore !== 'memory' && sessionStore !== 'redis') {
    throw new Error(`SESSION_STORE must be "memory" or "redis", not "${sessionStore}".`);
  }
  if (!env.SESSION_SECRET) {
    // Every instance must sign cookies with the same secret, or a session started on one
    // instance would be refused by the others. So it comes from outside, never from the code.
    throw new Error('SESSION_SECRET is not set: give every instance the same secret.');
  }
  if (process.getuid?.() === 0) {
    console.warn(say.runningAsRoot);
  }
  const sameSite = env.SESSION_COOKIE_SAMESITE ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw new Error(
      `SESSION_COOKIE_SAMESITE must be "lax", "strict" or "none", not "${sameSite}".`,
    );
  }
  // How long a session lives, counted from its first visit: the cookie's maxAge, and so the
  // TTL of its key in Redis. A day by default; a few seconds let you watch one expire.
  const sessionMaxAgeSeconds = Number(env.SESSION_MAX_AGE_SECONDS ?? 24 * 60 * 60);
  if (!Number.isInteger(sessionMaxAgeSeconds) || sessionMaxAgeSeconds < 1) {
    throw new Error(
      `SESSION_MAX_AGE_SECONDS must be a whole number of seconds, 1 or more, not "${env.SESSION_MAX_AGE_SECONDS}".`,
    );
  }
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    instance: env.INSTANCE_ID ?? `pid-${process.pid}`,
    sessionStore,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // A list separated by commas lets you rotate the secret: the first one signs, all verify.
    sessionSecret: env.SESSION_SECRET.split(','),
    sessionMaxAgeSeconds,
    // Where the app is shown decides the cookie's options: a browser sends a cookie back to a
    // page framed by another site only if it is SameSite=None and Secure (HTTPS only), and,
    // with third-party cookies blocked, Partitioned (kept for that one site).
    cookie: {
      sameSite,
      secure: env.SESSION_COOKIE_SECURE === '1',
      partitioned: env.SESSION_COOKIE_PARTITIONED === '1',
    },
    // Behind a proxy, only the proxy knows whether the visitor used HTTPS: it says so in
    // X-Forwarded-Proto, which the app believes only when told that a proxy is in front.
    trustProxy: env.TRUST_PROXY === '1',
  };
}
