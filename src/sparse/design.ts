import { UsageError } from '../errors.js';
import { centeredColumns, columnMeans, sparseRows, transposeTimes, type SparseRows } from './gram.js';
import { WasmGram } from './gram-wasm.js';
import { WasmCholesky } from './cholesky-wasm.js';
import { cdGram, cdNaive, GramWorkspace, type CdOptions, type CdResult, type SupportFactor } from './lasso.js';

export type CdMode = 'gram' | 'naive';

/** Most features for which `auto` builds the Gram matrix when n <= p: 4,096 features, a 128 MiB float64 matrix. */
export const GRAM_AUTO_MAX_P = 4096;

/** Per-target solver state, warm-started from one alpha to the next. */
export interface TargetState {
  readonly w: Float64Array;
  /** gram mode: q = X^T y - G w; naive mode: r = y - X w. */
  readonly aux: Float64Array;
  readonly xty: Float64Array;
  readonly y: Float64Array;
  readonly yNorm2: number;
  readonly yMean: number;
  /** gram mode: the support's Cholesky factor, carried from one alpha to the next. */
  readonly factor?: SupportFactor;
}

/**
 * A centered design prepared once for many targets and many alphas: the Gram matrix
 * in covariance mode, or centered columns in residual mode.
 */
export class CenteredDesign {
  private workspace: GramWorkspace | undefined;

  private constructor(
    readonly n: number,
    readonly p: number,
    readonly mode: CdMode,
    readonly mean: Float64Array,
    private readonly centerTargets: boolean,
    private readonly rows: SparseRows,
    private readonly gram: WasmGram | undefined,
    private readonly columns: Float64Array | undefined,
    private readonly colNorm2: Float64Array | undefined,
  ) {}

  /**
   * `auto` picks covariance updates when n > p (a pass is then O(p^2) instead of O(np)), and
   * also when n <= p while the Gram matrix stays small (p <= GRAM_AUTO_MAX_P): there the
   * covariance solver's working sets and Cholesky steps converge in a few passes where residual
   * updates took thousands, 16-25x faster at 200-500 MNIST digits to the same solution within the solvers' tolerance
   * (the training-size sweep found it; sweeps at small n ran the slow path before).
   * center = false fits without an intercept (nothing is centered).
   */
  static from(X: Float32Array | Float64Array, n: number, p: number, mode: CdMode | 'auto' = 'auto', center = true): CenteredDesign {
    validateMatrix(X, n, p, 'X');
    const chosen: CdMode = mode === 'auto' ? (n > p || p <= GRAM_AUTO_MAX_P ? 'gram' : 'naive') : mode;
    const rows = sparseRows(X, n, p);
    const mean = center ? columnMeans(rows) : new Float64Array(p);
    if (chosen === 'gram') return new CenteredDesign(n, p, chosen, mean, center, rows, WasmGram.from(rows, mean), undefined, undefined);
    const columns = centeredColumns(X, n, p, mean);
    const colNorm2 = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += columns[j * n + i] ** 2;
      colNorm2[j] = s;
    }
    return new CenteredDesign(n, p, chosen, mean, center, rows, undefined, columns, colNorm2);
  }

  /** Centers a target (when fitting an intercept) and sets up a zero warm start. */
  target(y: ArrayLike<number>): TargetState {
    const { n, p } = this;
    if (y.length !== n) throw new UsageError(`y has ${y.length} values, expected ${n}`);
    let yMean = 0;
    if (this.centerTargets) {
      for (let i = 0; i < n; i++) yMean += y[i];
      yMean /= n;
    }
    const yc = new Float64Array(n);
    let yNorm2 = 0;
    for (let i = 0; i < n; i++) {
      yc[i] = y[i] - yMean;
      yNorm2 += yc[i] * yc[i];
    }
    if (!Number.isFinite(yNorm2)) throw new UsageError('y contains non-finite values');
    // X^T yc equals Xc^T yc because yc sums to zero
    const xty = transposeTimes(this.rows, yc);
    const aux = this.mode === 'gram' ? Float64Array.from(xty) : Float64Array.from(yc);
    const factor = this.mode === 'gram' ? { cholesky: new WasmCholesky(p), l2: 0 } : undefined;
    return { w: new Float64Array(p), aux, xty, y: yc, yNorm2, yMean, factor };
  }

  /** Starts a target from coefficients w0 (a warm start), making q or r consistent with them. */
  warmStart(t: TargetState, w0: ArrayLike<number>): void {
    const { n, p } = this;
    if (w0.length !== p) throw new UsageError(`warm start has ${w0.length} coefficients, X has ${p} columns`);
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(w0[j])) throw new UsageError(`warm start [${j}] is ${w0[j]}, not finite`);
      t.w[j] = w0[j];
    }
    if (this.mode === 'gram') {
      const G = (this.gram as WasmGram).gram;
      for (let k = 0; k < p; k++) {
        let s = t.xty[k];
        for (let j = 0; j < p; j++) if (t.w[j] !== 0) s -= G[k * p + j] * t.w[j];
        t.aux[k] = s;
      }
    } else {
      const C = this.columns as Float64Array;
      t.aux.set(t.y);
      for (let j = 0; j < p; j++) {
        const wj = t.w[j];
        if (wj !== 0) for (let i = 0; i < n; i++) t.aux[i] -= C[j * n + i] * wj;
      }
    }
  }

  /** Coordinate descent from the state's current coefficients (warm start). */
  solve(t: TargetState, o: CdOptions): CdResult {
    if (this.mode === 'gram') {
      this.workspace ??= new GramWorkspace(this.p);
      const g = this.gram as WasmGram;
      return cdGram(g.gram, t.xty, t.yNorm2, this.n, t.w, t.aux, o, this.workspace, t.factor, g.gatherDots);
    }
    return cdNaive(this.columns as Float64Array, this.n, this.colNorm2 as Float64Array, t.y, t.w, t.aux, o);
  }

  /** Intercept that makes the fit pass through the means (fitIntercept by centering). */
  intercept(t: TargetState): number {
    let s = 0;
    for (let j = 0; j < this.p; j++) s += this.mean[j] * t.w[j];
    return t.yMean - s;
  }
}

/** Per-solve figures kept by the estimators (one per target) and the paths (one per alpha). */
export interface SolveLog {
  readonly gaps: Float64Array;
  readonly passes: Int32Array;
  readonly newtonSteps: Int32Array;
  readonly objectives: Float64Array;
  readonly converged: boolean[];
}

export function logSolve(log: SolveLog, i: number, r: CdResult): void {
  log.gaps[i] = r.gap;
  log.passes[i] = r.passes;
  log.newtonSteps[i] = r.newtonSteps;
  log.objectives[i] = r.objective;
  log.converged[i] = r.converged;
}

export function validateMatrix(X: ArrayLike<number>, n: number, p: number, name: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(p) || n < 1 || p < 1) {
    throw new UsageError(`${name}: shape ${n} x ${p} is not a positive integer shape`);
  }
  if (X.length !== n * p) throw new UsageError(`${name} has ${X.length} values, expected ${n} x ${p} = ${n * p}`);
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) throw new UsageError(`${name}[${Math.floor(i / p)}, ${i % p}] is ${X[i]}, not finite`);
  }
}
