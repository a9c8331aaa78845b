/**
 * Shared pieces of the coordinate-descent kernels (cd-gram.ts, cd-naive.ts).
 *
 * Coordinate descent for the elastic net in scikit-learn's scaling, on centered data:
 *
 *   (1/(2n)) ||y - Xw||^2 + alpha l1Ratio ||w||_1 + (alpha (1 - l1Ratio) / 2) ||w||^2
 *
 * Kernels work on the objective multiplied by n (penalties l1 = n alpha l1Ratio,
 * l2 = n alpha (1 - l1Ratio)), as scikit-learn's _cd_fast does, and stop when the
 * duality gap is <= tol ||y||^2, i.e. gap / n <= tol ||y||^2 / n in the scaling above.
 *
 * Two update modes:
 *  - gram: keeps q = X^T y - G w (covariance updates, as glmnet). Passes run over a
 *    working set W seeded by the strong rule (Tibshirani et al. 2012) and the support; a
 *    change updates q on W only (O(|W|)), q outside W is brought up to date once per outer
 *    round, then KKT is checked on every coordinate and violators join W. For n > p.
 *  - naive: keeps the residual r = y - X w on column-major X; a coordinate costs O(n).
 */

import type { Rng } from '../util/rng.js';
import { DEFAULT_SOLVER } from './solver-options.js';

export interface CdOptions {
  readonly alpha: number;
  readonly l1Ratio: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly positive: boolean;
  /** Coordinate order: cyclic, or uniformly random picks (needs `rng`), as scikit-learn's selection. */
  readonly selection?: 'cyclic' | 'random';
  readonly rng?: Rng;
  /** gram mode: 'strong' = working sets seeded by the strong rule (default); 'none' = every pass visits all. */
  readonly screening?: 'strong' | 'none';
  /** gram mode: finish with Newton steps on the support once CD has settled it (default true). */
  readonly newton?: boolean;
  /** Called after each pass with the pass number and its duality gap (n-scaled), if computed. */
  readonly onPass?: (pass: number, gap: number | undefined) => void;
}

/** The kernels' share of DEFAULT_SOLVER (solver-options.ts): one set of defaults. */
export const DEFAULT_CD: Omit<CdOptions, 'alpha'> = { l1Ratio: DEFAULT_SOLVER.l1Ratio, tol: DEFAULT_SOLVER.tol, maxIter: DEFAULT_SOLVER.maxIter, positive: DEFAULT_SOLVER.positive };

export interface CdResult {
  /** Coordinate passes made (over the working set in gram mode). */
  readonly passes: number;
  /** Newton steps on the support (gram mode). */
  readonly newtonSteps: number;
  /** Floating-point operations of the dominant kernels (see flops.ts). */
  readonly flops: number;
  /** Duality gap in scikit-learn's scaling (divided by n). */
  readonly gap: number;
  readonly converged: boolean;
  /** Primal objective in scikit-learn's scaling. */
  readonly objective: number;
}

/**
 * Duality gap of the n-scaled elastic net from O(p) summaries, the same bound
 * scikit-learn computes: the dual point is the residual rescaled into the dual ball.
 */
export function dualityGap({ rNorm2, yDotR, dualNorm, l1Norm, wNorm2 }: Summary, l1: number, l2: number): number {
  let gap: number;
  let c: number;
  if (dualNorm > l1) {
    c = l1 / dualNorm;
    gap = 0.5 * (rNorm2 + rNorm2 * c * c);
  } else {
    c = 1;
    gap = rNorm2;
  }
  return gap + l1 * l1Norm - c * yDotR + 0.5 * l2 * (1 + c * c) * wNorm2;
}

export function penalties(n: number, o: CdOptions): [number, number] {
  return [n * o.alpha * o.l1Ratio, n * o.alpha * (1 - o.l1Ratio)];
}

export function update(z: number, l1: number, denom: number, positive: boolean): number {
  if (positive && z < 0) return 0;
  if (z > l1) return (z - l1) / denom;
  if (z < -l1) return (z + l1) / denom;
  return 0;
}

export function score(qj: number, positive: boolean): number {
  return positive ? qj : Math.abs(qj);
}

export interface Summary {
  readonly rNorm2: number;
  readonly yDotR: number;
  readonly dualNorm: number;
  readonly l1Norm: number;
  readonly wNorm2: number;
}

/** The objective in scikit-learn's scaling. */
export function primalObjective(rNorm2: number, l1Norm: number, wNorm2: number, n: number, o: CdOptions): number {
  return rNorm2 / (2 * n) + o.alpha * o.l1Ratio * l1Norm + 0.5 * o.alpha * (1 - o.l1Ratio) * wNorm2;
}

/**
 * Smallest alpha at which every coefficient is zero: max_j |X_j^T y| / (n l1Ratio), raised
 * by a relative 1e-12 so that n alpha l1Ratio, rounded back, still reaches |X_j^T y| and
 * the path's first point is exactly zero rather than one coefficient at rounding level.
 */
export function alphaMax(xty: Float64Array, n: number, l1Ratio: number): number {
  let m = 0;
  for (let j = 0; j < xty.length; j++) m = Math.max(m, Math.abs(xty[j]));
  return (m / (n * l1Ratio)) * (1 + 1e-12);
}

/** nAlphas values log-spaced from `from` down to `to` (inclusive). */
export function geometricGrid(from: number, to: number, nAlphas: number): Float64Array {
  const out = new Float64Array(nAlphas);
  if (nAlphas === 1) {
    out[0] = to;
    return out;
  }
  const ratio = Math.log(to / from) / (nAlphas - 1);
  for (let i = 0; i < nAlphas; i++) out[i] = from * Math.exp(ratio * i);
  out[nAlphas - 1] = to;
  return out;
}
