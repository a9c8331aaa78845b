import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { elasticNet, lasso } from '../src/sparse/estimators.js';
import { enetPath, lassoPath } from '../src/sparse/path.js';
import { Rng } from '../src/util/rng.js';

/** Random design (row-major) and a sparse-truth target. */
function data(seed: number, n: number, p: number) {
  const rng = new Rng(seed);
  const X = Float64Array.from({ length: n * p }, () => rng.nextNormal());
  const y = Float64Array.from({ length: n }, (_, i) => 2 * X[i * p] - 3 * X[i * p + 1] + 0.3 * rng.nextNormal() + 5);
  return { X: { data: X, rows: n, columns: p }, y, n, p };
}

/** (1/n) X^T (y - Xw - b): the smooth part's negative gradient, uncentered. */
function gradient(X: Float64Array, y: Float64Array, n: number, p: number, w: Float64Array, b: number): Float64Array {
  const g = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let r = y[i] - b;
    for (let j = 0; j < p; j++) r -= X[i * p + j] * w[j];
    for (let j = 0; j < p; j++) g[j] += (X[i * p + j] * r) / n;
  }
  return g;
}

describe('lasso / elasticNet', () => {
  it('matches the closed-form soft threshold on an orthogonal design', () => {
    // columns are orthogonal with ||x_j||^2 = n and mean 0: w_j = S(x_j^T y / n, alpha)
    const n = 8;
    const p = 4;
    const H = [
      [1, 1, 1, 1, 1, 1, 1, 1],
      [1, -1, 1, -1, 1, -1, 1, -1],
      [1, 1, -1, -1, 1, 1, -1, -1],
      [1, -1, -1, 1, 1, -1, -1, 1],
      [1, 1, 1, 1, -1, -1, -1, -1],
    ];
    const X = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) X[i * p + j] = H[j + 1][i];
    const y = Float64Array.from([3, -1, 2, 0.5, -2, 1, 0, 4]);
    const alpha = 0.4;
    for (const mode of ['gram', 'naive'] as const) {
      const fit = lasso({ data: X, rows: n, columns: p }, y, { alpha, tol: 1e-12, mode });
      for (let j = 0; j < p; j++) {
        let c = 0;
        for (let i = 0; i < n; i++) c += (X[i * p + j] * y[i]) / n;
        const want = Math.sign(c) * Math.max(0, Math.abs(c) - alpha);
        expect(fit.coef[j]).toBeCloseTo(want, 12);
      }
      const yMean = y.reduce((a, b) => a + b) / n;
      expect(fit.intercept[0]).toBeCloseTo(yMean, 12);
    }
  });

  it('exits within one pass when warm-started from its own solution', () => {
    const { X, y } = data(1, 200, 30);
    for (const mode of ['gram', 'naive'] as const) {
      for (const newton of [true, false]) {
        const first = lasso(X, y, { alpha: 0.05, mode, newton, tol: 1e-8 });
        const again = lasso(X, y, { alpha: 0.05, mode, newton, tol: 1e-8, warmStart: first.coef });
        expect(again.passes[0]).toBeLessThanOrEqual(1);
        expect(again.gaps[0]).toBeLessThanOrEqual(first.gaps[0] + 1e-12);
      }
    }
  });

  it('handles zero and duplicate columns (the Newton factor refuses the duplicate, CD carries on)', () => {
    const { X: base, y, n, p } = data(2, 150, 6);
    const q = p + 2;
    const X = new Float64Array(n * q);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) X[i * q + j] = base.data[i * p + j];
      X[i * q + p] = 0; // zero column
      X[i * q + p + 1] = base.data[i * p]; // duplicate of column 0
    }
    const single = lasso(base, y, { alpha: 0.1, tol: 1e-10 });
    for (const mode of ['gram', 'naive'] as const) {
      const dup = lasso({ data: X, rows: n, columns: q }, y, { alpha: 0.1, tol: 1e-10, mode });
      expect(dup.converged[0]).toBe(true);
      expect(dup.coef[p]).toBe(0);
      // the duplicate pair shares what column 0 carried alone; the objective is the same
      expect(dup.coef[0] + dup.coef[p + 1]).toBeCloseTo(single.coef[0], 6);
      expect(dup.objectives[0]).toBeCloseTo(single.objectives[0], 9);
    }
  });

  it('fits several targets at once, from an ml-matrix Matrix too', () => {
    const { X, y, n, p } = data(3, 100, 8);
    const y2 = y.map((v, i) => -v + X.data[i * p + 2]);
    const both = lasso(X, [y, y2], { alpha: 0.05 });
    const fromMatrix = lasso(new Matrix(Array.from({ length: n }, (_, i) => [...X.data.subarray(i * p, (i + 1) * p)])), Matrix.columnVector([...y2]), {
      alpha: 0.05,
    });
    const alone = lasso(X, y2, { alpha: 0.05 });
    expect(both.targets).toBe(2);
    for (let j = 0; j < p; j++) {
      expect(both.coef[p + j]).toBeCloseTo(alone.coef[j], 9);
      expect(fromMatrix.coef[j]).toBeCloseTo(alone.coef[j], 9);
    }
  });

  it('without an intercept satisfies the uncentered KKT conditions', () => {
    const { X, y, n, p } = data(4, 120, 10);
    const alpha = 0.1;
    const fit = elasticNet(X, y, { alpha, l1Ratio: 0.7, fitIntercept: false, tol: 1e-10 });
    expect(fit.intercept[0]).toBe(0);
    const w = fit.coef;
    const g = gradient(X.data, y, n, p, w, 0);
    for (let j = 0; j < p; j++) {
      const smooth = g[j] - alpha * 0.3 * w[j];
      if (w[j] !== 0) expect(Math.abs(smooth - 0.7 * alpha * Math.sign(w[j]))).toBeLessThan(1e-5);
      else expect(Math.abs(smooth)).toBeLessThanOrEqual(0.7 * alpha + 1e-7);
    }
  });

  it('is deterministic for a seed with random selection', () => {
    const { X, y } = data(5, 80, 12);
    const a = lasso(X, y, { alpha: 0.02, selection: 'random', seed: 9, newton: false });
    const b = lasso(X, y, { alpha: 0.02, selection: 'random', seed: 9, newton: false });
    expect(a.coef).toEqual(b.coef);
    expect(a.passes).toEqual(b.passes);
  });

  it('rejects NaN, Inf, bad shapes and bad options with a clear error', () => {
    const { X, y } = data(6, 10, 3);
    const bad = Float64Array.from(X.data);
    bad[4] = NaN;
    expect(() => lasso({ data: bad, rows: 10, columns: 3 }, y, { alpha: 0.1 })).toThrow(/X\[1, 1\] is NaN, not finite/);
    bad[4] = Infinity;
    expect(() => lasso({ data: bad, rows: 10, columns: 3 }, y, { alpha: 0.1 })).toThrow(/X\[1, 1\] is Infinity/);
    const yBad = Float64Array.from(y);
    yBad[7] = -Infinity;
    expect(() => lasso(X, yBad, { alpha: 0.1 })).toThrow(/y\[7\] is -Infinity/);
    expect(() => lasso(X, y.subarray(0, 9), { alpha: 0.1 })).toThrow(/y has 9 values, X has 10 rows/);
    expect(() => lasso({ data: X.data, rows: 10, columns: 4 }, y, { alpha: 0.1 })).toThrow(/X has 30 values, expected 10 x 4/);
    expect(() => lasso(X, y, { alpha: -1 })).toThrow(UsageError);
    expect(() => elasticNet(X, y, { alpha: 0.1, l1Ratio: 0 })).toThrow(/l1Ratio/);
    expect(() => lasso(X, y, { alpha: 0.1, warmStart: new Float64Array(2) })).toThrow(/warmStart has 2 values/);
    expect(() => lassoPath(X, y, { eps: 2 })).toThrow(/^eps must be in \(0, 1\), got 2$/);
  });
});

describe('lassoPath / enetPath', () => {
  it('builds scikit-learn\'s grid and every point meets tol, warm-started', () => {
    const { X, y, n } = data(7, 150, 20);
    const r = lassoPath(X, y, { nAlphas: 30, eps: 1e-2, tol: 1e-6 });
    const t = r.targets[0];
    // alpha_max = max |Xc^T yc| / n
    let yMean = 0;
    for (const v of y) yMean += v / n;
    let aMax = 0;
    for (let j = 0; j < 20; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += X.data[i * 20 + j] / n;
      let c = 0;
      for (let i = 0; i < n; i++) c += (X.data[i * 20 + j] - mean) * (y[i] - yMean);
      aMax = Math.max(aMax, Math.abs(c) / n);
    }
    expect(t.alphas[0]).toBeCloseTo(aMax, 10);
    expect(t.alphas[29]).toBeCloseTo(aMax * 1e-2, 12);
    for (let i = 1; i < 30; i++) expect(t.alphas[i] / t.alphas[i - 1]).toBeCloseTo(Math.pow(1e-2, 1 / 29), 10);
    expect(t.nonzeros[0]).toBe(0);
    expect(t.converged.every(Boolean)).toBe(true);
    // each point equals a cold fit at that alpha
    for (const i of [5, 17, 29]) {
      const cold = lasso(X, y, { alpha: t.alphas[i], tol: 1e-10 });
      expect(t.objectives[i]).toBeCloseTo(cold.objectives[0], 8);
    }
  });

  it('gives the same path in every mode, with and without Newton steps and screening', () => {
    const { X, y } = data(8, 100, 15);
    const ref = enetPath(X, y, { nAlphas: 20, l1Ratio: 0.8, tol: 1e-9, mode: 'naive' }).targets[0];
    for (const o of [{ mode: 'gram' as const }, { mode: 'gram' as const, newton: false }, { mode: 'gram' as const, screening: 'none' as const }]) {
      const t = enetPath(X, y, { nAlphas: 20, l1Ratio: 0.8, tol: 1e-9, ...o }).targets[0];
      for (let i = 0; i < 20; i++) expect(t.objectives[i]).toBeCloseTo(ref.objectives[i], 9);
    }
  });
});
