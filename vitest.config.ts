import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node; browser tests live in tests/browser and belong to Playwright.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    // Integration tests start real processes and a real Redis: give them room on a two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
