import { datasetEntry } from '../datasets/registry.js';
import { DEFAULT_CNN } from '../deep/cnn-config.js';
import { parameterError } from '../errors.js';
import { getRunner } from '../runners/registry.js';

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

/**
 * A suite as data: its datasets (sizes from each dataset's entry unless the suite gives its
 * own), the runners it trains on every dataset of their task, and settings for some cells
 * (a runner's epochs or repeats, on every dataset or one). expandSuite makes the cells.
 */
export interface SuiteSpec {
  readonly name: SuiteName;
  readonly description: string;
  readonly repeats: number;
  readonly repeatsBesidePeer?: number;
  readonly datasets: readonly { readonly name: string; readonly sizes?: Sizes }[];
  /** In table order; each trains on every dataset of its task. */
  readonly runners: readonly string[];
  readonly overrides?: readonly { readonly runner: string; readonly dataset?: string; readonly epochs?: number; readonly repeats?: number }[];
}

/** The runners every suite trains, each on the datasets of its task (plug-ins join a run by --runner). */
const RUNNERS = ['cnn', 'lasso', 'dictionary', 'autoencoder', 'sparse-detector'];

/** The cells of a suite: datasets in order, each with its task's runners in order, overrides applied. */
export function expandSuite(spec: SuiteSpec): Suite {
  const entries = spec.datasets.flatMap((d) => {
    const e = datasetEntry(d.name);
    const sizes = d.sizes ?? { trainSize: e.trainSize, validationSize: e.validationSize, testSize: e.testSize };
    return spec.runners
      .filter((r) => getRunner(r).task === e.task)
      .map((runner): SuiteEntry => {
        const o = (spec.overrides ?? []).filter((x) => x.runner === runner && (x.dataset === undefined || x.dataset === d.name));
        const epochs = o.find((x) => x.epochs !== undefined)?.epochs;
        const repeats = o.find((x) => x.repeats !== undefined)?.repeats;
        return { dataset: d.name, runner, ...sizes, ...(epochs !== undefined ? { epochs } : {}), ...(repeats !== undefined ? { repeats } : {}) };
      });
  });
  return { name: spec.name, description: spec.description, repeats: spec.repeats, ...(spec.repeatsBesidePeer !== undefined ? { repeatsBesidePeer: spec.repeatsBesidePeer } : {}), entries };
}

const SPECS: Record<SuiteName, SuiteSpec> = {
  quick: {
    name: 'quick',
    description: 'CI smoke run: 2,000/250/500 MNIST digits (train/validation/test), CNN 1 epoch, LASSO, dictionary; defects with both detectors',
    repeats: 1,
    datasets: [{ name: 'mnist', sizes: { trainSize: 2000, validationSize: 250, testSize: 500 } }, { name: 'defects' }],
    runners: RUNNERS,
    overrides: [{ runner: 'cnn', epochs: 1 }],
  },
  default: {
    name: 'default',
    description: '8,000/1,000/1,000 MNIST digits (train/validation/test), CNN 2 epochs, LASSO, dictionary; defects with both detectors; 5 paired repeats (seeds seed..seed+4), the LASSO runner (0.5 s) and its PyTorch peers 10, the tfjs runners once beside a PyTorch peer',
    repeats: 5,
    repeatsBesidePeer: 1,
    datasets: [{ name: 'mnist' }, { name: 'defects' }],
    runners: RUNNERS,
    overrides: [
      { runner: 'cnn', epochs: DEFAULT_CNN.epochs },
      // the LASSO cell takes half a second: more pairs for its claim at little cost
      { runner: 'lasso', repeats: 10 },
    ],
  },
  full: {
    name: 'full',
    description: '8,000/1,000/1,000 MNIST digits and 8,000/1,000/2,000 Fashion-MNIST images (train/validation/test), CNN 10 epochs, LASSO, dictionary; defects and textures with both detectors; 10 paired repeats, the tfjs runners 3 beside a PyTorch peer',
    repeats: 10,
    repeatsBesidePeer: 3,
    datasets: [{ name: 'mnist' }, { name: 'fashion-mnist' }, { name: 'defects' }, { name: 'textures' }],
    runners: RUNNERS,
    overrides: [{ runner: 'cnn', epochs: 10 }],
  },
};

export function getSuite(name: string): Suite {
  if (!(SUITE_NAMES as readonly string[]).includes(name)) {
    throw parameterError('suite', `: unknown suite "${name}" (expected ${SUITE_NAMES.join('|')})`);
  }
  return expandSuite(SPECS[name as SuiteName]);
}
