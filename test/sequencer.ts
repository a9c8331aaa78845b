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
  'bad-input.test.ts': 63,
  'shards.test.ts': 30,
  'sweep.test.ts': 28,
  'reliability.test.ts': 56,
  'interruptions.test.ts': 47,
  'suite.test.ts': 42,
  'mvtec.test.ts': 39,
  'external.test.ts': 39,
  'solve.test.ts': 29,
  'cli.test.ts': 29,
  'detectors.test.ts': 26,
  'attribution.test.ts': 26,
  'served.test.ts': 17,
  'sources.test.ts': 12,
  'images.test.ts': 12,
  'claims.test.ts': 8,
  'meter.test.ts': 7,
  'defects.test.ts': 6,
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
