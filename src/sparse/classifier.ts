import { UsageError } from '../errors.js';
import { CenteredDesign, type CdMode, type TargetState } from './design.js';
import { alphaMax, geometricGrid, type CdResult } from './lasso.js';
import { checkSolverOptions, DEFAULT_SOLVER, type SolverOptions } from './solver-options.js';
import { countNonzeros } from './vec.js';

/** The one-vs-rest classifier's options: the solver's (DEFAULT_SOLVER), its final alpha and its path. */
export interface LassoClassifierOptions extends Pick<SolverOptions, 'l1Ratio' | 'tol' | 'maxIter' | 'mode'> {
  /** Final regularisation, scikit-learn scaling. */
  readonly alpha: number;
  /** Points of the warm-started path from alpha_max down to alpha (1 = fit alpha directly). */
  readonly pathPoints: number;
}

export const DEFAULT_LASSO_CLASSIFIER: LassoClassifierOptions = {
  alpha: 1e-3,
  l1Ratio: DEFAULT_SOLVER.l1Ratio,
  tol: DEFAULT_SOLVER.tol,
  maxIter: DEFAULT_SOLVER.maxIter,
  pathPoints: 10,
  mode: DEFAULT_SOLVER.mode,
};

/** A linear one-vs-rest model: scores = X W^T + b, prediction = argmax. */
export interface LinearModel {
  readonly classes: number;
  readonly features: number;
  /** classes x features, row-major. */
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
}

export interface PathPoint {
  readonly alpha: number;
  readonly passes: number;
  readonly maxGap: number;
  readonly nonzeros: number;
  readonly converged: boolean;
}

export interface LassoClassifierFit {
  readonly model: LinearModel;
  readonly mode: CdMode;
  readonly alphaMax: number;
  readonly path: readonly PathPoint[];
  readonly targets: readonly CdResult[];
}

export interface FitHooks {
  /** After each alpha of the path, with the model at that alpha. */
  onPathPoint?(point: PathPoint, model: LinearModel, index: number, total: number): void;
  /** After each coordinate pass of any target, with the path position. */
  onPass?(pathIndex: number, pathTotal: number): void;
}

export function validateLassoOptions(o: LassoClassifierOptions): void {
  checkSolverOptions(o);
  if (!Number.isInteger(o.pathPoints) || o.pathPoints < 1) throw new UsageError(`pathPoints must be a positive integer, got ${o.pathPoints}`);
}

/**
 * One-vs-rest elastic net on centered one-hot targets, solved along a warm-started
 * path from alpha_max to alpha; all targets share one prepared design (one Gram matrix).
 */
export function fitLassoClassifier(
  X: Float32Array | Float64Array,
  y: Uint8Array,
  features: number,
  classes: number,
  o: LassoClassifierOptions,
  hooks: FitHooks = {},
): LassoClassifierFit {
  validateLassoOptions(o);
  const n = y.length;
  for (let i = 0; i < n; i++) if (y[i] >= classes) throw new UsageError(`label ${y[i]} at row ${i} is not < ${classes}`);
  const design = CenteredDesign.from(X, n, features, o.mode);
  const targets: TargetState[] = [];
  const onehot = new Float64Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < n; i++) onehot[i] = y[i] === c ? 1 : 0;
    targets.push(design.target(onehot));
  }
  const aMax = Math.max(...targets.map((t) => alphaMax(t.xty, n, o.l1Ratio)));
  const alphas = o.alpha >= aMax ? Float64Array.of(o.alpha) : geometricGrid(aMax, o.alpha, o.pathPoints);
  const path: PathPoint[] = [];
  let last: CdResult[] = [];
  alphas.forEach((alpha, index) => {
    const onPass = hooks.onPass ? (): void => hooks.onPass?.(index, alphas.length) : undefined;
    last = targets.map((t) => design.solve(t, { alpha, l1Ratio: o.l1Ratio, tol: o.tol, maxIter: o.maxIter, positive: false, onPass }));
    const model = linearModel(design, targets, classes);
    const point: PathPoint = {
      alpha,
      passes: last.reduce((s, r) => s + r.passes, 0),
      maxGap: Math.max(...last.map((r) => r.gap)),
      nonzeros: countNonzeros(model.coef),
      converged: last.every((r) => r.converged),
    };
    path.push(point);
    hooks.onPathPoint?.(point, model, index, alphas.length);
  });
  return { model: linearModel(design, targets, classes), mode: design.mode, alphaMax: aMax, path, targets: last };
}

function linearModel(design: CenteredDesign, targets: TargetState[], classes: number): LinearModel {
  const p = design.p;
  const coef = new Float64Array(classes * p);
  const intercept = new Float64Array(classes);
  targets.forEach((t, c) => {
    coef.set(t.w, c * p);
    intercept[c] = design.intercept(t);
  });
  return { classes, features: p, coef, intercept };
}


/** argmax_c (x . w_c + b_c) for every row. */
export function predict(model: LinearModel, X: Float32Array | Float64Array): Uint8Array {
  const { classes, features: p, coef, intercept } = model;
  const n = X.length / p;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * p;
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      let s = intercept[c];
      const wb = c * p;
      for (let j = 0; j < p; j++) s += X[base + j] * coef[wb + j];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}

export function accuracyOf(predicted: Uint8Array, y: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) k++;
  return k / y.length;
}
