import { defineConfig } from 'vitest/config';

// Tests exercise the built package (dist/): worker threads and child processes need real
// JavaScript entry files, so `npm test` builds first and the tests import from dist.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
