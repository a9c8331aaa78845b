import { UpdatableCholesky } from './cholesky.js';
import { flops } from './flops.js';

/**
 * The LASSO code of one signal by homotopy (LARS with the lasso modification; Osborne et
 * al. 2000, Efron et al. 2004), on the Gram G = D D^T of a K-atom dictionary and the
 * correlations c = D x. The solution path is followed from a = 0 at lambda = max |c| down
 * to lambda = alpha: between events it is linear, and an event is an atom entering (its
 * residual correlation reaches lambda) or leaving (its coefficient reaches zero). Each step
 * costs one solve with an updatable Cholesky factor of G_AA and one K x |A| product, so a
 * code with ~10 nonzeros takes ~10 steps of ~1,000 multiply-adds: less than the correlation
 * c itself, and exact, where coordinate descent stops at a tolerance.
 *
 * Written here because these problems are tiny and there are hundreds of thousands of them:
 * scikit-learn's lasso_lars spends ~1.8 ms per patch on the same work in Python.
 */
export class Homotopy {
  readonly factor: UpdatableCholesky;
  private readonly corr: Float64Array;
  private readonly u: Float64Array;
  private readonly rhs: Float64Array;
  private readonly d: Float64Array;
  private readonly sign: Int8Array;
  /** Atoms that cannot enter (dependent on the active ones) or just left, for this step. */
  private readonly barred: Uint8Array;
  steps = 0;

  constructor(readonly K: number) {
    this.factor = new UpdatableCholesky(K);
    this.corr = new Float64Array(K);
    this.u = new Float64Array(K);
    this.rhs = new Float64Array(K);
    this.d = new Float64Array(K);
    this.sign = new Int8Array(K);
    this.barred = new Uint8Array(K);
  }

  /**
   * Writes the code of the signal with correlations c (c[cOff .. cOff+K)) into
   * a[aOff .. aOff+K), and returns its objective 0.5 ||x - D^T a||^2 + alpha ||a||_1 given
   * xx = ||x||^2; NaN if the path did not reach alpha within maxSteps (the caller falls back).
   */
  solve(G: Float64Array, c: Float64Array, cOff: number, xx: number, alpha: number, a: Float64Array, aOff: number, maxSteps = 8 * this.K): number {
    const { K, factor: f, corr, u, rhs, d, sign, barred } = this;
    f.clear();
    sign.fill(0);
    barred.fill(0);
    let lambda = 0;
    let first = -1;
    for (let j = 0; j < K; j++) {
      a[aOff + j] = 0;
      corr[j] = c[cOff + j];
      const v = Math.abs(corr[j]);
      if (v > lambda) {
        lambda = v;
        first = j;
      }
    }
    if (lambda <= alpha || first < 0) return 0.5 * xx;
    if (!f.add(first, G, first * K, G[first * K + first])) return 0.5 * xx;
    sign[first] = corr[first] > 0 ? 1 : -1;
    let steps = 0;
    let justLeft = -1;
    for (; steps < maxSteps; steps++) {
      const r = f.size;
      const idx = f.indices;
      for (let k = 0; k < r; k++) rhs[k] = sign[idx[k]];
      f.solve(rhs, d);
      // u = G_{:,A} d: how fast each residual correlation falls as lambda does
      u.fill(0);
      for (let k = 0; k < r; k++) {
        const row = idx[k] * K;
        const dk = d[k];
        for (let j = 0; j < K; j++) u[j] += dk * G[row + j];
      }
      flops.value += 2 * K * r;
      // the next event along lambda: the target, an atom entering, or a coefficient leaving;
      // a candidate is compared by multiplying (g < gamma <=> num < gamma den, den > 0), and
      // divided only when it wins: most atoms are far from entering
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
        if (denUp > 1e-12 && numUp > 0 && numUp < gamma * denUp) {
          gamma = numUp / denUp;
          entering = j;
        }
        const denDown = 1 + uj;
        const numDown = lambda + cj;
        if (denDown > 1e-12 && numDown > 0 && numDown < gamma * denDown) {
          gamma = numDown / denDown;
          entering = j;
        }
      }
      for (let k = 0; k < r; k++) {
        const dk = d[k];
        if (dk === 0) continue;
        const g = -a[aOff + idx[k]] / dk;
        if (g > 1e-15 && g < gamma) {
          gamma = g;
          leaving = k;
          entering = -1;
        }
      }
      for (let k = 0; k < r; k++) a[aOff + idx[k]] += gamma * d[k];
      for (let j = 0; j < K; j++) corr[j] -= gamma * u[j];
      lambda -= gamma;
      justLeft = -1;
      if (leaving >= 0) {
        const j = idx[leaving];
        a[aOff + j] = 0;
        sign[j] = 0;
        f.removeAt(leaving);
        // it stands exactly on the boundary: let the path move on before it may re-enter
        justLeft = j;
        continue;
      }
      if (entering < 0) break; // reached alpha
      if (f.add(entering, G, entering * K, G[entering * K + entering])) sign[entering] = corr[entering] > 0 ? 1 : -1;
      else barred[entering] = 1; // a combination of the active atoms: it can never improve the fit
    }
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
      l1 += Math.abs(v);
    }
    return 0.5 * Math.max(0, xx - ac - acorr) + alpha * l1;
  }
}
