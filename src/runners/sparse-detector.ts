import { SCORING, scoringGeometry } from '../detect/evaluate.js';
import { pfsDays } from '../meter/flops.js';
import { gridOf } from '../detect/scoring.js';
import { atomGram, CodingWorkspace, DEFAULT_CODE, lassoCodes } from '../sparse/coding.js';
import { axpy, dot } from '../sparse/vec.js';
import { OnlineDictionaryLearner } from '../sparse/dictionary.js';
import { flops } from '../sparse/flops.js';
import { extractPatches, gridPatchesInto } from '../sparse/patches.js';
import type { Rng } from '../util/rng.js';
import { detectionOutput, SCORING_CONFIG, trainDetector, type GroupModel } from './detection.js';
import type { Runner } from './types.js';

/** Settings chosen on the defects set's first seed (see the README); patches are 8x8 like the scoring grid. */
export const SPARSE_DETECTOR = {
  atoms: 32,
  alpha: 0.1,
  learnPatches: 10000,
  batchSize: 256,
  iterations: 100,
  /** Exact homotopy codes (12 us per patch here, against 18 us for coordinate descent at codeTol). */
  codeSolver: 'homotopy',
  codeTol: 1e-3,
  /** Five curve points: the first four score a fixed fifth of the test images (see trainDetector). */
  evaluations: 5,
} as const;

/**
 * A dictionary of raw (uncentred: brightness matters for stains and spots) 8x8 patches
 * of one texture's defect-free images; a patch's anomaly score is the mean squared
 * residual of its LASSO code, x - D^T a.
 */
function dictionaryModel(images: Float32Array, n: number, side: number, rng: Rng): GroupModel {
  const s = SPARSE_DETECTOR;
  const k = SCORING.k;
  const P = k * k;
  const patches = extractPatches(images.subarray(0, n * side * side), side, side, k, { count: s.learnPatches, rng, center: false });
  const learner = new OnlineDictionaryLearner(patches, s.learnPatches, P, { atoms: s.atoms, alpha: s.alpha, batchSize: s.batchSize, iterations: s.iterations, seed: rng.nextUint32(), tol: 1e-4 });
  return {
    train: (units) => learner.run(units),
    scores(X, m) {
      const D = learner.D;
      const K = s.atoms;
      const G = atomGram(D, K, P);
      const { rows, cols } = gridOf(scoringGeometry(side, side));
      const perImage = rows * cols;
      const out = new Float64Array(m * perImage);
      const codes = new Float64Array(perImage * K);
      const residual = new Float64Array(P);
      // one patch buffer and one coder scratch for every image: nothing allocated in the loop
      const xs = new Float64Array(perImage * P);
      const work = new CodingWorkspace(K);
      const code = { alpha: s.alpha, tol: s.codeTol, maxIter: DEFAULT_CODE.maxIter, solver: s.codeSolver } as const;
      for (let img = 0; img < m; img++) {
        gridPatchesInto(X, img, side, side, k, SCORING.stride, false, xs);
        codes.fill(0);
        lassoCodes(D, K, P, xs, perImage, code, codes, G, work);
        for (let p = 0; p < perImage; p++) {
          residual.set(xs.subarray(p * P, (p + 1) * P));
          for (let a = 0; a < K; a++) {
            const c = codes[p * K + a];
            if (c !== 0) axpy(residual, -c, D, a * P, P);
          }
          out[img * perImage + p] = dot(residual, 0, residual, P) / P;
        }
      }
      return out;
    },
  };
}

export const sparseDetectorRunner: Runner = {
  name: 'sparse-detector',
  family: 'sparse',
  task: 'detection',
  description: 'per texture, online dictionary (32 atoms) of raw 8x8 patches of defect-free images; anomaly = residual of the LASSO code',
  async train(split, _options, hooks) {
    const s = SPARSE_DETECTOR;
    const flopsAtStart = flops.value;
    const { curve, evaluation, evaluationFlops } = trainDetector(
      split,
      {
        units: s.iterations,
        evaluations: s.evaluations,
        unit: 'mini-batch',
        make: (_group, images, n, rng) => dictionaryModel(images, n, split.width, rng),
      },
      hooks,
      'sparse-detector',
    );
    // scoring the test images is evaluation: its coding does not count as training
    const counted = flops.value - flopsAtStart - evaluationFlops;
    const out = detectionOutput(curve, evaluation);
    return {
      ...out,
      curve,
      metrics: { ...out.metrics, atoms: s.atoms, flops: counted, pfsDays: pfsDays(counted), trainSamples: split.yTrain.length },
      config: { ...s, patch: SCORING.k, patchCentering: false, ...SCORING_CONFIG, seed: hooks.seed },
    };
  },
};
