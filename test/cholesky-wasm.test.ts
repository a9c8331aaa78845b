import { describe, expect, it } from 'vitest';
import { UpdatableCholesky } from '../src/sparse/cholesky.js';
import { WasmCholesky } from '../src/sparse/cholesky-wasm.js';
import { flops } from '../src/sparse/flops.js';
import { Rng } from '../src/util/rng.js';

/** A p x p Gram B^T B of rank p - 2: the last two columns repeat earlier ones, so adding both of a pair is refused. */
function gram(rng: Rng, p: number): Float64Array {
  const m = p + 5;
  const B = Float64Array.from({ length: m * p }, () => rng.nextNormal());
  for (let i = 0; i < m; i++) {
    B[i * p + p - 1] = B[i * p + 3];
    B[i * p + p - 2] = 2 * B[i * p + 7];
  }
  const G = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) for (let i = 0; i < m; i++) G[a * p + b] += B[i * p + a] * B[i * p + b];
  return G;
}

describe('the compiled Cholesky factor', () => {
  it('adds, refuses, removes and solves as UpdatableCholesky does, bit for bit, FLOP counts included, through growth', () => {
    const rng = new Rng(5);
    for (const p of [9, 61, 130]) {
      const G = gram(rng, p);
      const js = new UpdatableCholesky(p, 4);
      const wasm = new WasmCholesky(p, 4);
      const members = new Set<number>();
      let refused = 0;
      let solved = 0;
      let largest = 0;
      for (let step = 0; step < 6 * p; step++) {
        const out = [...Array(p).keys()].filter((j) => !members.has(j));
        const size = js.size;
        if (size > 0 && (out.length === 0 || rng.nextFloat() < 0.3)) {
          const k = rng.nextInt(size);
          const before = flops.value;
          js.removeAt(k);
          const mid = flops.value;
          wasm.removeAt(k);
          expect(flops.value - mid).toBe(mid - before);
          members.delete(wasm.index(k));
        } else {
          const j = out[rng.nextInt(out.length)];
          const l2 = rng.nextFloat() < 0.5 ? 0 : 0.1;
          const before = flops.value;
          const a = js.add(j, G, j * p, G[j * p + j] + l2);
          const mid = flops.value;
          const b = wasm.add(j, G, j * p, G[j * p + j] + l2);
          expect(flops.value - mid).toBe(mid - before);
          expect(b).toBe(a);
          if (a) members.add(j);
          else refused++;
        }
        expect(wasm.size).toBe(js.size);
        largest = Math.max(largest, js.size);
        expect([...wasm.indices.subarray(0, wasm.size)]).toEqual([...js.indices.subarray(0, js.size)]);
        if (js.size === 0) continue;
        const rhs = Float64Array.from({ length: js.size }, () => rng.nextNormal());
        const x1 = new Float64Array(js.size);
        const x2 = Float64Array.from(rhs);
        js.solve(rhs, x1);
        wasm.solve(x2, x2); // in place: x may alias b
        expect(Buffer.from(x2.buffer).equals(Buffer.from(x1.buffer))).toBe(true);
        solved++;
      }
      expect(solved).toBeGreaterThan(p);
      if (p > 60) expect(refused).toBeGreaterThan(0);
      expect(largest).toBeGreaterThanOrEqual(Math.min(8, p - 2)); // grew past its first capacity of 4 rows
    }
  });

  it('is full at maxSize and starts afresh after clear', () => {
    const rng = new Rng(2);
    const G = gram(rng, 12);
    const f = new WasmCholesky(3, 1);
    for (const j of [0, 1, 2]) expect(f.add(j, G, j * 12, G[j * 12 + j])).toBe(true);
    expect(f.add(4, G, 4 * 12, G[4 * 12 + 4])).toBe(false);
    f.clear();
    expect(f.size).toBe(0);
    expect(f.add(5, G, 5 * 12, G[5 * 12 + 5])).toBe(true);
    expect(f.index(0)).toBe(5);
  });
});
