// The homotopy (LARS-lasso) coder of src/sparse/homotopy.ts, compiled to WebAssembly with
// 128-bit SIMD. It exists for speed only: every floating-point operation is the JavaScript
// coder's, in the same order (SIMD lanes run over the atoms j, so each u[j] and corr[j] is
// summed exactly as there, and there is no fused multiply-add in WebAssembly's SIMD), so the
// codes are the same bytes; test/homotopy-wasm.test.ts holds the two to that. Read the
// JavaScript version for the method; this file repeats its steps without the commentary, and
// keeps two things of its own that change no value: the forward solve of the previous step
// (only rows at or below a change are redone) and the entering scan's lanes (their merge is the
// JavaScript rule: the smallest step, the smaller index on a tie).
//
// Memory: the caller (src/sparse/homotopy-wasm.ts) lays out every buffer and passes their
// byte offsets to setup(); nothing here allocates. Hot loops load and store raw memory.

import { removeFactorRow } from "./shared/givens";

let K: i32 = 0;
let G: usize = 0;
let L: usize = 0;
let idx: usize = 0;
let corr: usize = 0;
let u: usize = 0;
let d: usize = 0;
let tmp: usize = 0;
let sign: usize = 0;
// 1.0 where an atom may not enter (in the support, barred, or just left), else 0.0: the
// entering search reads it two atoms a lane pair instead of testing three byte arrays
let blocked: usize = 0;
// L y = s_A, kept between steps: an entering atom appends a row to L and leaves the rows above
// it (so their y) unchanged; a leaving one rotates the rows from its own down
let y: usize = 0;

/** Steps over every solve, FLOPs counted as the JavaScript coder counts them, and the last code's ||x - D^T a||^2. */
export let steps: f64 = 0;
export let work: f64 = 0;
export let residual2: f64 = 0;

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}
@inline function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function sti(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}
@inline function ldb(p: usize, i: i32): i32 {
  return <i32>load<i8>(p + <usize>i);
}
@inline function stb(p: usize, i: i32, v: i32): void {
  store<i8>(p + <usize>i, <i8>v);
}

export function setup(k: i32, g: usize, l: usize, ix: usize, co: usize, uu: usize, dd: usize, tp: usize, sg: usize, bl: usize, yy: usize): void {
  K = k;
  G = g;
  L = l;
  idx = ix;
  corr = co;
  u = uu;
  d = dd;
  tmp = tp;
  sign = sg;
  blocked = bl;
  y = yy;
}

/** Appends atom j as row r of L; false when its pivot is not safely positive. */
function append(r: i32, j: i32): bool {
  const col = j * K;
  let uu: f64 = 0;
  for (let i = 0; i < r; i++) {
    const row = i * K;
    let s = ld(G, col + ldi(idx, i));
    for (let t = 0; t < i; t++) s -= ld(L, row + t) * ld(tmp, t);
    const ui = s / ld(L, row + i);
    st(tmp, i, ui);
    uu += ui * ui;
  }
  const diag = ld(G, col + j);
  const pivot = diag - uu;
  if (!(pivot > 1e-10 * diag)) return false;
  const row = r * K;
  for (let t = 0; t < r; t++) st(L, row + t, ld(tmp, t));
  st(L, row + r, Math.sqrt(pivot));
  sti(idx, r, j);
  work += <f64>(r * r);
  return true;
}

/**
 * The code of the signal with correlations at c (K values) into a (K values); returns the
 * objective, or NaN when the path did not reach alpha within maxSteps.
 */
export function solve(c: usize, xx: f64, alpha: f64, a: usize, maxSteps: i32): f64 {
  let lambda: f64 = 0;
  let first = -1;
  for (let j = 0; j < K; j++) {
    st(a, j, 0);
    stb(sign, j, 0);
    st(blocked, j, 0);
    const v = ld(c, j);
    st(corr, j, v);
    const av = v < 0 ? -v : v;
    if (av > lambda) {
      lambda = av;
      first = j;
    }
  }
  if (lambda <= alpha || first < 0 || !append(0, first)) {
    steps += 1;
    residual2 = xx;
    return 0.5 * xx;
  }
  let r = 1;
  stb(sign, first, ld(corr, first) > 0 ? 1 : -1);
  st(blocked, first, 1);
  let taken = 0;
  let justLeft = -1;
  let spent: f64 = 0;
  let solved = 0;
  const pairs = K & ~1;
  for (; taken < maxSteps; taken++) {
    for (let i = solved; i < r; i++) {
      const row = i * K;
      let s = <f64>ldb(sign, ldi(idx, i));
      for (let t = 0; t < i; t++) s -= ld(L, row + t) * ld(y, t);
      st(y, i, s / ld(L, row + i));
    }
    solved = r;
    for (let i = 0; i < r; i++) st(d, i, ld(y, i));
    for (let i = r - 1; i >= 0; i--) {
      const row = i * K;
      const di = ld(d, i) / ld(L, row + i);
      st(d, i, di);
      for (let t = 0; t < i; t++) st(d, t, ld(d, t) - ld(L, row + t) * di);
    }
    // u = G_{:,A} d, four rows of G per pass, two atoms per lane pair
    let k = 0;
    {
      const g0 = G + ((<usize>(ldi(idx, 0) * K)) << 3);
      const d0 = ld(d, 0);
      const v0 = f64x2.splat(d0);
      let j = 0;
      for (; j < pairs; j += 2) v128.store(u + (<usize>j << 3), f64x2.mul(v0, v128.load(g0 + (<usize>j << 3))));
      for (; j < K; j++) st(u, j, d0 * load<f64>(g0 + (<usize>j << 3)));
      k = 1;
    }
    for (; k + 3 < r; k += 4) {
      const g0 = G + ((<usize>(ldi(idx, k) * K)) << 3);
      const g1 = G + ((<usize>(ldi(idx, k + 1) * K)) << 3);
      const g2 = G + ((<usize>(ldi(idx, k + 2) * K)) << 3);
      const g3 = G + ((<usize>(ldi(idx, k + 3) * K)) << 3);
      const d0 = ld(d, k);
      const d1 = ld(d, k + 1);
      const d2 = ld(d, k + 2);
      const d3 = ld(d, k + 3);
      const v0 = f64x2.splat(d0);
      const v1 = f64x2.splat(d1);
      const v2 = f64x2.splat(d2);
      const v3 = f64x2.splat(d3);
      let j = 0;
      for (; j < pairs; j += 2) {
        const o = <usize>j << 3;
        const sum = f64x2.add(
          f64x2.add(f64x2.add(f64x2.mul(v0, v128.load(g0 + o)), f64x2.mul(v1, v128.load(g1 + o))), f64x2.mul(v2, v128.load(g2 + o))),
          f64x2.mul(v3, v128.load(g3 + o)),
        );
        v128.store(u + o, f64x2.add(v128.load(u + o), sum));
      }
      for (; j < K; j++) {
        const o = <usize>j << 3;
        st(u, j, ld(u, j) + (d0 * load<f64>(g0 + o) + d1 * load<f64>(g1 + o) + d2 * load<f64>(g2 + o) + d3 * load<f64>(g3 + o)));
      }
    }
    for (; k < r; k++) {
      const g0 = G + ((<usize>(ldi(idx, k) * K)) << 3);
      const d0 = ld(d, k);
      const v0 = f64x2.splat(d0);
      let j = 0;
      for (; j < pairs; j += 2) {
        const o = <usize>j << 3;
        v128.store(u + o, f64x2.add(v128.load(u + o), f64x2.mul(v0, v128.load(g0 + o))));
      }
      for (; j < K; j++) st(u, j, ld(u, j) + d0 * load<f64>(g0 + (<usize>j << 3)));
    }
    spent += <f64>(2 * K * r + 2 * r * r);
    let gamma = lambda - alpha;
    let entering = -1;
    let leaving = -1;
    if (justLeft >= 0) st(blocked, justLeft, 1);
    {
      // each lane keeps the smallest quotient of its atoms (even j, odd j) and the first j
      // reaching it; the lanes then merge, the smaller j winning a tie: the JavaScript rule
      const vl = f64x2.splat(lambda);
      const one = f64x2.splat(1);
      const zero = f64x2.splat(0);
      const tiny = f64x2.splat(1e-12);
      let best = f64x2.splat(gamma);
      let bestJ = i64x2.splat(-1);
      let lanesJ = i64x2(0, 1);
      const two = i64x2.splat(2);
      let j = 0;
      for (; j < pairs; j += 2) {
        const o = <usize>j << 3;
        const cj = v128.load(corr + o);
        const uj = v128.load(u + o);
        const free = f64x2.eq(v128.load(blocked + o), zero);
        const denUp = f64x2.sub(one, uj);
        const numUp = f64x2.sub(vl, cj);
        const gUp = f64x2.div(numUp, denUp);
        const up = v128.and(v128.and(free, f64x2.gt(denUp, tiny)), v128.and(f64x2.gt(numUp, zero), f64x2.lt(gUp, best)));
        best = v128.bitselect(gUp, best, up);
        bestJ = v128.bitselect(lanesJ, bestJ, up);
        const denDown = f64x2.add(one, uj);
        const numDown = f64x2.add(vl, cj);
        const gDown = f64x2.div(numDown, denDown);
        const down = v128.and(v128.and(free, f64x2.gt(denDown, tiny)), v128.and(f64x2.gt(numDown, zero), f64x2.lt(gDown, best)));
        best = v128.bitselect(gDown, best, down);
        bestJ = v128.bitselect(lanesJ, bestJ, down);
        lanesJ = i64x2.add(lanesJ, two);
      }
      const g0 = f64x2.extract_lane(best, 0);
      const g1 = f64x2.extract_lane(best, 1);
      const j0 = <i32>i64x2.extract_lane(bestJ, 0);
      const j1 = <i32>i64x2.extract_lane(bestJ, 1);
      if (g1 < g0 || (g1 == g0 && j1 >= 0 && (j0 < 0 || j1 < j0))) {
        gamma = g1;
        entering = j1;
      } else {
        gamma = g0;
        entering = j0;
      }
      for (; j < K; j++) {
        if (ld(blocked, j) != 0) continue;
        const cj = ld(corr, j);
        const uj = ld(u, j);
        const denUp = 1 - uj;
        const numUp = lambda - cj;
        if (denUp > 1e-12 && numUp > 0) {
          const g = numUp / denUp;
          if (g < gamma) {
            gamma = g;
            entering = j;
          }
        }
        const denDown = 1 + uj;
        const numDown = lambda + cj;
        if (denDown > 1e-12 && numDown > 0) {
          const g = numDown / denDown;
          if (g < gamma) {
            gamma = g;
            entering = j;
          }
        }
      }
    }
    if (justLeft >= 0) st(blocked, justLeft, 0);
    for (let t = 0; t < r; t++) {
      const dt = ld(d, t);
      if (dt == 0) continue;
      const g = -ld(a, ldi(idx, t)) / dt;
      if (g > 1e-15 && g < gamma) {
        gamma = g;
        leaving = t;
        entering = -1;
      }
    }
    for (let t = 0; t < r; t++) {
      const j = ldi(idx, t);
      st(a, j, ld(a, j) + gamma * ld(d, t));
    }
    {
      const vg = f64x2.splat(gamma);
      let j = 0;
      for (; j < pairs; j += 2) {
        const o = <usize>j << 3;
        v128.store(corr + o, f64x2.sub(v128.load(corr + o), f64x2.mul(vg, v128.load(u + o))));
      }
      for (; j < K; j++) st(corr, j, ld(corr, j) - gamma * ld(u, j));
    }
    lambda -= gamma;
    justLeft = -1;
    if (leaving >= 0) {
      const j = ldi(idx, leaving);
      st(a, j, 0);
      stb(sign, j, 0);
      st(blocked, j, 0);
      work += removeFactorRow(L, K, idx, r, leaving);
      r--;
      if (leaving < solved) solved = leaving;
      justLeft = j;
      continue;
    }
    if (entering < 0) break;
    if (append(r, entering)) {
      r++;
      stb(sign, entering, ld(corr, entering) > 0 ? 1 : -1);
      st(blocked, entering, 1);
    } else st(blocked, entering, 1); // barred: dependent on the support
  }
  work += spent;
  steps += <f64>(taken + 1);
  if (taken >= maxSteps) return NaN;
  let ac: f64 = 0;
  let acorr: f64 = 0;
  let l1: f64 = 0;
  for (let j = 0; j < K; j++) {
    const v = ld(a, j);
    if (v == 0) continue;
    ac += v * ld(c, j);
    acorr += v * ld(corr, j);
    l1 += v < 0 ? -v : v;
  }
  residual2 = Math.max(0, xx - ac - acorr);
  return 0.5 * residual2 + alpha * l1;
}

// Whole blocks of signals: the correlations c = D x (the JavaScript correlate's sums: each
// (signal, atom) over t in order from zero, here two atoms a lane pair), ||x||^2 in order, and
// the solve, without a call or a copy per signal. Dt is the dictionary transposed (P x K), so
// that a lane pair loads two atoms' values at one t.
let Dt: usize = 0;
let P: i32 = 0;

export function setDictionary(dt: usize, p: i32): void {
  Dt = dt;
  P = p;
}

/** The correlations of two signals (at x and y) into c and e: each loaded atom value serves both. */
function correlations2(x: usize, y: usize, c: usize, e: usize): void {
  let k = 0;
  for (; k + 7 < K; k += 8) {
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let s3 = f64x2.splat(0);
    let r0 = f64x2.splat(0);
    let r1 = f64x2.splat(0);
    let r2 = f64x2.splat(0);
    let r3 = f64x2.splat(0);
    for (let t = 0; t < P; t++) {
      const xt = f64x2.splat(ld(x, t));
      const yt = f64x2.splat(ld(y, t));
      const row = Dt + ((<usize>(t * K + k)) << 3);
      const d0 = v128.load(row);
      const d1 = v128.load(row + 16);
      const d2 = v128.load(row + 32);
      const d3 = v128.load(row + 48);
      s0 = f64x2.add(s0, f64x2.mul(xt, d0));
      s1 = f64x2.add(s1, f64x2.mul(xt, d1));
      s2 = f64x2.add(s2, f64x2.mul(xt, d2));
      s3 = f64x2.add(s3, f64x2.mul(xt, d3));
      r0 = f64x2.add(r0, f64x2.mul(yt, d0));
      r1 = f64x2.add(r1, f64x2.mul(yt, d1));
      r2 = f64x2.add(r2, f64x2.mul(yt, d2));
      r3 = f64x2.add(r3, f64x2.mul(yt, d3));
    }
    const o = <usize>k << 3;
    v128.store(c + o, s0);
    v128.store(c + o + 16, s1);
    v128.store(c + o + 32, s2);
    v128.store(c + o + 48, s3);
    v128.store(e + o, r0);
    v128.store(e + o + 16, r1);
    v128.store(e + o + 32, r2);
    v128.store(e + o + 48, r3);
  }
  for (; k < K; k++) {
    let s: f64 = 0;
    let r: f64 = 0;
    for (let t = 0; t < P; t++) {
      const dk = ld(Dt, t * K + k);
      s += ld(x, t) * dk;
      r += ld(y, t) * dk;
    }
    st(c, k, s);
    st(e, k, r);
  }
}

/**
 * Codes m signals (P values each, from x) into out (m x K): each one's value (the objective,
 * or NaN when its path did not close: the caller codes it another way) into values and its
 * ||x - D^T a||^2 into res. c is scratch for two signals' correlations (2K values).
 */
export function codeBlock(x: usize, m: i32, c: usize, alpha: f64, out: usize, values: usize, res: usize, maxSteps: i32): void {
  // c holds two signals' correlations: the signals go in pairs through the product
  const e = c + ((<usize>K) << 3);
  for (let i = 0; i < m; i++) {
    const xi = x + ((<usize>(i * P)) << 3);
    // an odd block's last signal goes with itself (its twin's sums are discarded)
    if ((i & 1) == 0) correlations2(xi, i + 1 < m ? xi + ((<usize>P) << 3) : xi, c, e);
    let xx: f64 = 0;
    for (let t = 0; t < P; t++) {
      const v = ld(xi, t);
      xx += v * v;
    }
    st(values, i, solve((i & 1) == 0 ? c : e, xx, alpha, out + ((<usize>(i * K)) << 3), maxSteps));
    st(res, i, residual2);
  }
}
