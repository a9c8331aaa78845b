import { UsageError } from '../errors.js';
import { checkSolverOptions, DEFAULT_SOLVER, type SolverOptions } from './solver-options.js';
import { Rng } from '../util/rng.js';
import { CenteredDesign, logSolve, type CdMode } from './design.js';
import { asDesign, asTargets, type DesignInput, type TargetInput } from './input.js';
import type { CdOptions } from './lasso.js';

/** Hyper-parameters of an elastic-net fit, scikit-learn's names and scaling. */
/** An estimator's options: alpha, any of the solver options (their defaults: DEFAULT_SOLVER), and a warm start. */
export interface ElasticNetOptions extends Partial<SolverOptions> {
  readonly alpha: number;
  /** Starting coefficients, targets x features row-major (e.g. a previous fit's coef). */
  readonly warmStart?: Float64Array;
}

export interface ElasticNetFit {
  readonly targets: number;
  readonly features: number;
  /** targets x features, row-major. */
  readonly coef: Float64Array;
  readonly intercept: Float64Array;
  /** Per target: duality gap (scikit-learn's scaling), passes, Newton steps, objective. */
  readonly gaps: Float64Array;
  readonly passes: Int32Array;
  readonly newtonSteps: Int32Array;
  readonly objectives: Float64Array;
  readonly converged: readonly boolean[];
  readonly mode: CdMode;
}

export function resolveCdOptions(o: ElasticNetOptions): Omit<CdOptions, 'rng'> & { seed: number } {
  checkSolverOptions(o);
  const d = DEFAULT_SOLVER;
  return {
    alpha: o.alpha,
    l1Ratio: o.l1Ratio ?? d.l1Ratio,
    tol: o.tol ?? d.tol,
    maxIter: o.maxIter ?? d.maxIter,
    positive: o.positive ?? d.positive,
    selection: o.selection ?? d.selection,
    screening: o.screening ?? d.screening,
    newton: o.newton ?? d.newton,
    seed: o.seed ?? d.seed,
  };
}

/**
 * Elastic net by coordinate descent for one or many targets sharing X, in scikit-learn's
 * scaling: (1/(2n)) ||y - Xw - b||^2 + alpha l1Ratio ||w||_1 + alpha (1 - l1Ratio)/2 ||w||^2.
 * Validates once here; the kernels below trust their inputs.
 */
export function elasticNet(X: DesignInput, Y: TargetInput, options: ElasticNetOptions): ElasticNetFit {
  const o = resolveCdOptions(options);
  const d = asDesign(X);
  const targets = asTargets(Y, d.n);
  const design = CenteredDesign.from(d.data, d.n, d.p, options.mode ?? DEFAULT_SOLVER.mode, options.fitIntercept ?? DEFAULT_SOLVER.fitIntercept);
  const k = targets.length;
  const p = d.p;
  if (options.warmStart && options.warmStart.length !== k * p) {
    throw new UsageError(`warmStart has ${options.warmStart.length} values, expected targets x features = ${k} x ${p}`);
  }
  const fit = {
    targets: k,
    features: p,
    coef: new Float64Array(k * p),
    intercept: new Float64Array(k),
    gaps: new Float64Array(k),
    passes: new Int32Array(k),
    newtonSteps: new Int32Array(k),
    objectives: new Float64Array(k),
    converged: [] as boolean[],
    mode: design.mode,
  };
  const rng = new Rng(o.seed);
  targets.forEach((y, t) => {
    const state = design.target(y);
    if (options.warmStart) design.warmStart(state, options.warmStart.subarray(t * p, (t + 1) * p));
    const r = design.solve(state, { ...o, rng });
    fit.coef.set(state.w, t * p);
    fit.intercept[t] = design.intercept(state);
    logSolve(fit, t, r);
  });
  return fit;
}

/** The LASSO: elasticNet with l1Ratio = 1. */
export function lasso(X: DesignInput, Y: TargetInput, options: Omit<ElasticNetOptions, 'l1Ratio'>): ElasticNetFit {
  return elasticNet(X, Y, { ...options, l1Ratio: 1 });
}
