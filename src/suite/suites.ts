import { UsageError } from '../errors.js';

/** One (dataset, runner) cell of a suite, with its sizes and options. */
export interface SuiteEntry {
  readonly dataset: string;
  readonly runner: string;
  readonly trainSize: number;
  readonly testSize: number;
  readonly epochs?: number;
  /**
   * Repeats of this cell when it is cheap (a few seconds), beyond the suite's: more pairs for
   * the claim it enters at little cost. The external deep-learning peers of its dataset repeat
   * as often, so that every one of its seeds has a pair. Unset: the suite's repeats.
   */
  readonly repeats?: number;
}

export interface Suite {
  readonly name: SuiteName;
  readonly description: string;
  readonly repeats: number;
  /**
   * Repeats of the TensorFlow.js deep-learning runners when a native peer (PyTorch) trains
   * the same task: the claim is held against the fastest deep-learning runner, so the tfjs
   * cells (3-5x slower here) enter no claim and need no more than the tables' medians.
   * Unset: every cell repeats `repeats` times.
   */
  readonly repeatsBesidePeer?: number;
  readonly entries: readonly SuiteEntry[];
}

export const SUITE_NAMES = ['quick', 'default', 'full'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

const runnersOn = (dataset: string, trainSize: number, testSize: number, epochs: number, lassoRepeats?: number): SuiteEntry[] => [
  { dataset, runner: 'cnn', trainSize, testSize, epochs },
  { dataset, runner: 'lasso', trainSize, testSize, ...(lassoRepeats ? { repeats: lassoRepeats } : {}) },
  { dataset, runner: 'dictionary', trainSize, testSize },
];
/** Detection on the generated defects: 50 defect-free training images per texture, as in the claim; 100 test images per texture. */
const defects: SuiteEntry[] = [
  { dataset: 'defects', runner: 'autoencoder', trainSize: 150, testSize: 300 },
  { dataset: 'defects', runner: 'sparse-detector', trainSize: 150, testSize: 300 },
];
const mnist = (trainSize: number, testSize: number, epochs: number, lassoRepeats?: number): SuiteEntry[] => runnersOn('mnist', trainSize, testSize, epochs, lassoRepeats);

const SUITES: Record<SuiteName, Suite> = {
  quick: {
    name: 'quick',
    description: 'CI smoke run: 2,000/500 MNIST digits, CNN 1 epoch, LASSO, dictionary; defects with both detectors',
    repeats: 1,
    entries: [...mnist(2000, 500, 1), ...defects],
  },
  default: {
    name: 'default',
    description: '8,000/2,000 MNIST digits, CNN 3 epochs, LASSO, dictionary; defects with both detectors; 5 paired repeats (seeds seed..seed+4), the LASSO runner (0.5 s) and its PyTorch peers 10, the tfjs runners once beside a PyTorch peer',
    repeats: 5,
    repeatsBesidePeer: 1,
    entries: [...mnist(8000, 2000, 3, 10), ...defects],
  },
  full: {
    name: 'full',
    description: '8,000/2,000 MNIST digits and Fashion-MNIST images, CNN 10 epochs, LASSO, dictionary; defects with both detectors; 10 paired repeats, the tfjs runners 3 beside a PyTorch peer',
    repeats: 10,
    repeatsBesidePeer: 3,
    entries: [...mnist(8000, 2000, 10), ...runnersOn('fashion-mnist', 8000, 2000, 10), ...defects],
  },
};

export function getSuite(name: string): Suite {
  if (!(SUITE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--suite: unknown suite "${name}" (expected ${SUITE_NAMES.join('|')})`);
  }
  return SUITES[name as SuiteName];
}
