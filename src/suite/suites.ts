import { datasetEntry } from '../datasets/registry.js';
import { DEFAULT_CNN } from '../deep/cnn.js';
import { UsageError } from '../errors.js';

/** One (dataset, runner) cell of a suite, with its sizes and options. */
export interface SuiteEntry {
  readonly dataset: string;
  readonly runner: string;
  readonly trainSize: number;
  readonly validationSize: number;
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

type Sizes = Pick<SuiteEntry, 'trainSize' | 'validationSize' | 'testSize'>;

const runnersOn = (dataset: string, sizes: Sizes, epochs: number, lassoRepeats?: number): SuiteEntry[] => [
  { dataset, runner: 'cnn', ...sizes, epochs },
  { dataset, runner: 'lasso', ...sizes, ...(lassoRepeats ? { repeats: lassoRepeats } : {}) },
  { dataset, runner: 'dictionary', ...sizes },
];
/** A dataset's own sizes (datasets/registry.ts), so that suites never repeat them. */
const sizesOf = (dataset: string): Sizes => {
  const e = datasetEntry(dataset);
  return { trainSize: e.trainSize, validationSize: e.validationSize, testSize: e.testSize };
};
/** Detection on the generated defects: 50 defect-free training images per texture, as in the claim; 100 test images per texture. */
const defects: SuiteEntry[] = [
  { dataset: 'defects', runner: 'autoencoder', ...sizesOf('defects') },
  { dataset: 'defects', runner: 'sparse-detector', ...sizesOf('defects') },
];
/** Detection on real photographed textures (scikit-image's brick, grass, gravel), the folders' own split. */
const textures: SuiteEntry[] = defects.map((e) => ({ ...e, dataset: 'textures', ...sizesOf('textures') }));
const mnist = (sizes: Sizes, epochs: number, lassoRepeats?: number): SuiteEntry[] => runnersOn('mnist', sizes, epochs, lassoRepeats);

const SUITES: Record<SuiteName, Suite> = {
  quick: {
    name: 'quick',
    description: 'CI smoke run: 2,000/250/500 MNIST digits (train/validation/test), CNN 1 epoch, LASSO, dictionary; defects with both detectors',
    repeats: 1,
    entries: [...mnist({ trainSize: 2000, validationSize: 250, testSize: 500 }, 1), ...defects],
  },
  default: {
    name: 'default',
    description: '8,000/1,000/1,000 MNIST digits (train/validation/test), CNN 2 epochs, LASSO, dictionary; defects with both detectors; 5 paired repeats (seeds seed..seed+4), the LASSO runner (0.5 s) and its PyTorch peers 10, the tfjs runners once beside a PyTorch peer',
    repeats: 5,
    repeatsBesidePeer: 1,
    entries: [...mnist(sizesOf('mnist'), DEFAULT_CNN.epochs, 10), ...defects],
  },
  full: {
    name: 'full',
    description: '8,000/1,000/1,000 MNIST digits and 8,000/1,000/2,000 Fashion-MNIST images (train/validation/test), CNN 10 epochs, LASSO, dictionary; defects and textures with both detectors; 10 paired repeats, the tfjs runners 3 beside a PyTorch peer',
    repeats: 10,
    repeatsBesidePeer: 3,
    entries: [...mnist(sizesOf('mnist'), 10), ...runnersOn('fashion-mnist', sizesOf('fashion-mnist'), 10), ...defects, ...textures],
  },
};

export function getSuite(name: string): Suite {
  if (!(SUITE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--suite: unknown suite "${name}" (expected ${SUITE_NAMES.join('|')})`);
  }
  return SUITES[name as SuiteName];
}
