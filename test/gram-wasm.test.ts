import { describe, expect, it } from 'vitest';
import { flops } from '../src/sparse/flops.js';
import { centeredGram, columnMeans, sparseRows } from '../src/sparse/gram.js';
import { centeredGramWasm } from '../src/sparse/gram-wasm.js';
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
});
