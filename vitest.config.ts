import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // tfjs keeps one global engine per process; files run in forks so backends never leak across files
    pool: 'forks',
    // every core: vitest's default leaves one free, which on a 2-core machine runs the files one by one;
    // no test depends on how busy the machine is, so they may share the cores
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
