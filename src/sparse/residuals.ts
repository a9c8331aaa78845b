import { atomGram, CodingWorkspace, DEFAULT_CODE, lassoCodes } from './coding.js';
import { patchGrid, gridPatchesInto } from './patches.js';

export interface ResidualOptions {
  /** Patch side and grid step. */
  readonly patch: number;
  readonly stride: number;
  /** Centre each patch on its mean (false: brightness matters, as for stains and spots). */
  readonly center: boolean;
  readonly alpha: number;
  readonly tol: number;
  readonly solver: 'homotopy' | 'cd';
}

/**
 * The mean squared residual x - D^T a of every patch's LASSO code, patch by patch on the
 * stride grid of each of n images (n x rows x cols scores): how far a patch is from what
 * the dictionary can say sparsely, the sparse detector's anomaly score. One patch buffer and
 * one coder scratch serve every image, so nothing is allocated in the loop.
 */
export function residualScores(
  images: Float32Array | Float64Array,
  n: number,
  height: number,
  width: number,
  D: Float64Array,
  K: number,
  o: ResidualOptions,
  out?: Float64Array,
): Float64Array {
  const P = o.patch * o.patch;
  const { rows, cols } = patchGrid(height, width, o.patch, o.stride);
  const perImage = rows * cols;
  const scores = out ?? new Float64Array(n * perImage);
  const G = atomGram(D, K, P);
  const codes = new Float64Array(perImage * K);
  const residual2 = new Float64Array(perImage);
  const xs = new Float64Array(perImage * P);
  const work = new CodingWorkspace(K);
  const code = { alpha: o.alpha, tol: o.tol, maxIter: DEFAULT_CODE.maxIter, solver: o.solver } as const;
  for (let img = 0; img < n; img++) {
    gridPatchesInto(images, img, height, width, o.patch, o.stride, o.center, xs);
    codes.fill(0);
    // each patch's squared residual from its correlations (lassoCodes' residuals), not from x - D^T a
    lassoCodes(D, K, P, xs, perImage, code, codes, G, work, residual2);
    for (let p = 0; p < perImage; p++) scores[img * perImage + p] = residual2[p] / P;
  }
  return scores;
}
