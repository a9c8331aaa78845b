import { UsageError } from '../errors.js';
import { cdGram, GramWorkspace } from './cd-gram.js';
import type { CdOptions } from './cd-common.js';
import { WasmCholesky } from './cholesky-wasm.js';
import { BLOCK_SIGNALS, WasmHomotopy } from './homotopy-wasm.js';
import { flops } from './flops.js';
import { correlate } from './correlate.js';
import { gatherDotsOver, type GatherDots } from './vec.js';

/**
 * Sparse coding of many signals against one dictionary D (K atoms x P values, row-major:
 * atom k is D[kP .. (k+1)P)). For each signal x the code a minimises
 *   0.5 ||x - D^T a||^2 + alpha ||a||_1
 * by coordinate descent on the shared Gram matrix G = D D^T (K x K) and the correlations
 * c = D x, so a coordinate update costs O(K) and never touches x again; or, with a fixed
 * number of nonzeros, by orthogonal matching pursuit with Cholesky updates.
 */

export function validateDictionary(D: Float64Array, K: number, P: number): void {
  if (!Number.isInteger(K) || !Number.isInteger(P) || K < 1 || P < 1 || D.length !== K * P) {
    throw new UsageError(`dictionary: ${D.length} values are not ${K} atoms x ${P}`);
  }
  for (let i = 0; i < D.length; i++) if (!Number.isFinite(D[i])) throw new UsageError(`dictionary: atom ${Math.floor(i / P)} value ${i % P} is ${D[i]}`);
}

export function validateSignals(X: Float64Array, m: number, P: number): void {
  if (X.length !== m * P) throw new UsageError(`signals: ${X.length} values are not ${m} x ${P}`);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw new UsageError(`signals: signal ${Math.floor(i / P)} value ${i % P} is ${X[i]}`);
}

export function atomGram(D: Float64Array, K: number, P: number): Float64Array {
  const G = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      let s = 0;
      for (let t = 0; t < P; t++) s += D[a * P + t] * D[b * P + t];
      G[a * K + b] = s;
      G[b * K + a] = s;
    }
  }
  flops.value += K * K * P;
  return G;
}

export interface CodeOptions {
  readonly alpha: number;
  /** Stop a signal when its duality gap is <= tol ||x||^2 (or after maxIter passes). */
  readonly tol: number;
  readonly maxIter: number;
  /**
   * cd (the default here): coordinate descent to the duality-gap tolerance, from the warm
   * start in `codes`; homotopy: the exact solution path from zero to alpha (see homotopy.ts,
   * compiled in homotopy-wasm.ts), tol and maxIter then serving only a signal whose path does
   * not close. Measured on 51,200 MNIST 7x7 patches (64 atoms, alpha 0.1): homotopy 6.5 us a
   * patch with its correlations, exact; cd at tol 1e-2 23 us, objective 1e-5 above. The
   * runners and dictionary learning use homotopy.
   */
  readonly solver?: 'homotopy' | 'cd';
}

/** Signals whose correlations are computed together: 64 x K values stay in L1 beside G. */
const CORRELATION_BLOCK = 64;

export const DEFAULT_CODE: Omit<CodeOptions, 'alpha'> = { tol: 1e-4, maxIter: 200 };

export interface CodeResult {
  /** m x K codes, row-major. */
  readonly codes: Float64Array;
  /** Mean of 0.5 ||x - D^T a||^2 + alpha ||a||_1 over the signals. */
  readonly objective: number;
  /** CD passes, or homotopy steps (one per event on the path). */
  readonly passes: number;
  /** Signals whose homotopy did not close, coded by CD instead. */
  readonly fallbacks?: number;
}

/**
 * The scratch of lassoCodes for K atoms, so that a caller coding image after image (the
 * pooled features, a detector's scores) allocates it once: per-image allocation of these
 * buffers (~130 KB of ArrayBuffers an image) measured 40% slower inside a long suite run,
 * where the garbage collector pays for every backing store.
 */
export class CodingWorkspace {
  readonly c: Float64Array;
  readonly q: Float64Array;
  readonly w: Float64Array;
  readonly ws: GramWorkspace;
  readonly factor: { cholesky: WasmCholesky; l2: number };
  /** Correlations of one block of signals. */
  readonly C: Float64Array;
  /** The compiled coder's per-signal objectives and squared residuals of one block. */
  readonly values: Float64Array;
  readonly residual2: Float64Array;
  private coder: WasmHomotopy | undefined;

  constructor(readonly K: number) {
    this.c = new Float64Array(K);
    this.q = new Float64Array(K);
    this.w = new Float64Array(K);
    this.ws = new GramWorkspace(K);
    this.factor = { cholesky: new WasmCholesky(K), l2: 0 };
    this.C = new Float64Array(CORRELATION_BLOCK * K);
    this.values = new Float64Array(BLOCK_SIGNALS);
    this.residual2 = new Float64Array(BLOCK_SIGNALS);
  }

  /** The homotopy coder, compiled (homotopy-wasm.ts: the same codes as homotopy.ts, bit for bit, in about 60% of the time). */
  get homotopy(): WasmHomotopy {
    this.coder ??= new WasmHomotopy(this.K);
    return this.coder;
  }
}

/**
 * LASSO codes of m signals (rows of X, m x P) by coordinate descent; `codes` may hold a
 * warm start and is overwritten. G may be passed when already computed. With `residuals`
 * (m values), each signal's ||x - D^T a||^2 is written there, from the correlations and G
 * (xx - 2 a.c + a^T G a on the support): a detector's score without a pass over x.
 */
export function lassoCodes(
  D: Float64Array,
  K: number,
  P: number,
  X: Float64Array,
  m: number,
  o: CodeOptions,
  codes: Float64Array = new Float64Array(m * K),
  G: Float64Array = atomGram(D, K, P),
  work: CodingWorkspace = new CodingWorkspace(K),
  residuals?: Float64Array,
): CodeResult {
  if (work.K !== K) throw new Error(`lassoCodes: a workspace for ${work.K} atoms, not ${K}`);
  const { C } = work;
  // One signal is a LASSO with n = 1: cdGram's objective 0.5 ||y - Xw||^2 + n alpha ||w||_1
  // is exactly the coding objective, with G = D D^T and X^T y = D x. Its working sets and
  // Newton steps on the support solve these small, correlated problems in a few steps.
  const cd = { alpha: o.alpha, l1Ratio: 1, tol: o.tol, maxIter: o.maxIter, positive: false } as const;
  const homotopy = o.solver === 'homotopy' ? work.homotopy : undefined;
  // the solver's gathered products over G, made once for every signal of the call
  const dots = gatherDotsOver(G, K);
  const stepsBefore = homotopy?.steps ?? 0;
  let objective = 0;
  let passes = 0;
  let fallbacks = 0;
  if (homotopy) {
    // exact, from zero (a warm start buys a path nothing): the correlations, norms and paths of
    // a block of signals in one call to the compiled coder
    const { values, residual2 } = work;
    for (let i0 = 0; i0 < m; i0 += BLOCK_SIGNALS) {
      const b = Math.min(BLOCK_SIGNALS, m - i0);
      homotopy.codeBlock(D, G, P, X, i0, b, o.alpha, codes, i0 * K, values, residual2);
      for (let s = 0; s < b; s++) {
        const i = i0 + s;
        if (!Number.isNaN(values[s])) {
          objective += values[s];
          if (residuals) residuals[i] = residual2[s];
          continue;
        }
        // its path did not close: coordinate descent from zero, on the same correlations
        fallbacks++;
        codes.fill(0, i * K, (i + 1) * K);
        correlate(D, K, P, X, i, 1, C);
        const r = descend(G, K, C, 0, squaredNorm(X, i, P), codes, i, cd, work, residuals, dots);
        objective += r.objective;
        passes += r.passes;
      }
    }
  } else {
    // correlations a block of signals at a time: one register-blocked product (correlate.ts)
    for (let i0 = 0; i0 < m; i0 += CORRELATION_BLOCK) {
      const b = Math.min(CORRELATION_BLOCK, m - i0);
      correlate(D, K, P, X, i0, b, C);
      for (let s = 0; s < b; s++) {
        const r = descend(G, K, C, s * K, squaredNorm(X, i0 + s, P), codes, i0 + s, cd, work, residuals, dots);
        objective += r.objective;
        passes += r.passes;
      }
    }
  }
  return { codes, objective: objective / m, passes: passes + (homotopy ? homotopy.steps - stepsBefore : 0), ...(fallbacks ? { fallbacks } : {}) };
}

function squaredNorm(X: Float64Array, i: number, P: number): number {
  let xx = 0;
  for (let t = i * P; t < (i + 1) * P; t++) xx += X[t] * X[t];
  return xx;
}

const NOTHING = { objective: 0, passes: 0 } as const;

/** Signal i's code by coordinate descent from the warm start in codes, its correlations at C[cs ..]. */
function descend(
  G: Float64Array,
  K: number,
  C: Float64Array,
  cs: number,
  xx: number,
  codes: Float64Array,
  i: number,
  cd: CdOptions,
  work: CodingWorkspace,
  residuals: Float64Array | undefined,
  dots: GatherDots,
): { readonly objective: number; readonly passes: number } {
  const a = i * K;
  if (xx === 0) {
    codes.fill(0, a, a + K);
    if (residuals) residuals[i] = 0;
    return NOTHING;
  }
  const { c, q, w, ws, factor } = work;
  for (let k = 0; k < K; k++) {
    w[k] = codes[a + k];
    c[k] = C[cs + k];
    q[k] = c[k];
  }
  for (let j = 0; j < K; j++) if (w[j] !== 0) for (let k = 0; k < K; k++) q[k] -= G[j * K + k] * w[j];
  factor.cholesky.clear();
  const r = cdGram(G, c, xx, 1, w, q, cd, ws, factor, dots);
  for (let k = 0; k < K; k++) codes[a + k] = w[k];
  if (residuals) residuals[i] = residualFromCorrelations(G, K, C, cs, xx, codes, a);
  return r;
}

/** ||x - D^T a||^2 = xx - 2 a.c + a^T G a, over the code's support. */
function residualFromCorrelations(G: Float64Array, K: number, C: Float64Array, cs: number, xx: number, codes: Float64Array, a: number): number {
  let r2 = xx;
  for (let j = 0; j < K; j++) {
    const aj = codes[a + j];
    if (aj === 0) continue;
    let gj = 0;
    for (let k = 0; k < K; k++) if (codes[a + k] !== 0) gj += G[j * K + k] * codes[a + k];
    r2 += aj * (gj - 2 * C[cs + j]);
  }
  return Math.max(0, r2);
}

/**
 * Orthogonal matching pursuit: for each signal, `nonzeros` greedy steps, each taking the
 * atom most correlated with the residual and refitting least squares on the chosen atoms
 * through an updatable Cholesky factor of G_SS. Stops early when the residual correlation
 * vanishes or the next atom depends on the chosen ones.
 */
export function ompCodes(D: Float64Array, K: number, P: number, X: Float64Array, m: number, nonzeros: number, G: Float64Array = atomGram(D, K, P)): Float64Array {
  if (!Number.isInteger(nonzeros) || nonzeros < 1 || nonzeros > K) throw new UsageError(`nonzeros must be in [1, ${K}], got ${nonzeros}`);
  const codes = new Float64Array(m * K);
  const c = new Float64Array(K);
  const corr = new Float64Array(K);
  const rhs = new Float64Array(K);
  const sol = new Float64Array(K);
  const chosen = new Uint8Array(K);
  const f = new WasmCholesky(K);
  for (let i = 0; i < m; i++) {
    const x = i * P;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let t = 0; t < P; t++) s += D[k * P + t] * X[x + t];
      c[k] = s;
      corr[k] = s;
    }
    flops.value += 2 * K * P;
    f.clear();
    chosen.fill(0);
    for (let step = 0; step < nonzeros; step++) {
      let best = -1;
      let bestAbs = 1e-12;
      for (let k = 0; k < K; k++) {
        if (chosen[k] === 0 && Math.abs(corr[k]) > bestAbs) {
          bestAbs = Math.abs(corr[k]);
          best = k;
        }
      }
      if (best < 0 || !f.add(best, G, best * K, G[best * K + best])) break;
      chosen[best] = 1;
      const r = f.size;
      for (let s = 0; s < r; s++) rhs[s] = c[f.index(s)];
      f.solve(rhs, sol);
      // residual correlations: c - G_{:,S} a_S
      for (let k = 0; k < K; k++) {
        let s = c[k];
        for (let t = 0; t < r; t++) s -= G[k * K + f.index(t)] * sol[t];
        corr[k] = s;
      }
      flops.value += 2 * K * r;
      const a = i * K;
      codes.fill(0, a, a + K);
      for (let t = 0; t < r; t++) codes[a + f.index(t)] = sol[t];
    }
  }
  return codes;
}
