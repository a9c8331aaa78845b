import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { fitLassoClassifier, DEFAULT_LASSO_CLASSIFIER } from '../src/sparse/classifier.js';
import { CenteredDesign, type CdMode } from '../src/sparse/design.js';
import { centeredGram, columnMeans, sparseRows, transposeTimes } from '../src/sparse/gram.js';
import { alphaMax, type CdOptions } from '../src/sparse/lasso.js';
import { Rng } from '../src/util/rng.js';

/** A correlated design with a sparse truth and noise; some exact zeros like image data. */
function problem(seed: number, n: number, p: number) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const shared = rng.nextNormal();
    for (let j = 0; j < p; j++) X[i * p + j] = rng.nextFloat() < 0.3 ? 0 : rng.nextNormal() + 0.5 * shared + 1;
  }
  const truth = new Float64Array(p);
  for (let j = 0; j < Math.min(5, p); j++) truth[(j * 7) % p] = (j % 2 ? -1 : 1) * (1 + j);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 3;
    for (let j = 0; j < p; j++) s += X[i * p + j] * truth[j];
    y[i] = s + 0.5 * rng.nextNormal();
  }
  return { X, y, n, p };
}

/** Gradient of the smooth part, (1/n) Xc^T (yc - Xc w), from first principles. */
function correlation(X: Float64Array, y: Float64Array, n: number, p: number, w: Float64Array): Float64Array {
  const mean = new Float64Array(p);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i] / n;
    for (let j = 0; j < p; j++) mean[j] += X[i * p + j] / n;
  }
  const g = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let r = y[i] - yMean;
    for (let j = 0; j < p; j++) r -= (X[i * p + j] - mean[j]) * w[j];
    for (let j = 0; j < p; j++) g[j] += ((X[i * p + j] - mean[j]) * r) / n;
  }
  return g;
}

const baseOpts = (alpha: number, extra: Partial<CdOptions> = {}): CdOptions => ({
  alpha,
  l1Ratio: 1,
  tol: 1e-10,
  maxIter: 10000,
  positive: false,
  ...extra,
});

describe('sparse-row kernels', () => {
  it('centeredGram equals Xc^T Xc computed densely', () => {
    const { X, n, p } = problem(1, 40, 300);
    const rows = sparseRows(X, n, p);
    const mean = columnMeans(rows);
    const gram = centeredGram(rows, mean);
    for (let j = 0; j < p; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += X[i * p + j] / n;
      expect(mean[j]).toBeCloseTo(m, 12);
    }
    for (const j of [0, 5, 127, 128, 200, 299]) {
      for (let k = 0; k < p; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += (X[i * p + j] - mean[j]) * (X[i * p + k] - mean[k]);
        expect(gram[j * p + k]).toBeCloseTo(s, 9);
        expect(gram[k * p + j]).toBe(gram[j * p + k]);
      }
    }
  });

  it('transposeTimes equals X^T y', () => {
    const { X, y, n, p } = problem(4, 30, 7);
    const got = transposeTimes(sparseRows(X, n, p), y);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i * p + j] * y[i];
      expect(got[j]).toBeCloseTo(s, 10);
    }
  });
});

const variants: { name: string; mode: CdMode; extra: Partial<CdOptions> }[] = [
  { name: 'gram, strong-rule working sets + Newton', mode: 'gram', extra: {} },
  { name: 'gram, working sets, pure CD', mode: 'gram', extra: { newton: false } },
  { name: 'gram, no screening, pure CD', mode: 'gram', extra: { newton: false, screening: 'none' } },
  { name: 'gram, random selection', mode: 'gram', extra: { newton: false, selection: 'random', rng: new Rng(3) } },
  { name: 'naive', mode: 'naive', extra: {} },
  { name: 'naive, random selection', mode: 'naive', extra: { selection: 'random', rng: new Rng(4) } },
];

describe.each(variants)('coordinate descent: $name', ({ mode, extra }) => {
  const { X, y, n, p } = problem(2, 120, 15);
  const design = CenteredDesign.from(X, n, p, mode);
  const opts = (alpha: number, more: Partial<CdOptions> = {}): CdOptions => baseOpts(alpha, { ...extra, ...more });

  it('satisfies the KKT conditions and stops on the duality gap', () => {
    const t = design.target(y);
    const aMax = alphaMax(t.xty, n, 1);
    for (const frac of [0.5, 0.1, 0.01]) {
      const alpha = frac * aMax;
      const res = design.solve(t, opts(alpha, { tol: 1e-8 }));
      expect(res.converged).toBe(true);
      expect(res.gap).toBeLessThanOrEqual((1e-8 * t.yNorm2) / n);
      const g = correlation(X, y, n, p, t.w);
      for (let j = 0; j < p; j++) {
        if (t.w[j] !== 0) expect(Math.abs(g[j] - alpha * Math.sign(t.w[j]))).toBeLessThan(1e-3 * alpha);
        else expect(Math.abs(g[j])).toBeLessThanOrEqual(alpha * (1 + 1e-3));
      }
    }
  });

  it('gives all zeros at and above alpha_max, and a nonzero just below', () => {
    const t = design.target(y);
    const aMax = alphaMax(t.xty, n, 1);
    design.solve(t, opts(aMax * 1.0001));
    expect([...t.w].every((v) => v === 0)).toBe(true);
    design.solve(t, opts(aMax * 0.99));
    expect([...t.w].some((v) => v !== 0)).toBe(true);
  });

  it('approaches ordinary least squares (ml-matrix solve) as alpha -> 0', () => {
    const t = design.target(y);
    design.solve(t, opts(1e-9, { tol: 1e-14, maxIter: 100000 }));
    const mean = design.mean;
    const Xc = new Matrix(n, p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) Xc.set(i, j, X[i * p + j] - mean[j]);
    const yc = Matrix.columnVector([...y].map((v) => v - t.yMean));
    const ols = solve(Xc, yc, true).getColumn(0);
    for (let j = 0; j < p; j++) expect(t.w[j]).toBeCloseTo(ols[j], 5);
  });

  it('satisfies elastic-net KKT with l1Ratio 0.5 and respects positive', () => {
    const t = design.target(y);
    const alpha = 0.05 * alphaMax(t.xty, n, 1);
    design.solve(t, opts(alpha, { l1Ratio: 0.5 }));
    const g = correlation(X, y, n, p, t.w);
    for (let j = 0; j < p; j++) {
      const smooth = g[j] - alpha * 0.5 * t.w[j];
      if (t.w[j] !== 0) expect(Math.abs(smooth - 0.5 * alpha * Math.sign(t.w[j]))).toBeLessThan(1e-3 * alpha);
      else expect(Math.abs(smooth)).toBeLessThanOrEqual(0.5 * alpha * (1 + 1e-3));
    }
  });

  it('satisfies the KKT conditions of the positive LASSO', () => {
    const t = design.target(y);
    const alpha = 0.02 * alphaMax(t.xty, n, 1);
    expect(design.solve(t, opts(alpha, { positive: true })).converged).toBe(true);
    const g = correlation(X, y, n, p, t.w);
    expect([...t.w].some((v) => v > 0)).toBe(true);
    for (let j = 0; j < p; j++) {
      expect(t.w[j]).toBeGreaterThanOrEqual(0);
      if (t.w[j] > 0) expect(Math.abs(g[j] - alpha)).toBeLessThan(1e-3 * alpha);
      else expect(g[j]).toBeLessThanOrEqual(alpha * (1 + 1e-3));
    }
  });
});

describe('gram and naive modes', () => {
  it('find the same solution', () => {
    const { X, y, n, p } = problem(3, 80, 10);
    const a = CenteredDesign.from(X, n, p, 'gram');
    const b = CenteredDesign.from(X, n, p, 'naive');
    const ta = a.target(y);
    const tb = b.target(y);
    const alpha = 0.05 * alphaMax(ta.xty, n, 1);
    const ra = a.solve(ta, baseOpts(alpha));
    const rb = b.solve(tb, baseOpts(alpha));
    for (let j = 0; j < p; j++) expect(ta.w[j]).toBeCloseTo(tb.w[j], 7);
    expect(ra.objective).toBeCloseTo(rb.objective, 10);
    expect(a.intercept(ta)).toBeCloseTo(b.intercept(tb), 7);
  });
});

describe('fitLassoClassifier', () => {
  it('separates planted classes and reports a converged path', () => {
    const rng = new Rng(5);
    const n = 300;
    const p = 20;
    const X = new Float32Array(n * p);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < p; j++) X[i * p + j] = rng.nextNormal() * 0.3 + (j === y[i] ? 2 : 0);
    }
    const fit = fitLassoClassifier(X, y, p, 3, { ...DEFAULT_LASSO_CLASSIFIER, alpha: 0.01, pathPoints: 5 });
    expect(fit.path).toHaveLength(5);
    expect(fit.path[0].alpha).toBeCloseTo(fit.alphaMax, 12);
    expect(fit.path.every((pt) => pt.converged)).toBe(true);
    expect(fit.path[4].alpha).toBe(0.01);
    // each class' own feature carries the largest weight of its row
    for (let c = 0; c < 3; c++) {
      const row = [...fit.model.coef.subarray(c * p, (c + 1) * p)];
      expect(row.indexOf(Math.max(...row))).toBe(c);
    }
  });

  it('rejects bad options and bad data clearly', () => {
    const X = new Float32Array([0, 1, 1, 0, NaN, 1]);
    const y = new Uint8Array([0, 1, 0]);
    expect(() => fitLassoClassifier(X, y, 2, 2, { ...DEFAULT_LASSO_CLASSIFIER })).toThrow(/X\[2, 0\] is NaN/);
    expect(() => fitLassoClassifier(X, y, 2, 2, { ...DEFAULT_LASSO_CLASSIFIER, alpha: 0 })).toThrow(/alpha must be a positive number, got 0/);
    expect(() => fitLassoClassifier(new Float32Array(6), new Uint8Array([0, 5, 1]), 2, 2, DEFAULT_LASSO_CLASSIFIER)).toThrow(UsageError);
    expect(() => fitLassoClassifier(new Float32Array(5), y, 2, 2, DEFAULT_LASSO_CLASSIFIER)).toThrow(/expected 3 x 2/);
  });
});
