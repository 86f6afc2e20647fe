// Under load: twenty visitors keep visiting while the platform replaces every instance again
// and again. With sessions in Redis, no request may fail and no visit may be lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, startLabWith, Visitor, type LabProcess } from './harness.ts';

const CLIENTS = 20;
const DURATION_MS = 20_000;

for (const storeKind of ['embedded', 'redis-server'] as const) {
  describe(`rolling replacements under load (${storeKind} store)`, () => {
    let lab: LabProcess;

    beforeAll(async () => {
      lab = await startLabWith(storeKind, { SESSION_STORE: 'redis', LAB_WATCH: '0' });
    });
    afterAll(async () => {
      await lab?.stop();
    });

    it(`${CLIENTS} visitors, every instance replaced repeatedly for ${DURATION_MS / 1000} s: no failed request, no lost visit`, async () => {
      const stopAt = Date.now() + DURATION_MS;
      const failures: string[] = [];
      const results: { successes: number; lastCount: number }[] = [];
      const instancesSeen = new Set<string>();

      const visitorLoop = async (): Promise<void> => {
        const visitor = new Visitor(lab.url);
        const result = { successes: 0, lastCount: 0 };
        results.push(result);
        while (Date.now() < stopAt) {
          try {
            const { status, body } = await visitor.visit();
            if (status !== 200) {
              failures.push(`${status} ${JSON.stringify(body)}`);
              continue;
            }
            result.successes += 1;
            result.lastCount = Number(body['visits']);
            instancesSeen.add(String(body['instance']));
          } catch (error) {
            failures.push(String(error));
          }
        }
      };

      let rollouts = 0;
      const replaceLoop = async (): Promise<void> => {
        while (Date.now() < stopAt) {
          const answer = await control(lab.url, 'POST', 'lab/replace');
          if (answer.status !== 200)
            failures.push(`replace: ${answer.status} ${JSON.stringify(answer.body)}`);
          rollouts += 1;
        }
      };

      await Promise.all([replaceLoop(), ...Array.from({ length: CLIENTS }, visitorLoop)]);

      expect(failures).toEqual([]);
      // A rollout starts three processes one after another; on two busy cores that takes seconds.
      expect(rollouts).toBeGreaterThanOrEqual(2);
      // Every instance of every rollout served someone: the visits really crossed replacements.
      expect(instancesSeen.size).toBeGreaterThanOrEqual(3 * rollouts);
      for (const result of results) {
        expect(result.successes).toBeGreaterThan(0);
        expect(result.lastCount).toBe(result.successes);
      }
      console.log(
        `${storeKind}: ${rollouts} rollouts, ${results.reduce((sum, r) => sum + r.successes, 0)} visits, ${instancesSeen.size} instances`,
      );
    });
  });
}
