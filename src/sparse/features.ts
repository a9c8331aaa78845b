import { UsageError } from '../errors.js';
import { atomGram, CodingWorkspace, DEFAULT_CODE, lassoCodes, ompCodes } from './coding.js';
import { gridPatchesInto, patchGrid } from './patches.js';

export interface PoolingOptions {
  readonly patch: number;
  readonly stride: number;
  /** The patch grid is pooled over cells x cells regions. */
  readonly cells: number;
  readonly alpha: number;
  /** Duality-gap tolerance of each patch's code (relative to ||x||^2): features need less than a fit. */
  readonly tol: number;
  /** lasso: codes by coordinate descent at alpha; omp: `nonzeros` atoms per patch by OMP. */
  readonly coder: 'lasso' | 'omp';
  readonly nonzeros: number;
  /** lasso coder: the exact homotopy (default) or coordinate descent to `tol` (see CodeOptions.solver). */
  readonly solver?: 'homotopy' | 'cd';
}

/** Features per image: positive and negative parts of K codes in each of cells x cells regions. */
export const pooledCount = (K: number, cells: number): number => 2 * cells * cells * K;

/**
 * Sparse-code features of images: every patch on a stride grid is coded against the
 * dictionary, and the codes are max-pooled over a cells x cells partition of the grid,
 * positive and negative parts apart (2 x cells^2 x atoms features per image).
 */
export function pooledFeatures(
  images: Float32Array | Float64Array,
  n: number,
  height: number,
  width: number,
  D: Float64Array,
  K: number,
  o: PoolingOptions,
): { features: Float64Array; count: number; meanNonzeros: number; nonzeros: number } {
  const P = o.patch * o.patch;
  const { rows, cols } = patchGrid(height, width, o.patch, o.stride);
  const perImage = rows * cols;
  const count = pooledCount(K, o.cells);
  const features = new Float64Array(n * count);
  const G = atomGram(D, K, P);
  const codes = new Float64Array(perImage * K);
  let nonzeros = 0;
  const pixels = height * width;
  if (images.length < n * pixels) throw new UsageError(`features: ${images.length} values are not ${n} images of ${height}x${width}`);
  if (!Number.isInteger(o.patch) || o.patch < 1 || o.patch > Math.min(height, width)) throw new UsageError(`patch must be an integer in [1, ${Math.min(height, width)}], got ${o.patch}`);
  // one patch buffer and one coder scratch for every image: nothing allocated in the loop
  const patches = new Float64Array(perImage * P);
  const work = new CodingWorkspace(K);
  const code = { alpha: o.alpha, tol: o.tol, maxIter: DEFAULT_CODE.maxIter, solver: o.solver ?? 'homotopy' } as const;
  for (let img = 0; img < n; img++) {
    gridPatchesInto(images, img, height, width, o.patch, o.stride, true, patches);
    if (o.coder === 'omp') codes.set(ompCodes(D, K, P, patches, perImage, o.nonzeros, G));
    else {
      codes.fill(0);
      lassoCodes(D, K, P, patches, perImage, code, codes, G, work);
    }
    const base = img * count;
    for (let r = 0; r < rows; r++) {
      const cr = Math.min(o.cells - 1, Math.floor((r * o.cells) / rows));
      for (let c = 0; c < cols; c++) {
        const cc = Math.min(o.cells - 1, Math.floor((c * o.cells) / cols));
        const cell = base + (cr * o.cells + cc) * 2 * K;
        const a = (r * cols + c) * K;
        for (let k = 0; k < K; k++) {
          const v = codes[a + k];
          if (v === 0) continue;
          nonzeros++;
          if (v > 0) {
            if (v > features[cell + k]) features[cell + k] = v;
          } else if (-v > features[cell + K + k]) features[cell + K + k] = -v;
        }
      }
    }
  }
  return { features, count, meanNonzeros: nonzeros / (n * perImage), nonzeros };
}
