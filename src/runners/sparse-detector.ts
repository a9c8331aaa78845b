import { defineRunner } from './define.js';
import { SCORING } from '../detect/evaluate.js';
import { CodingPool } from '../sparse/coding-pool.js';
import { OnlineDictionaryLearner } from '../sparse/dictionary.js';
import { extractPatches } from '../sparse/patches.js';
import type { Rng } from '../util/rng.js';
import { detectionOutput, scoringConfig, trainDetector, type GroupModel } from './detection.js';
import type { Runner } from './types.js';
import { CODE_SETTINGS } from './code-settings.js';

/** Settings chosen on validation images of the tuning seeds (bench/tune.ts, results/tuning.md); patches are 8x8 like the scoring grid. */
export const SPARSE_DETECTOR: SparseDetectorSettings = {
  atoms: 32,
  alpha: 0.1,
  learnPatches: 10000,
  batchSize: 256,
  iterations: 100,
  /**
   * Exact homotopy codes, in learning and in scoring (12 us per patch here, against 18 us for
   * coordinate descent at codeTol; learning 0.31 s a texture against 0.76 s by descent at 1e-4).
   */
  codeSolver: 'homotopy',
  codeTol: 1e-3,
  /** Five curve points, each scoring the validation images (see trainDetector). */
  evaluations: 5,
  imageQuantile: 0.99,
};

export interface SparseDetectorSettings {
  readonly atoms: number;
  readonly alpha: number;
  readonly learnPatches: number;
  readonly batchSize: number;
  readonly iterations: number;
  readonly codeSolver: 'homotopy' | 'cd';
  readonly codeTol: number;
  readonly evaluations: number;
  /** The image score: this quantile of its patch scores (chosen on validation). */
  readonly imageQuantile: number;
}

/**
 * A dictionary of raw (uncentred: brightness matters for stains and spots) 8x8 patches
 * of one texture's defect-free images; a patch's anomaly score is the mean squared
 * residual of its LASSO code, x - D^T a.
 */
function dictionaryModel(images: Float32Array, n: number, side: number, rng: Rng, pool: CodingPool, s: SparseDetectorSettings): GroupModel {
  const k = SCORING.k;
  const P = k * k;
  const patches = extractPatches(images.subarray(0, n * side * side), side, side, k, { count: s.learnPatches, rng, center: false });
  const learner = new OnlineDictionaryLearner(patches, s.learnPatches, P, { atoms: s.atoms, alpha: s.alpha, batchSize: s.batchSize, iterations: s.iterations, seed: rng.nextUint32(), tol: 1e-4, solver: s.codeSolver });
  const scoring = { patch: k, stride: SCORING.stride, center: false, alpha: s.alpha, tol: s.codeTol, solver: s.codeSolver } as const;
  return {
    train: (units) => learner.run(units),
    // the images are split over the pool's threads (one thread unless --threads says more)
    scores: (X, m, offClock) => pool.residualScores(X, m, side, side, learner.D, s.atoms, scoring, offClock ? pool.evaluationThreads : pool.threads),
  };
}

export const sparseDetectorRunner: Runner = sparseDetectorWith(SPARSE_DETECTOR);

/** The detector with other settings (the tuner's grid, bench/tune.ts). */
export function sparseDetectorWith(base: SparseDetectorSettings): Runner {
  return defineRunner({
    name: 'sparse-detector',
    family: 'sparse',
    task: 'detection',
    description: `per texture, online dictionary (${base.atoms} atoms) of raw 8x8 patches of defect-free images; anomaly = residual of the LASSO code`,
    settings: CODE_SETTINGS,
    async train(split, options, hooks) {
      const s: SparseDetectorSettings = { ...base, ...CODE_SETTINGS.parse(options.settings ?? {}) };
      const pool = await CodingPool.create(options.threads ?? 1, options.evaluationThreads);
      try {
        const { curve, evaluation } = await trainDetector(
          split,
          {
            units: s.iterations,
            evaluations: s.evaluations,
            unit: 'mini-batch',
            quantile: s.imageQuantile,
            make: (_group, images, n, rng) => dictionaryModel(images, n, split.width, rng, pool, s),
          },
          hooks,
          'sparse-detector',
        );
        const out = detectionOutput(evaluation);
        const { imageQuantile, ...settings } = s;
        return {
          ...out,
          curve,
          metrics: { ...out.metrics, atoms: s.atoms, trainSamples: split.yTrain.length, evaluationThreads: pool.evaluationThreads },
          config: { ...settings, patch: SCORING.k, patchCentering: false, ...scoringConfig(imageQuantile), scoringThreads: pool.threads, seed: hooks.seed },
        };
      } finally {
        await pool.close();
      }
    },
  });
}
