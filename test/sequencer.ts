import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each test file took on the 2-vCPU development VM (npm test, 3 workers). Vitest
 * orders files by the durations it cached on earlier runs, and on a fresh clone, which has
 * none, by file size: the long files of few lines (bad-input, suite) then start last and the
 * run ends with one worker busy and two idle, 20 s later than it need (186 s against 166 s).
 * Longest first fills the workers evenly from the start.
 */
const SECONDS: Readonly<Record<string, number>> = {
  'reliability.test.ts': 50,
  'suite.test.ts': 45,
  'bad-input.test.ts': 45,
  'interruptions.test.ts': 43,
  'mvtec.test.ts': 38,
  'external.test.ts': 33,
  'shards.test.ts': 26,
  'detectors.test.ts': 26,
  'sweep.test.ts': 24,
  'cli.test.ts': 19,
  'served.test.ts': 16,
  'attribution.test.ts': 15,
  'solve.test.ts': 15,
  'images.test.ts': 14,
  'claims.test.ts': 10,
  'sources.test.ts': 9,
  'meter.test.ts': 7,
  'training.test.ts': 7,
  'ab.test.ts': 5,
  'sensors.test.ts': 5,
  'idx.test.ts': 5,
  'plugins.test.ts': 5,
  'dictionary.test.ts': 5,
  'compare.test.ts': 4,
  'defects.test.ts': 4,
  'mnist-cache.test.ts': 3,
  'split.test.ts': 2,
  'store.test.ts': 2,
  'homotopy-wasm.test.ts': 2,
  'examples.test.ts': 1,
  'lasso.test.ts': 1,
  'kernels.test.ts': 1,
  'cholesky-wasm.test.ts': 1,
  'sweep-findings.test.ts': 1,
  'cholesky.test.ts': 1,
  'estimators.test.ts': 1,
  'gram-wasm.test.ts': 1,
  'tuning.test.ts': 1,
  'argv.test.ts': 1,
  'format.test.ts': 1,
  'flags.test.ts': 1,
};
/** A file not in the table: assumed long, so that it starts early rather than last. */
const UNKNOWN = 30;

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cached = await super.sort(files);
    const seconds = (f: TestSpecification): number => SECONDS[basename(f.moduleId)] ?? (/\.test\.ts$/.test(f.moduleId) && f.moduleId.includes('/test/') ? UNKNOWN : 0);
    // stable: files of equal weight keep vitest's order
    return [...cached].sort((a, b) => seconds(b) - seconds(a));
  }
}
