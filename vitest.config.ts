import { defineConfig } from 'vitest/config';

// Two projects, so the fast feedback is not queued behind the slow:
// - `unit`: everything that runs in this process alone, in parallel;
// - `process`: tests that start real processes, a real Redis or a whole lab (`*.process.test.ts`),
//   two files at a time: more would starve each other's deadlines on two cores.
// Browser tests live in tests/browser and belong to Playwright.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.process.test.ts', 'tests/browser/**', 'node_modules/**'],
          testTimeout: 20_000,
          // Vitest's default is one worker fewer than the cores: one on a two-core machine, where
          // these files then ran one by one, and after the process tests. Every core, and first.
          maxWorkers: '100%',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'process',
          include: ['tests/**/*.process.test.ts'],
          exclude: ['tests/browser/**', 'node_modules/**'],
          // Real processes and a real Redis on a two-core machine: give them room.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two files at a time: these tests mostly wait on their processes (a whole file of them
          // used 0.6 of a core on average), so two fill the machine's two cores without starving
          // each other's deadlines.
          maxWorkers: 2,
          // After the unit project (whose worker count differs, so it needs a group of its own).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
