import { removeFactorRow } from './cholesky.js';
import { flops } from './flops.js';

/**
 * The LASSO code of one signal by homotopy (LARS with the lasso modification; Osborne et
 * al. 2000, Efron et al. 2004), on the Gram G = D D^T of a K-atom dictionary and the
 * correlations c = D x. The solution path is followed from a = 0 at lambda = max |c| down
 * to lambda = alpha: between events it is linear, and an event is an atom entering (its
 * residual correlation reaches lambda) or leaving (its coefficient reaches zero). Each step
 * costs one solve with a Cholesky factor of G_AA that grows and shrinks by one row, and one
 * K x |A| product, so a code with ~10 nonzeros takes ~11 steps of ~1,000 multiply-adds, and
 * it is exact where coordinate descent stops at a tolerance.
 *
 * Written here because these problems are tiny and there are hundreds of thousands of them:
 * scikit-learn's lasso_lars spends ~1.8 ms per patch on the same work in Python. The factor
 * lives inline (a K x K row-major buffer) rather than in UpdatableCholesky: for |A| ~ 10 the
 * calls and bounds of a general class cost as much as the arithmetic (measured: 20% faster).
 */
export class Homotopy {
  private readonly L: Float64Array;
  private readonly idx: Int32Array;
  private readonly corr: Float64Array;
  private readonly u: Float64Array;
  private readonly d: Float64Array;
  private readonly tmp: Float64Array;
  private readonly sign: Int8Array;
  /** Atoms that cannot enter: a combination of the active ones. */
  private readonly barred: Uint8Array;
  /** Steps taken over every solve (one per event on the path, plus one per signal). */
  steps = 0;
  /** ||x - D^T a||^2 of the last solve's code, from the correlations (what a detector's score needs, no pass over x). */
  residual2 = 0;

  constructor(readonly K: number) {
    this.L = new Float64Array(K * K);
    this.idx = new Int32Array(K);
    this.corr = new Float64Array(K);
    this.u = new Float64Array(K);
    this.d = new Float64Array(K);
    this.tmp = new Float64Array(K);
    this.sign = new Int8Array(K);
    this.barred = new Uint8Array(K);
  }

  /**
   * Writes the code of the signal with correlations c (c[cOff .. cOff+K)) into
   * a[aOff .. aOff+K), and returns its objective 0.5 ||x - D^T a||^2 + alpha ||a||_1 given
   * xx = ||x||^2; NaN if the path did not reach alpha within maxSteps (the caller falls back).
   */
  solve(G: Float64Array, c: Float64Array, cOff: number, xx: number, alpha: number, a: Float64Array, aOff: number, maxSteps = 8 * this.K): number {
    const { K, L, idx, corr, u, d, sign, barred } = this;
    let lambda = 0;
    let first = -1;
    for (let j = 0; j < K; j++) {
      a[aOff + j] = 0;
      sign[j] = 0;
      barred[j] = 0;
      const v = c[cOff + j];
      corr[j] = v;
      const av = v < 0 ? -v : v;
      if (av > lambda) {
        lambda = av;
        first = j;
      }
    }
    if (lambda <= alpha || first < 0 || !this.append(0, first, G)) {
      this.steps++;
      this.residual2 = xx;
      return 0.5 * xx;
    }
    let r = 1;
    sign[first] = corr[first] > 0 ? 1 : -1;
    let steps = 0;
    let justLeft = -1;
    let work = 0;
    for (; steps < maxSteps; steps++) {
      // d = G_AA^-1 sign_A: forward then back substitution with L
      for (let i = 0; i < r; i++) {
        const row = i * K;
        let s = sign[idx[i]];
        for (let t = 0; t < i; t++) s -= L[row + t] * d[t];
        d[i] = s / L[row + i];
      }
      for (let i = r - 1; i >= 0; i--) {
        const row = i * K;
        const di = d[i] / L[row + i];
        d[i] = di;
        for (let t = 0; t < i; t++) d[t] -= L[row + t] * di;
      }
      // u = G_{:,A} d, how fast each residual correlation falls with lambda; four rows of G
      // per pass over u, so u is loaded and stored a quarter as often
      let k = 0;
      {
        const r0 = idx[0] * K;
        const d0 = d[0];
        for (let j = 0; j < K; j++) u[j] = d0 * G[r0 + j];
        k = 1;
      }
      for (; k + 3 < r; k += 4) {
        const r0 = idx[k] * K;
        const r1 = idx[k + 1] * K;
        const r2 = idx[k + 2] * K;
        const r3 = idx[k + 3] * K;
        const d0 = d[k];
        const d1 = d[k + 1];
        const d2 = d[k + 2];
        const d3 = d[k + 3];
        for (let j = 0; j < K; j++) u[j] += d0 * G[r0 + j] + d1 * G[r1 + j] + d2 * G[r2 + j] + d3 * G[r3 + j];
      }
      for (; k < r; k++) {
        const r0 = idx[k] * K;
        const d0 = d[k];
        for (let j = 0; j < K; j++) u[j] += d0 * G[r0 + j];
      }
      work += 2 * K * r + 2 * r * r;
      // the next event along lambda: the target, an atom entering, or a coefficient leaving.
      // An atom's step is its quotient; the smallest wins, the first in j order on a tie (the
      // rule the compiled coder's SIMD lanes reproduce: each lane keeps its own first minimum)
      let gamma = lambda - alpha;
      let entering = -1;
      let leaving = -1;
      for (let j = 0; j < K; j++) {
        if (sign[j] !== 0 || barred[j] !== 0 || j === justLeft) continue;
        const cj = corr[j];
        const uj = u[j];
        // c_j - g u_j = +-(lambda - g)
        const denUp = 1 - uj;
        const numUp = lambda - cj;
        if (denUp > 1e-12 && numUp > 0) {
          const g = numUp / denUp;
          if (g < gamma) {
            gamma = g;
            entering = j;
          }
        }
        const denDown = 1 + uj;
        const numDown = lambda + cj;
        if (denDown > 1e-12 && numDown > 0) {
          const g = numDown / denDown;
          if (g < gamma) {
            gamma = g;
            entering = j;
          }
        }
      }
      for (let t = 0; t < r; t++) {
        const dt = d[t];
        if (dt === 0) continue;
        const g = -a[aOff + idx[t]] / dt;
        if (g > 1e-15 && g < gamma) {
          gamma = g;
          leaving = t;
          entering = -1;
        }
      }
      for (let t = 0; t < r; t++) a[aOff + idx[t]] += gamma * d[t];
      for (let j = 0; j < K; j++) corr[j] -= gamma * u[j];
      lambda -= gamma;
      justLeft = -1;
      if (leaving >= 0) {
        const j = idx[leaving];
        a[aOff + j] = 0;
        sign[j] = 0;
        removeFactorRow(L, K, idx, r, leaving);
        r--;
        // it stands exactly on the boundary: let the path move on before it may re-enter
        justLeft = j;
        continue;
      }
      if (entering < 0) break; // reached alpha
      if (this.append(r, entering, G)) {
        r++;
        sign[entering] = corr[entering] > 0 ? 1 : -1;
      } else barred[entering] = 1; // a combination of the active atoms: it can never improve the fit
    }
    flops.value += work;
    this.steps += steps + 1;
    if (steps >= maxSteps) return NaN;
    // objective from the correlations: ||x - D^T a||^2 = xx - a.c - a.(c - G a)
    let ac = 0;
    let acorr = 0;
    let l1 = 0;
    for (let j = 0; j < K; j++) {
      const v = a[aOff + j];
      if (v === 0) continue;
      ac += v * c[cOff + j];
      acorr += v * corr[j];
      l1 += v < 0 ? -v : v;
    }
    this.residual2 = Math.max(0, xx - ac - acorr);
    return 0.5 * this.residual2 + alpha * l1;
  }

  /** Appends atom j as row r of L (forward substitution against G's row j); false when its pivot is not safely positive. */
  private append(r: number, j: number, G: Float64Array): boolean {
    const { K, L, idx, tmp } = this;
    const col = j * K;
    let uu = 0;
    for (let i = 0; i < r; i++) {
      const row = i * K;
      let s = G[col + idx[i]];
      for (let t = 0; t < i; t++) s -= L[row + t] * tmp[t];
      const ui = s / L[row + i];
      tmp[i] = ui;
      uu += ui * ui;
    }
    const diag = G[col + j];
    const pivot = diag - uu;
    if (!(pivot > 1e-10 * diag)) return false;
    const row = r * K;
    for (let t = 0; t < r; t++) L[row + t] = tmp[t];
    L[row + r] = Math.sqrt(pivot);
    idx[r] = j;
    flops.value += r * r;
    return true;
  }
}
