// Two checks the platform calls: liveness and readiness. They answer two different questions.
import { Router } from 'express';

export function healthRoutes(config, store) {
  const router = Router();

  // Liveness: "is this process working?" The platform calls it every second, and restarts this
  // process when it fails three times in a row. So it never touches the session store: if Redis
  // is down, restarting this process would not bring Redis back, it would only add an outage.
  router.get('/healthz', (req, res) => {
    res.json({ status: 'ok', instance: config.instance });
  });

  // Readiness: "can this process serve requests right now?" That does depend on the store:
  // while it fails, the balancer sends this process no traffic, and the process stays up,
  // ready to serve as soon as the store answers again.
  router.get('/readyz', async (req, res) => {
    const ready = await store.isReady().catch(() => false);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'store unreachable',
      instance: config.instance,
    });
  });

  return router;
}
