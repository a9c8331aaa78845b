import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // tfjs keeps one global engine per process; files run in forks so backends never leak across files
    pool: 'forks',
    // every core and one more: vitest's default leaves one free, which on a 2-core machine runs the
    // files one by one, and the files wait part of their time on the processes they start (on this
    // 2-core VM: 173 s with 2 workers, 146 s with 3, 154 s with 4); no test depends on how busy the
    // machine is, so they may share the cores
    maxWorkers: Math.max(2, availableParallelism()) + 1,
    // longest files first, whether or not vitest has durations cached (test/sequencer.ts)
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
