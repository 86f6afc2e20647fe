// Two checks the platform calls, with two different questions.
import { Router } from 'express';

export function healthRoutes(config, store) {
  const router = Router();

  // Liveness: "is this process working?" It never touches the session store: if Redis is down,
  // restarting this process would not bring Redis back, it would only add an outage.
  router.get('/healthz', (req, res) => {
    res.json({ status: 'ok', instance: config.instance });
  });

  // Readiness: "can this process serve requests right now?" It does depend on the store: while
  // the store is unreachable, the balancer should prefer instances that can serve.
  router.get('/readyz', async (req, res) => {
    const ready = await store.isReady().catch(() => false);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'store unreachable',
      instance: config.instance,
    });
  });

  return router;
}
