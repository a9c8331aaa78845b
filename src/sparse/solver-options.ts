import { UsageError } from '../errors.js';
import type { CdMode } from './design.js';

/**
 * What every coordinate-descent solver of the elastic net takes (the estimators, the paths,
 * the one-vs-rest classifier), with one set of defaults: scikit-learn's where it has one
 * (l1_ratio 1, tol 1e-4, max_iter 1000, cyclic selection, an intercept), ours for the rest.
 * The public functions check these once, in these parameter names (checkSolverOptions); the
 * kernels below them check nothing. The CLI maps its flags to them (--l1-ratio -> l1Ratio).
 */
export interface SolverOptions {
  /** 1 = LASSO; in (0, 1]. */
  readonly l1Ratio: number;
  /** Stop when the duality gap <= tol ||y||^2 / n (scikit-learn's rule). */
  readonly tol: number;
  /** Most coordinate passes per alpha. */
  readonly maxIter: number;
  /** Coefficients constrained to be >= 0. */
  readonly positive: boolean;
  /** gram: covariance updates (n > p); naive: residual updates; auto: by shape. */
  readonly mode: CdMode | 'auto';
  /** Coordinate order: cyclic, or uniformly random picks seeded by `seed`. */
  readonly selection: 'cyclic' | 'random';
  readonly seed: number;
  /** gram mode: working sets seeded by the strong rule, or every pass over all coordinates. */
  readonly screening: 'strong' | 'none';
  /** gram mode: Newton steps on the support once coordinate descent has settled it. */
  readonly newton: boolean;
  /** Fit an intercept by centering X and y. */
  readonly fitIntercept: boolean;
}

export const DEFAULT_SOLVER: SolverOptions = {
  l1Ratio: 1,
  tol: 1e-4,
  maxIter: 1000,
  positive: false,
  mode: 'auto',
  selection: 'cyclic',
  seed: 0,
  screening: 'strong',
  newton: true,
  fitIntercept: true,
};

/** Checks the options a solver was given (alpha too, when it takes one), naming the parameter. */
export function checkSolverOptions(o: Partial<SolverOptions> & { readonly alpha?: number }): void {
  if (o.alpha !== undefined && (!(o.alpha > 0) || !Number.isFinite(o.alpha))) throw new UsageError(`alpha must be a positive number, got ${o.alpha}`);
  if (o.l1Ratio !== undefined && !(o.l1Ratio > 0 && o.l1Ratio <= 1)) throw new UsageError(`l1Ratio must be in (0, 1], got ${o.l1Ratio}`);
  if (o.tol !== undefined && !(o.tol > 0)) throw new UsageError(`tol must be positive, got ${o.tol}`);
  if (o.maxIter !== undefined && (!Number.isInteger(o.maxIter) || o.maxIter < 1)) throw new UsageError(`maxIter must be a positive integer, got ${o.maxIter}`);
  if (o.selection !== undefined && o.selection !== 'cyclic' && o.selection !== 'random') throw new UsageError(`selection must be cyclic or random, got ${String(o.selection)}`);
  if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0)) throw new UsageError(`seed must be a non-negative integer, got ${o.seed}`);
  if (o.mode !== undefined && !['auto', 'gram', 'naive'].includes(o.mode)) throw new UsageError(`mode must be auto, gram or naive, got ${String(o.mode)}`);
  if (o.screening !== undefined && o.screening !== 'strong' && o.screening !== 'none') throw new UsageError(`screening must be strong or none, got ${String(o.screening)}`);
}
