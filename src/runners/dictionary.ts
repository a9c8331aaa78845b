import { defineRunner } from './define.js';
import { accuracyOf, DEFAULT_LASSO_CLASSIFIER, predict } from '../sparse/classifier.js';
import { onlineDictionary } from '../sparse/dictionary.js';
import { pooledFeatures, type PoolingOptions } from '../sparse/features.js';
import { extractPatches } from '../sparse/patches.js';
import { Rng } from '../util/rng.js';
import { fitWithCurve } from './linear.js';
import type { Split } from '../datasets/types.js';
import { CodingPool } from '../sparse/coding-pool.js';
import { CODE_SETTINGS } from './code-settings.js';
import { LATENCY_ITEMS, TEST_ACCURACY, type Runner, type RunnerHooks, type RunnerOutput } from './types.js';

/** The runner's settings, chosen on validation images of the tuning seeds (bench/tune.ts, results/tuning.md). */
export const DICTIONARY_RUNNER: DictionarySettings = {
  patch: 9,
  atoms: 64,
  alpha: 0.1,
  learnPatches: 20000,
  batchSize: 256,
  iterations: 50,
  stride: 3,
  cells: 3,
  /**
   * Codes by the exact homotopy, in learning and in coding: measured 15 us per patch against
   * 22 us for coordinate descent at tol 1e-2 (which stops 3e-5 above the optimum); codeTol
   * serves only a signal whose path does not close.
   */
  codeSolver: 'homotopy',
  codeTol: 1e-2,
  classifierAlpha: 1e-4,
  /** Elastic net: the pooled features are correlated; measured 0.951 against 0.9475 for LASSO on seed 42. */
  classifierL1Ratio: 0.5,
  pathPoints: 5,
};

export interface DictionarySettings {
  readonly patch: number;
  readonly atoms: number;
  /** LASSO penalty of the codes (learning and coding). */
  readonly alpha: number;
  readonly learnPatches: number;
  readonly batchSize: number;
  readonly iterations: number;
  readonly stride: number;
  readonly cells: number;
  readonly codeSolver: 'homotopy' | 'cd';
  readonly codeTol: number;
  readonly classifierAlpha: number;
  readonly classifierL1Ratio: number;
  readonly pathPoints: number;
}

/**
 * HACARUS-style sparse modeling: learn a dictionary of image patches online, code every
 * image's patches sparsely against it, max-pool the codes on a spatial grid, and train the
 * one-vs-rest LASSO classifier on the pooled codes. Coding the test images is evaluation
 * and runs outside the measured window.
 */
export const dictionaryRunner = defineRunner({
  name: 'dictionary',
  family: 'sparse',
  task: 'classification',
  description: 'online dictionary learning on 9x9 patches, LASSO codes, 3x3 max pooling, one-vs-rest elastic-net classifier',
  settings: CODE_SETTINGS,
  async train(split, options, hooks) {
    // --threads N: the patches are coded on N threads (the rest, learning and the classifier, on one)
    const pool = await CodingPool.create(options.threads ?? 1, options.evaluationThreads);
    try {
      return await trainDictionary(split, hooks, pool, { ...DICTIONARY_RUNNER, ...CODE_SETTINGS.parse(options.settings ?? {}) });
    } finally {
      await pool.close();
    }
  },
});

/** The dictionary and the pooled codes of every part of the split: all but the classifier. */
export interface DictionaryFeatures {
  readonly dict: ReturnType<typeof onlineDictionary>;
  readonly pooling: PoolingOptions;
  readonly train: Awaited<ReturnType<CodingPool['pooledFeatures']>>;
  readonly validation: Awaited<ReturnType<CodingPool['pooledFeatures']>>;
  readonly test: Awaited<ReturnType<CodingPool['pooledFeatures']>>;
  readonly learnSeconds: number;
  readonly encodeSeconds: number;
}

/**
 * Learns the dictionary and codes the training images (training, inside the window), then
 * the validation images (evaluation, outside it) and the test images (the first half of
 * inference, in its window). The tuner (bench/tune.ts) calls this once per coding setting
 * and fits many classifiers on what it returns.
 */
export async function dictionaryFeatures(split: Split, hooks: RunnerHooks, pool: CodingPool, s: DictionarySettings): Promise<DictionaryFeatures> {
  const rng = new Rng(hooks.seed);
  const t0 = hooks.elapsed().seconds;
  const patches = extractPatches(split.XTrain, split.height, split.width, s.patch, { count: s.learnPatches, rng });
  const dict = onlineDictionary(patches, s.learnPatches, s.patch * s.patch, {
    atoms: s.atoms,
    alpha: s.alpha,
    batchSize: s.batchSize,
    iterations: s.iterations,
    seed: rng.nextUint32(),
    solver: s.codeSolver,
  }, (it, objective) => {
    if (it % 10 === 0) hooks.progress(it, s.iterations, `dictionary iteration ${it}, objective ${objective.toFixed(4)}`);
  });
  const t1 = hooks.elapsed().seconds;
  const pooling: PoolingOptions = { patch: s.patch, stride: s.stride, cells: s.cells, alpha: s.alpha, tol: s.codeTol, coder: 'lasso', nonzeros: 0, solver: s.codeSolver };
  const train = await pool.pooledFeatures(split.XTrain, split.yTrain.length, split.height, split.width, dict.D, s.atoms, pooling);
  const t2 = hooks.elapsed().seconds;
  // validation codes are evaluation, off the clock: on every evaluation thread
  const validation = await hooks.untimed(() => pool.pooledFeatures(split.XVal, split.yVal.length, split.height, split.width, dict.D, s.atoms, pooling, pool.evaluationThreads));
  const test = await hooks.inference(() => pool.pooledFeatures(split.XTest, split.yTest.length, split.height, split.width, dict.D, s.atoms, pooling), split.yTest.length);
  return { dict, pooling, train, validation, test, learnSeconds: t1 - t0, encodeSeconds: t2 - t1 };
}

/** The runner's classifier on pooled codes: its curve reads the validation codes. */
export function dictionaryClassifier(split: Split, f: DictionaryFeatures, hooks: RunnerHooks, s: DictionarySettings): ReturnType<typeof fitWithCurve> {
  return fitWithCurve(
    { X: f.train.features, y: split.yTrain, features: f.train.count },
    { X: f.validation.features, y: split.yVal },
    split.classes,
    { ...DEFAULT_LASSO_CLASSIFIER, alpha: s.classifierAlpha, l1Ratio: s.classifierL1Ratio, pathPoints: s.pathPoints },
    hooks,
    'dictionary classifier',
  );
}

async function trainDictionary(split: Split, hooks: RunnerHooks, pool: CodingPool, s: DictionarySettings): Promise<RunnerOutput> {
  const features = await dictionaryFeatures(split, hooks, pool, s);
  const { dict, pooling, train, test } = features;
  const t2 = hooks.elapsed().seconds;
  const { fit, curve } = dictionaryClassifier(split, features, hooks, s);
  const t3 = hooks.elapsed().seconds;
  const testAccuracy = accuracyOf(hooks.inference(() => predict(fit.model, test.features), split.yTest.length), split.yTest);
  // one image alone: its patches coded and pooled, then classified
  const pixels = split.height * split.width;
  hooks.latency((i) => {
    const one = pooledFeatures(split.XTest.subarray(i * pixels, (i + 1) * pixels), 1, split.height, split.width, dict.D, s.atoms, pooling);
    predict(fit.model, one.features);
  }, Math.min(LATENCY_ITEMS, split.yTest.length));
  const final = fit.path[fit.path.length - 1];
  return {
    metric: { name: TEST_ACCURACY, value: testAccuracy },
    curve,
    metrics: {
      atoms: s.atoms,
      meanNonzerosPerCode: train.meanNonzeros,
      features: train.count,
      dictionaryObjective: dict.trace[dict.trace.length - 1].objective,
      resampledAtoms: dict.resampled,
      learnSeconds: features.learnSeconds,
      encodeSeconds: features.encodeSeconds,
      classifierSeconds: t3 - t2,
      nonzeros: final.nonzeros,
      passes: fit.path.reduce((a, p) => a + p.passes, 0),
      trainSamples: split.yTrain.length,
      evaluationThreads: pool.evaluationThreads,
    },
    config: { ...s, coder: 'lasso (exact homotopy on the Gram)', pooling: 'max of positive and negative parts', codingThreads: pool.threads, seed: hooks.seed },
  };
}
