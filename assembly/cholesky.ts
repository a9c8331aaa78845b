// The updatable Cholesky factor of src/sparse/cholesky.ts compiled to WebAssembly with
// 128-bit SIMD, for the Newton steps of the LASSO solver (hundreds of rows: adding one is a
// forward substitution of r dot products). Every floating-point operation is the JavaScript
// class's, in the same order: its dot product keeps four running sums (k mod 4), which are
// here two lane pairs, its tail goes to the first sum and the four are added left to right;
// the back substitution updates each x[k] on its own, so lanes do not change its order. The
// factors are the same bytes (test/cholesky-wasm.test.ts). Read the JavaScript class for the
// method; this file repeats its steps.
//
// Memory (laid out by src/sparse/cholesky-wasm.ts): idx (i32), vec (f64: the gathered
// column on add, the right-hand side and solution on solve), then L, `stride` values a row.

import { removeFactorRow } from "./shared/givens";

let L: usize = 0;
let stride: i32 = 0;
let idx: usize = 0;
let vec: usize = 0;

/** FLOPs counted as the JavaScript class counts them; the caller reads and clears it. */
export let work: f64 = 0;

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

export function setup(l: usize, s: i32, ix: usize, v: usize): void {
  L = l;
  stride = s;
  idx = ix;
  vec = v;
}

/** vec.ts dot: a[0 .. n) . b[0 .. n) with four running sums. */
@inline function dot(a: usize, b: usize, n: i32): f64 {
  work += <f64>(2 * n);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const o = <usize>k << 3;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(a + o + 16), v128.load(b + o + 16)));
  }
  let s0 = f64x2.extract_lane(s01, 0);
  for (; k < n; k++) s0 += ld(a, k) * ld(b, k);
  return s0 + f64x2.extract_lane(s01, 1) + f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1);
}

/**
 * Appends a row from the column gathered into vec[0 .. r) (A[idx[i], j]) and diag = A[j, j];
 * the forward substitution is written straight into row r. Returns 0, leaving the factor as
 * it was, when the pivot is not safely positive.
 */
export function addRow(r: i32, diag: f64): i32 {
  const u = L + ((<usize>(r * stride)) << 3);
  let uu: f64 = 0;
  for (let i = 0; i < r; i++) {
    const row = L + ((<usize>(i * stride)) << 3);
    const ui = (ld(vec, i) - dot(row, u, i)) / ld(row, i);
    st(u, i, ui);
    uu += ui * ui;
  }
  const d = diag - uu;
  if (!(d > 1e-10 * diag)) return 0;
  st(u, r, Math.sqrt(d));
  return 1;
}

/** Solves L L^T x = b in place on vec[0 .. r). */
export function solve(r: i32): void {
  const x = vec;
  for (let i = 0; i < r; i++) {
    const row = L + ((<usize>(i * stride)) << 3);
    st(x, i, (ld(x, i) - dot(row, x, i)) / ld(row, i));
  }
  work += <f64>(r * r);
  for (let i = r - 1; i >= 0; i--) {
    const row = L + ((<usize>(i * stride)) << 3);
    const xi = ld(x, i) / ld(row, i);
    st(x, i, xi);
    const v = f64x2.splat(xi);
    let k = 0;
    for (; k + 1 < i; k += 2) {
      const o = <usize>k << 3;
      v128.store(x + o, f64x2.sub(v128.load(x + o), f64x2.mul(v128.load(row + o), v)));
    }
    for (; k < i; k++) st(x, k, ld(x, k) - ld(row, k) * xi);
  }
}

/** cholesky.ts removeFactorRow: row and column k out of the r-row factor, by Givens rotations. */
export function removeRow(r: i32, k: i32): void {
  work += removeFactorRow(L, stride, idx, r, k);
}
