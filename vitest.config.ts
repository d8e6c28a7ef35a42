import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // 2-core machines: model-running suites are heavy, so files run two at a time.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
