import { describe, expect, it } from 'vitest';
import { flops } from '../src/sparse/flops.js';
import { centeredGram, columnMeans, sparseRows } from '../src/sparse/gram.js';
import { centeredGramWasm, WasmGram } from '../src/sparse/gram-wasm.js';
import { gatherDot } from '../src/sparse/vec.js';
import { Rng } from '../src/util/rng.js';

describe('the compiled centered Gram', () => {
  it('equals centeredGram bit for bit, FLOP count included, on sparse and dense rows, empty rows and more rows than one block', () => {
    const rng = new Rng(11);
    for (const [n, p, density] of [
      [1, 1, 1],
      [7, 13, 0.5],
      [150, 37, 0.2],
      [200, 64, 1],
      [65, 9, 0],
    ] as const) {
      const X = new Float64Array(n * p);
      for (let i = 0; i < X.length; i++) if (rng.nextFloat() < density) X[i] = rng.nextNormal();
      const rows = sparseRows(X, n, p);
      const mean = columnMeans(rows);
      const before = flops.value;
      const js = centeredGram(rows, mean);
      const mid = flops.value;
      const wasm = centeredGramWasm(rows, mean);
      expect(flops.value - mid).toBe(mid - before);
      expect(wasm.length).toBe(p * p);
      // the same bytes: every entry, -0 told from 0
      expect(Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength).equals(Buffer.from(js.buffer, js.byteOffset, js.byteLength))).toBe(true);
    }
  });

  it('gathers the products of many rows with one sparse vector as gatherDot does, bit for bit, FLOP count included', () => {
    const rng = new Rng(12);
    const n = 90;
    const p = 23;
    const X = Float64Array.from({ length: n * p }, () => (rng.nextFloat() < 0.6 ? rng.nextNormal() : 0));
    const rows = sparseRows(X, n, p);
    const g = WasmGram.from(rows, columnMeans(rows));
    for (const size of [0, 1, 3, 4, 7, 23]) {
      const idx = Int32Array.from({ length: size }, () => rng.nextInt(p));
      const d = Float64Array.from({ length: size }, () => rng.nextNormal());
      const which = Int32Array.from({ length: p }, (_, i) => (i * 7) % p);
      const out = new Float64Array(p);
      const before = flops.value;
      const expected = Array.from(which, (row) => gatherDot(g.gram, row * p, idx, d, size));
      const mid = flops.value;
      g.gatherDots(which, p, idx, d, size, out);
      expect(flops.value - mid).toBe(mid - before);
      expect(Array.from(out)).toEqual(expected);
    }
  });
});
