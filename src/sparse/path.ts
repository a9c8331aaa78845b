import { checkSolverOptions, DEFAULT_SOLVER, type SolverOptions } from './solver-options.js';
import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { CenteredDesign, logSolve, type CdMode } from './design.js';
import { countNonzeros } from './vec.js';
import { asDesign, asTargets, type DesignInput, type TargetInput } from './input.js';
import { alphaMax, geometricGrid, type CdOptions } from './lasso.js';

/** A path's options: the solver's (DEFAULT_SOLVER) and its grid of alphas. */
export interface PathOptions extends SolverOptions {
  /** Number of alphas, log-spaced from alpha_max down to eps x alpha_max (scikit-learn's grid). */
  readonly nAlphas: number;
  readonly eps: number;
  /** An explicit grid (decreasing) instead of the automatic one. */
  readonly alphas?: Float64Array;
}

export const DEFAULT_PATH: PathOptions = { ...DEFAULT_SOLVER, nAlphas: 100, eps: 1e-3 };

/** One target's path: row i of `coefs` is the solution at alphas[i]. */
export interface TargetPath {
  readonly alphas: Float64Array;
  /** nAlphas x p, row-major. */
  readonly coefs: Float64Array;
  readonly intercepts: Float64Array;
  /** Duality gaps in scikit-learn's scaling. */
  readonly gaps: Float64Array;
  readonly passes: Int32Array;
  readonly newtonSteps: Int32Array;
  readonly nonzeros: Int32Array;
  readonly objectives: Float64Array;
  readonly converged: readonly boolean[];
}

export interface PathResult {
  readonly options: PathOptions;
  readonly mode: CdMode;
  readonly features: number;
  readonly samples: number;
  readonly targets: readonly TargetPath[];
  /** Seconds to prepare the design (Gram matrix) and to solve all paths. */
  readonly prepareSeconds: number;
  readonly solveSeconds: number;
}

export function validatePathOptions(o: PathOptions): void {
  if (!Number.isInteger(o.nAlphas) || o.nAlphas < 1) throw new UsageError(`nAlphas must be a positive integer, got ${o.nAlphas}`);
  if (!(o.eps > 0 && o.eps < 1)) throw new UsageError(`eps must be in (0, 1), got ${o.eps}`);
  checkSolverOptions(o);
  if (o.alphas) {
    for (let i = 0; i < o.alphas.length; i++) {
      if (!(o.alphas[i] >= 0) || (i > 0 && o.alphas[i] > o.alphas[i - 1])) {
        throw new UsageError('alphas must be non-negative and decreasing');
      }
    }
  }
}

/**
 * Elastic-net paths for several targets sharing one design (one Gram matrix):
 * each target's grid runs from its own alpha_max down, warm-started, as scikit-learn's
 * enet_path does for a one-dimensional y.
 */
export function enetPath(
  X: DesignInput,
  Y: TargetInput,
  opts: Partial<PathOptions> = {},
  onAlpha?: (target: number, index: number, alpha: number) => void,
): PathResult {
  const o: PathOptions = { ...DEFAULT_PATH, ...opts };
  validatePathOptions(o);
  const { data, n, p } = asDesign(X);
  const targets = asTargets(Y, n);
  const t0 = performance.now();
  const design = CenteredDesign.from(data, n, p, o.mode, o.fitIntercept);
  const t1 = performance.now();
  const rng = new Rng(o.seed);
  const out: TargetPath[] = targets.map((y, ti) => {
    const t = design.target(y);
    const alphas = o.alphas ?? geometricGrid(alphaMax(t.xty, n, o.l1Ratio), alphaMax(t.xty, n, o.l1Ratio) * o.eps, o.nAlphas);
    const k = alphas.length;
    const path = {
      alphas,
      coefs: new Float64Array(k * p),
      intercepts: new Float64Array(k),
      gaps: new Float64Array(k),
      passes: new Int32Array(k),
      newtonSteps: new Int32Array(k),
      nonzeros: new Int32Array(k),
      objectives: new Float64Array(k),
      converged: [] as boolean[],
    };
    for (let i = 0; i < k; i++) {
      const cd: CdOptions = {
        alpha: alphas[i],
        l1Ratio: o.l1Ratio,
        tol: o.tol,
        maxIter: o.maxIter,
        positive: o.positive,
        selection: o.selection,
        rng,
        screening: o.screening,
        newton: o.newton,
      };
      const r = design.solve(t, cd);
      path.coefs.set(t.w, i * p);
      path.intercepts[i] = design.intercept(t);
      logSolve(path, i, r);
      path.nonzeros[i] = countNonzeros(t.w);
      onAlpha?.(ti, i, alphas[i]);
    }
    return path;
  });
  const t2 = performance.now();
  return { options: o, mode: design.mode, features: p, samples: n, targets: out, prepareSeconds: (t1 - t0) / 1e3, solveSeconds: (t2 - t1) / 1e3 };
}

/** The LASSO path: enetPath with l1Ratio = 1. */
export function lassoPath(
  X: DesignInput,
  Y: TargetInput,
  opts: Partial<Omit<PathOptions, 'l1Ratio'>> = {},
  onAlpha?: (target: number, index: number, alpha: number) => void,
): PathResult {
  return enetPath(X, Y, { ...opts, l1Ratio: 1 }, onAlpha);
}

/** One-vs-rest 0/1 targets of a label vector, as the classifier and the path command use. */
export function oneVsRestTargets(y: Uint8Array, classes: number): Float64Array[] {
  return Array.from({ length: classes }, (_, c) => Float64Array.from(y, (v) => (v === c ? 1 : 0)));
}
