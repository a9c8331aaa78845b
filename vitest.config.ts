import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs keeps one global engine per process; files run in forks so backends never leak across files
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
