// Shared by the kernels (each compiles its own copy): cholesky.ts removeFactorRow.

@external("env", "hypot")
declare function hypot(a: f64, b: f64): f64;

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/**
 * Removes row and column k of the r-row lower-triangular factor at L (`stride` values a
 * row; idx: each row's outside index, i32), restoring triangularity with Givens rotations
 * whose radius is JavaScript's Math.hypot (imported), so the factor rounds as
 * src/sparse/cholesky.ts removeFactorRow's does. Returns the FLOPs it counts.
 */
export function removeFactorRow(L: usize, stride: i32, idx: usize, r: i32, k: i32): f64 {
  for (let i = k; i < r - 1; i++) {
    const dst = i * stride;
    const src = dst + stride;
    for (let c = 0; c <= i + 1; c++) st(L, dst + c, ld(L, src + c));
    store<i32>(idx + (<usize>i << 2), load<i32>(idx + (<usize>(i + 1) << 2)));
  }
  for (let i = k; i < r - 1; i++) {
    const a = ld(L, i * stride + i);
    const b = ld(L, i * stride + i + 1);
    const h = hypot(a, b);
    const c = a / h;
    const s = b / h;
    for (let t = i; t < r - 1; t++) {
      const row = t * stride;
      const x = ld(L, row + i);
      const y = ld(L, row + i + 1);
      st(L, row + i, c * x + s * y);
      st(L, row + i + 1, -s * x + c * y);
    }
    if (ld(L, i * stride + i) < 0) for (let t = i; t < r - 1; t++) st(L, t * stride + i, -ld(L, t * stride + i));
  }
  for (let t = k; t < r - 1; t++) st(L, t * stride + r - 1, 0);
  return <f64>(3 * (r - 1 - k) * (r - k));
}
