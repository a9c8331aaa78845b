import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { atomGram, lassoCodes, ompCodes } from '../src/sparse/coding.js';
import { Homotopy } from '../src/sparse/homotopy.js';
import { CodingPool } from '../src/sparse/coding-pool.js';
import { correlate } from '../src/sparse/correlate.js';
import { pooledFeatures } from '../src/sparse/features.js';
import { batchDictionary, onlineDictionary } from '../src/sparse/dictionary.js';
import { extractPatches, gridPatchesInto, reassemble } from '../src/sparse/patches.js';
import { Rng } from '../src/util/rng.js';

/** K random unit atoms of length P. */
function unitAtoms(rng: Rng, K: number, P: number): Float64Array {
  const D = new Float64Array(K * P);
  for (let k = 0; k < K; k++) {
    let norm = 0;
    for (let t = 0; t < P; t++) norm += (D[k * P + t] = rng.nextNormal()) ** 2;
    for (let t = 0; t < P; t++) D[k * P + t] /= Math.sqrt(norm);
  }
  return D;
}

/** Signals that are sparse combinations of the atoms, with their true supports. */
function planted(rng: Rng, D: Float64Array, K: number, P: number, n: number, s: number, noise: number): { X: Float64Array; supports: number[][] } {
  const X = new Float64Array(n * P);
  const supports: number[][] = [];
  for (let i = 0; i < n; i++) {
    const support = new Set<number>();
    while (support.size < s) support.add(rng.nextInt(K));
    supports.push([...support].sort((a, b) => a - b));
    for (const k of support) {
      const coef = (rng.nextFloat() < 0.5 ? -1 : 1) * (1 + rng.nextFloat());
      for (let t = 0; t < P; t++) X[i * P + t] += coef * D[k * P + t];
    }
    for (let t = 0; t < P; t++) X[i * P + t] += noise * rng.nextNormal();
  }
  return { X, supports };
}

const norms = (D: Float64Array, K: number, P: number): number[] =>
  Array.from({ length: K }, (_, k) => Math.sqrt(D.subarray(k * P, (k + 1) * P).reduce((s, v) => s + v * v, 0)));

describe('sparse coding', () => {
  const rng = new Rng(3);
  const K = 24;
  const P = 40;
  const D = unitAtoms(rng, K, P);

  it('OMP recovers the support of exactly sparse signals', () => {
    const { X, supports } = planted(rng, D, K, P, 200, 3, 0);
    const codes = ompCodes(D, K, P, X, 200, 3);
    for (let i = 0; i < 200; i++) {
      const got = [...codes.subarray(i * K, (i + 1) * K)].map((v, k) => (v !== 0 ? k : -1)).filter((k) => k >= 0);
      expect(got).toEqual(supports[i]);
    }
  });

  it('LASSO codes satisfy their KKT conditions, and agree with OMP on a one-atom signal', () => {
    const { X } = planted(rng, D, K, P, 50, 3, 0.01);
    const alpha = 0.05;
    const { codes } = lassoCodes(D, K, P, X, 50, { alpha, tol: 1e-10, maxIter: 1000 });
    const G = atomGram(D, K, P);
    for (let i = 0; i < 50; i++) {
      for (let k = 0; k < K; k++) {
        // d_k . (x - D^T a)
        let g = 0;
        for (let t = 0; t < P; t++) g += D[k * P + t] * X[i * P + t];
        for (let j = 0; j < K; j++) g -= G[k * K + j] * codes[i * K + j];
        const a = codes[i * K + k];
        if (a !== 0) expect(Math.abs(g - alpha * Math.sign(a))).toBeLessThan(1e-6);
        else expect(Math.abs(g)).toBeLessThanOrEqual(alpha + 1e-6);
      }
    }
    // x = 2 d_5: LASSO gives a_5 = 2 - alpha alone (unit atom), OMP gives 2
    const x = Float64Array.from(D.subarray(5 * P, 6 * P), (v) => 2 * v);
    const lasso = lassoCodes(D, K, P, x, 1, { alpha, tol: 1e-12, maxIter: 1000 }).codes;
    const omp = ompCodes(D, K, P, x, 1, 1);
    expect(lasso[5]).toBeCloseTo(2 - alpha, 9);
    expect(omp[5]).toBeCloseTo(2, 9);
    expect([...lasso].filter((v) => v !== 0)).toHaveLength(1);
  });

  it('writes each signal\'s squared residual ||x - D^T a||^2, from the correlations, as x - D^T a gives it (both solvers)', () => {
    const { X } = planted(rng, D, K, P, 100, 4, 0.05);
    X.fill(0, 7 * P, 8 * P); // a zero signal: residual 0
    for (const solver of ['homotopy', 'cd'] as const) {
      const residuals = new Float64Array(100).fill(NaN);
      const { codes } = lassoCodes(D, K, P, X, 100, { alpha: 0.05, tol: 1e-8, maxIter: 1000, solver }, undefined, undefined, undefined, residuals);
      for (let i = 0; i < 100; i++) {
        let r2 = 0;
        for (let t = 0; t < P; t++) {
          let v = X[i * P + t];
          for (let k = 0; k < K; k++) v -= D[k * P + t] * codes[i * K + k];
          r2 += v * v;
        }
        expect(Math.abs(residuals[i] - r2)).toBeLessThan(1e-10 * (1 + r2));
      }
      expect(residuals[7]).toBe(0);
    }
  });

  it('the homotopy (LARS-lasso) coder lands on the exact solution: CD run to a 1e-12 gap agrees, drops included', () => {
    const { X } = planted(rng, D, K, P, 200, 4, 0.05);
    for (const alpha of [0.3, 0.05, 0.01]) {
      const exact = lassoCodes(D, K, P, X, 200, { alpha, tol: 1e-12, maxIter: 5000 });
      const path = lassoCodes(D, K, P, X, 200, { alpha, tol: 1e-12, maxIter: 5000, solver: 'homotopy' });
      expect(path.fallbacks ?? 0).toBe(0);
      expect(path.objective).toBeCloseTo(exact.objective, 10);
      for (let i = 0; i < exact.codes.length; i++) expect(Math.abs(path.codes[i] - exact.codes[i])).toBeLessThan(1e-6);
    }
    // the path from zero to a small alpha passes events where a coefficient leaves
    const h = new Homotopy(K);
    const G = atomGram(D, K, P);
    const c = new Float64Array(K);
    const a = new Float64Array(K);
    let left = 0;
    for (let i = 0; i < 200; i++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let t = 0; t < P; t++) s += D[k * P + t] * X[i * P + t];
        c[k] = s;
      }
      const before = h.steps;
      h.solve(G, c, 0, 1, 0.01, a, 0);
      left += h.steps - before - 1 - a.filter((v) => v !== 0).length > 0 ? 1 : 0;
    }
    expect(left).toBeGreaterThan(0);
  });

  it('the blocked correlations equal plain dot products, remainders included (m and K not multiples of four)', () => {
    const r = new Rng(5);
    for (const [m, K, P] of [[7, 6, 5], [8, 8, 3], [1, 3, 49], [13, 64, 49]]) {
      const A = Float64Array.from({ length: K * P }, () => r.nextNormal());
      const X = Float64Array.from({ length: (m + 2) * P }, () => r.nextNormal());
      const C = new Float64Array(m * K);
      correlate(A, K, P, X, 2, m, C);
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let t = 0; t < P; t++) s += A[k * P + t] * X[(i + 2) * P + t];
          expect(C[i * K + k]).toBeCloseTo(s, 12);
        }
      }
    }
  });

  it('grid patches written in place are the bytes extractPatches returns, centered or not', () => {
    const r = new Rng(9);
    const images = Float32Array.from({ length: 3 * 10 * 12 }, () => r.nextFloat());
    for (const center of [true, false]) {
      const all = extractPatches(images, 10, 12, 4, { stride: 3, center });
      const perImage = all.length / 3;
      const out = new Float64Array(perImage);
      for (let img = 0; img < 3; img++) {
        gridPatchesInto(images, img, 10, 12, 4, 3, center, out);
        expect([...out]).toEqual([...all.subarray(img * perImage, (img + 1) * perImage)]);
      }
    }
  });

  it('the coding pool gives the same codes and pooled features on 1 and 3 threads', async () => {
    const { X } = planted(rng, D, K, P, 301, 3, 0.05);
    const o = { alpha: 0.05, tol: 1e-6, maxIter: 500, solver: 'homotopy' } as const;
    const alone = lassoCodes(D, K, P, X, 301, o);
    const pool = await CodingPool.create(3);
    try {
      const spread = await pool.lassoCodes(D, K, P, X, 301, o);
      expect([...spread.codes]).toEqual([...alone.codes]);
      // calls made at once (a detector's textures) take their turns: each gets its own answers
      const half = lassoCodes(D, K, P, X.subarray(0, 150 * P), 150, o);
      const [a, b] = await Promise.all([pool.lassoCodes(D, K, P, X, 301, o), pool.lassoCodes(D, K, P, X.subarray(0, 150 * P), 150, o)]);
      expect([...a.codes]).toEqual([...alone.codes]);
      expect([...b.codes]).toEqual([...half.codes]);
      expect(spread.objective).toBeCloseTo(alone.objective, 12);
      // the threads claim ranges as they go, but the sums are added in range order: the same bits every call
      expect((await pool.lassoCodes(D, K, P, X, 301, o)).objective).toBe(spread.objective);
      // fewer signals than threads
      const two = await pool.lassoCodes(D, K, P, X.subarray(0, 2 * P), 2, o);
      expect([...two.codes]).toEqual([...alone.codes.subarray(0, 2 * K)]);
      // a handful of 8x8 "images" whose 4x4 patches are the signals' first 16 values
      const images = Float64Array.from({ length: 5 * 64 }, (_, i) => X[i]);
      const Dp = Float64Array.from(D.subarray(0, K * 16));
      const po = { patch: 4, stride: 2, cells: 2, alpha: 0.05, tol: 1e-6, coder: 'lasso', nonzeros: 0 } as const;
      const one = pooledFeatures(images, 5, 8, 8, Dp, K, po);
      const three = await pool.pooledFeatures(images, 5, 8, 8, Dp, K, po);
      expect([...three.features]).toEqual([...one.features]);
      expect(three.meanNonzeros).toBe(one.meanNonzeros);
    } finally {
      await pool.close();
    }
    // a budget of one thread with three for off-clock evaluation: the record's budget stays
    // one, and either way of coding gives the same bytes
    const mixed = await CodingPool.create(1, 3);
    try {
      expect([mixed.threads, mixed.evaluationThreads]).toEqual([1, 3]);
      const budget = await mixed.lassoCodes(D, K, P, X, 301, o);
      const evaluation = await mixed.lassoCodes(D, K, P, X, 301, o, mixed.evaluationThreads);
      expect([...budget.codes]).toEqual([...alone.codes]);
      expect([...evaluation.codes]).toEqual([...alone.codes]);
    } finally {
      await mixed.close();
    }
    await expect(CodingPool.create(1, 0)).rejects.toThrow(/evaluationThreads must be a positive integer/);
  });

  it('rejects bad shapes and non-finite input clearly', () => {
    const X = new Float64Array(P * 2);
    X[3] = NaN;
    expect(() => onlineDictionary(X, 2, P, { atoms: 1 })).toThrow(/signal 0 value 3 is NaN/);
    expect(() => onlineDictionary(new Float64Array(10), 3, 4)).toThrow(/10 values are not 3 x 4/);
    expect(() => onlineDictionary(new Float64Array(40), 10, 4, { atoms: 20 })).toThrow(/fewer than 20 atoms/);
    expect(() => ompCodes(D, K, P, new Float64Array(P), 1, 0)).toThrow(UsageError);
    expect(() => extractPatches(new Float64Array(50), 7, 7, 3)).toThrow(/not whole 7x7 images/);
  });
});

describe('dictionary learning', () => {
  it('online learning recovers a planted dictionary (each atom matched with |cos| >= 0.95), atoms of norm <= 1', () => {
    // Dictionary learning is not convex: from a seeded start on 1- and 2-sparse signals
    // the online algorithm finds every planted atom (other seeds can settle on a mixture).
    const rng = new Rng(11);
    const K = 8;
    const P = 32;
    const truth = unitAtoms(rng, K, P);
    const half = planted(rng, truth, K, P, 2000, 1, 0.01);
    const rest = planted(rng, truth, K, P, 2000, 2, 0.01);
    const X = new Float64Array(4000 * P);
    for (let i = 0; i < 2000; i++) {
      X.set(half.X.subarray(i * P, (i + 1) * P), 2 * i * P);
      X.set(rest.X.subarray(i * P, (i + 1) * P), (2 * i + 1) * P);
    }
    const fit = onlineDictionary(X, 4000, P, { atoms: K, alpha: 0.05, batchSize: 64, iterations: 3000, seed: 5 });
    const found = norms(fit.D, K, P);
    for (const nrm of found) expect(nrm).toBeLessThanOrEqual(1 + 1e-12);
    for (let k = 0; k < K; k++) {
      let best = 0;
      for (let j = 0; j < K; j++) {
        let c = 0;
        for (let t = 0; t < P; t++) c += truth[k * P + t] * fit.D[j * P + t];
        best = Math.max(best, Math.abs(c) / (found[j] || 1));
      }
      expect(best, `planted atom ${k}`).toBeGreaterThanOrEqual(0.95);
    }
    // and the objective went down along the way
    expect(fit.trace[fit.trace.length - 1].objective).toBeLessThan(fit.trace[0].objective);
  });

  it('batch learning never increases its objective, and keeps atoms in the unit ball', () => {
    const rng = new Rng(12);
    const images = Float64Array.from({ length: 30 * 12 * 12 }, () => Math.max(0, rng.nextNormal()));
    const X = extractPatches(images, 12, 12, 4, { stride: 2 });
    const n = X.length / 16;
    const fit = batchDictionary(X, n, 16, { atoms: 10, alpha: 0.1, iterations: 12, tol: 1e-10 });
    for (let i = 1; i < fit.trace.length; i++) expect(fit.trace[i].objective).toBeLessThanOrEqual(fit.trace[i - 1].objective + 1e-9);
    expect(fit.trace[11].objective).toBeLessThan(fit.trace[0].objective);
    for (const nrm of norms(fit.D, 10, 16)) expect(nrm).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('patches are centered, and uncentered patches reassemble into their image', () => {
    const rng = new Rng(13);
    const image = Float64Array.from({ length: 10 * 9 }, () => rng.nextFloat());
    const centered = extractPatches(image, 10, 9, 3, { stride: 1 });
    for (let p = 0; p < centered.length / 9; p++) expect(Math.abs(centered.subarray(p * 9, p * 9 + 9).reduce((a, b) => a + b))).toBeLessThan(1e-12);
    const raw = extractPatches(image, 10, 9, 3, { stride: 1, center: false });
    const back = reassemble(raw, 10, 9, 3, 1);
    for (let i = 0; i < image.length; i++) expect(back[i]).toBeCloseTo(image[i], 12);
  });
});
