import { describe, expect, it } from 'vitest';
import { atomGram } from '../src/sparse/coding.js';
import { correlate } from '../src/sparse/correlate.js';
import { flops } from '../src/sparse/flops.js';
import { Homotopy } from '../src/sparse/homotopy.js';
import { WasmHomotopy } from '../src/sparse/homotopy-wasm.js';
import { Rng } from '../src/util/rng.js';

/**
 * Atoms with structure the path must handle: random unit atoms, a few near-duplicates (they
 * enter and leave, or are barred as combinations of the active set) and an exact copy.
 */
function atoms(rng: Rng, K: number, P: number): Float64Array {
  const D = new Float64Array(K * P);
  for (let k = 0; k < K; k++) {
    let norm = 0;
    for (let t = 0; t < P; t++) {
      const base = k >= 3 && k % 5 === 0 ? D[(k - 3) * P + t] * 3 : 0;
      norm += (D[k * P + t] = base + rng.nextNormal()) ** 2;
    }
    for (let t = 0; t < P; t++) D[k * P + t] /= Math.sqrt(norm);
  }
  if (K > 4) D.copyWithin((K - 1) * P, 0, P);
  return D;
}

/** Codes, residuals, objectives, steps and FLOPs of one coder over every signal. */
function codeAll(coder: Homotopy | WasmHomotopy, G: Float64Array, C: Float64Array, xx: Float64Array, K: number, alpha: number, maxSteps?: number) {
  const m = xx.length;
  const codes = new Float64Array(m * K);
  const residuals = new Float64Array(m);
  const objectives = new Float64Array(m);
  const before = flops.value;
  for (let i = 0; i < m; i++) {
    objectives[i] = coder.solve(G, C, i * K, xx[i], alpha, codes, i * K, maxSteps);
    residuals[i] = coder.residual2;
  }
  return { codes, residuals, objectives, steps: coder.steps, flops: flops.value - before };
}

describe('the compiled homotopy coder', () => {
  it('gives the JavaScript coder\'s codes, residuals, objectives, steps and FLOP counts bit for bit (odd and even K, drops, barred atoms, zero signals)', () => {
    const rng = new Rng(11);
    for (const [K, P, alpha] of [[16, 25, 0.01], [33, 49, 0.05], [64, 81, 0.1], [7, 9, 0.001]] as const) {
      const D = atoms(rng, K, P);
      const m = 300;
      const X = Float64Array.from({ length: m * P }, () => (rng.nextFloat() < 0.3 ? 0 : rng.nextNormal()));
      X.fill(0, 0, P); // a zero signal: its code is zero in one step
      const C = new Float64Array(m * K);
      correlate(D, K, P, X, 0, m, C);
      const xx = new Float64Array(m);
      for (let i = 0; i < m; i++) for (let t = 0; t < P; t++) xx[i] += X[i * P + t] ** 2;
      const G = atomGram(D, K, P);
      const js = codeAll(new Homotopy(K), G, C, xx, K, alpha);
      const wasm = codeAll(new WasmHomotopy(K), G, C, xx, K, alpha);
      expect(Buffer.from(wasm.codes.buffer).equals(Buffer.from(js.codes.buffer))).toBe(true);
      expect(Buffer.from(wasm.residuals.buffer).equals(Buffer.from(js.residuals.buffer))).toBe(true);
      expect(Buffer.from(wasm.objectives.buffer).equals(Buffer.from(js.objectives.buffer))).toBe(true);
      expect(wasm.steps).toBe(js.steps);
      expect(wasm.flops).toBe(js.flops);
      // the problems are not trivial: codes with several nonzeros, and more steps than nonzeros (drops)
      let nonzeros = 0;
      for (const v of js.codes) if (v !== 0) nonzeros++;
      expect(nonzeros / m).toBeGreaterThan(2);
      expect(js.steps).toBeGreaterThan(nonzeros);
      // a path cut short: NaN for the caller's fallback, from both
      const cut = codeAll(new WasmHomotopy(K), G, C, xx, K, alpha, 2);
      const cutJs = codeAll(new Homotopy(K), G, C, xx, K, alpha, 2);
      expect([...cut.objectives].map(Number.isNaN)).toEqual([...cutJs.objectives].map(Number.isNaN));
      expect(cut.objectives.some(Number.isNaN)).toBe(true);
    }
  });

  it('codes whole blocks as correlate() then solve() one signal at a time, bit for bit (odd and even blocks, K not a multiple of 8, a new dictionary in place)', () => {
    const rng = new Rng(21);
    for (const [K, P, alpha, m] of [[64, 81, 0.1, 64], [13, 25, 0.02, 37], [32, 64, 0.05, 1]] as const) {
      const D = atoms(rng, K, P);
      const X = Float64Array.from({ length: m * P }, () => (rng.nextFloat() < 0.3 ? 0 : rng.nextNormal()));
      X.fill(0, 0, P);
      const G = atomGram(D, K, P);
      const C = new Float64Array(m * K);
      correlate(D, K, P, X, 0, m, C);
      const xx = new Float64Array(m);
      for (let i = 0; i < m; i++) for (let t = 0; t < P; t++) xx[i] += X[i * P + t] ** 2;
      const one = codeAll(new Homotopy(K), G, C, xx, K, alpha);
      const coder = new WasmHomotopy(K);
      const codes = new Float64Array(m * K);
      const values = new Float64Array(m);
      const residuals = new Float64Array(m);
      const before = flops.value;
      coder.codeBlock(D, G, P, X, 0, m, alpha, codes, 0, values, residuals);
      expect(flops.value - before).toBe(one.flops + 2 * m * K * P);
      expect(Buffer.from(codes.buffer).equals(Buffer.from(one.codes.buffer))).toBe(true);
      expect(Buffer.from(values.buffer).equals(Buffer.from(one.objectives.buffer))).toBe(true);
      expect(Buffer.from(residuals.buffer).equals(Buffer.from(one.residuals.buffer))).toBe(true);
      // the dictionary rewritten in place with a fresh Gram (as a learner does): the block follows
      D.set(D.map((v) => -v));
      const G2 = atomGram(D, K, P);
      correlate(D, K, P, X, 0, m, C);
      const again = codeAll(new Homotopy(K), G2, C, xx, K, alpha);
      coder.codeBlock(D, G2, P, X, 0, m, alpha, codes, 0, values, residuals);
      expect(Buffer.from(codes.buffer).equals(Buffer.from(again.codes.buffer))).toBe(true);
    }
  });

  it('copies a Gram rewritten in place when told to, and refuses one of the wrong size', () => {
    const rng = new Rng(3);
    const K = 8;
    const P = 12;
    const D = atoms(rng, K, P);
    const x = Float64Array.from({ length: P }, () => rng.nextNormal());
    const c = new Float64Array(K);
    correlate(D, K, P, x, 0, 1, c);
    const xx = x.reduce((s, v) => s + v * v, 0);
    const G = atomGram(D, K, P);
    const coder = new WasmHomotopy(K);
    const a = new Float64Array(K);
    const js = new Homotopy(K);
    const b = new Float64Array(K);
    expect(coder.solve(G, c, 0, xx, 0.05, a, 0)).toBe(js.solve(G, c, 0, xx, 0.05, b, 0));
    expect([...a]).toEqual([...b]);
    // the same array with other values (atoms twice as long): the coder follows once told
    G.set(atomGram(D.map((v) => 2 * v), K, P));
    coder.useGram(G);
    expect(coder.solve(G, c, 0, xx, 0.05, a, 0)).toBe(js.solve(G, c, 0, xx, 0.05, b, 0));
    expect([...a]).toEqual([...b]);
    expect(() => coder.useGram(new Float64Array(K * K - 1))).toThrow(/not 8 x 8/);
  });
});
