import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { UpdatableCholesky } from '../src/sparse/cholesky.js';
import { Rng } from '../src/util/rng.js';

function spd(rng: Rng, p: number): Matrix {
  const B = new Matrix(p + 3, p);
  for (let i = 0; i < p + 3; i++) for (let j = 0; j < p; j++) B.set(i, j, rng.nextNormal());
  return B.transpose().mmul(B);
}

describe('UpdatableCholesky', () => {
  it('solves like a fresh factorisation (ml-matrix) through adds and removes', () => {
    const rng = new Rng(11);
    const p = 30;
    const A = spd(rng, p);
    const f = new UpdatableCholesky(p, 4);
    let members: number[] = [];
    const add = (j: number): void => {
      expect(f.add(j, Float64Array.from(A.getRow(j)), 0, A.get(j, j))).toBe(true);
      members.push(j);
    };
    for (let step = 0; step < 200; step++) {
      const out = [...Array(p).keys()].filter((j) => !members.includes(j));
      if (members.length > 0 && (out.length === 0 || rng.nextFloat() < 0.4)) {
        const k = rng.nextInt(members.length);
        f.removeAt(k);
        members = members.filter((_, i) => i !== k);
      } else {
        add(out[rng.nextInt(out.length)]);
      }
      if (members.length === 0) continue;
      const b = Float64Array.from(members, () => rng.nextNormal());
      const x = new Float64Array(members.length);
      f.solve(b, x);
      const sub = A.selection(members, members);
      const want = new CholeskyDecomposition(sub).solve(Matrix.columnVector([...b])).getColumn(0);
      for (let i = 0; i < members.length; i++) expect(x[i]).toBeCloseTo(want[i], 8);
      expect([...Array(f.size).keys()].map((i) => f.index(i))).toEqual(members);
    }
  });

  it('refuses a column that depends on the current ones', () => {
    const A = new Matrix([
      [1, 2, 3],
      [2, 4, 6],
      [3, 6, 10],
    ]);
    const f = new UpdatableCholesky(3);
    const row = (j: number): Float64Array => Float64Array.from(A.getRow(j));
    expect(f.add(0, row(0), 0, 1)).toBe(true);
    expect(f.add(1, row(1), 0, 4)).toBe(false);
    expect(f.size).toBe(1);
    expect(f.add(2, row(2), 0, 10)).toBe(true);
  });
});
