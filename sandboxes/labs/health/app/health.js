// Two checks the platform calls: liveness and readiness.
import { Router } from 'express';

export function healthRoutes(config, store) {
  const router = Router();

  // Liveness: the platform calls it every second, and restarts this process when it fails three
  // times in a row.
  router.get('/healthz', async (req, res) => {
    // A thorough check: this process is only of use if it can reach the session store.
    const storeAnswers = await store.isReady().catch(() => false);
    res.status(storeAnswers ? 200 : 503).json({
      status: storeAnswers ? 'ok' : 'store unreachable',
      instance: config.instance,
    });
  });

  // Readiness: while it fails, the balancer sends this process no traffic.
  router.get('/readyz', (req, res) => {
    res.json({ status: 'ready', instance: config.instance });
  });

  return router;
}
