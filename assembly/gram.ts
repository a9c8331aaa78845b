// The centered Gram matrix of src/sparse/gram.ts (centeredGram) compiled to WebAssembly: the
// outer products of each row's nonzeros added to the upper triangle, then the rank-one
// centering correction and the mirror. The JavaScript loop spends its time on bounds checks
// of the scattered adds (the dictionary classifier's pooled codes are half nonzero: ~170,000
// adds a row); here they are raw loads and stores. Every entry sums the same products in the
// same order (rows in turn; unrolling by four only overlaps adds to different entries), so
// the matrix is the same bytes (test/gram-wasm.test.ts). The caller adds the rows in blocks:
// V8 first runs WebAssembly in its baseline compiler and swaps in optimised code only between
// calls, so one call over every row would run unoptimised to the end (measured 2.4 s against
// 1.2 s).
//
// Memory (laid out by src/sparse/gram-wasm.ts): rowPtr (i32, n + 1), col (i32, nnz), then
// 8-aligned val (f64, nnz), mean (f64, p) and the p x p Gram (row-major, zeroed by the caller).

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function add(p: usize, i: i32, v: f64): void {
  const at = p + (<usize>i << 3);
  store<f64>(at, load<f64>(at) + v);
}

/** Adds rows [first, last)'s outer products to the upper triangle. */
export function addRows(first: i32, last: i32, p: i32, rowPtr: usize, col: usize, val: usize, gram: usize): void {
  for (let i = first; i < last; i++) {
    const end = ldi(rowPtr, i + 1);
    for (let a = ldi(rowPtr, i); a < end; a++) {
      const va = ld(val, a);
      const row = gram + ((<usize>(ldi(col, a) * p)) << 3);
      let b = a;
      for (; b + 3 < end; b += 4) {
        const c0 = ldi(col, b);
        const c1 = ldi(col, b + 1);
        const c2 = ldi(col, b + 2);
        const c3 = ldi(col, b + 3);
        add(row, c0, va * ld(val, b));
        add(row, c1, va * ld(val, b + 1));
        add(row, c2, va * ld(val, b + 2));
        add(row, c3, va * ld(val, b + 3));
      }
      for (; b < end; b++) add(row, ldi(col, b), va * ld(val, b));
    }
  }
}

/** G - n m m^T on the upper triangle, mirrored to the lower. */
export function center(n: i32, p: i32, mean: usize, gram: usize): void {
  for (let j = 0; j < p; j++) {
    const mj = ld(mean, j) * <f64>n;
    for (let k = j; k < p; k++) {
      const g = ld(gram, j * p + k) - mj * ld(mean, k);
      store<f64>(gram + ((<usize>(j * p + k)) << 3), g);
      store<f64>(gram + ((<usize>(k * p + j)) << 3), g);
    }
  }
}

/**
 * out[i] = the gathered dot product of Gram row rows[i] with d over the columns idx (n of
 * them), for i < count: vec.ts gatherDot's four running sums, its tail on the first, added
 * left to right, so the same values. The Newton steps of the LASSO solver bring q up to date
 * this way for every working-set member off the face: hundreds of rows by hundreds of columns
 * a step on the dictionary classifier.
 */
export function gatherDots(gram: usize, p: i32, rows: usize, count: i32, idx: usize, d: usize, n: i32, out: usize): void {
  for (let i = 0; i < count; i++) {
    const base = gram + ((<usize>(ldi(rows, i) * p)) << 3);
    let s0: f64 = 0;
    let s1: f64 = 0;
    let s2: f64 = 0;
    let s3: f64 = 0;
    let c = 0;
    for (; c + 3 < n; c += 4) {
      s0 += ld(base, ldi(idx, c)) * ld(d, c);
      s1 += ld(base, ldi(idx, c + 1)) * ld(d, c + 1);
      s2 += ld(base, ldi(idx, c + 2)) * ld(d, c + 2);
      s3 += ld(base, ldi(idx, c + 3)) * ld(d, c + 3);
    }
    for (; c < n; c++) s0 += ld(base, ldi(idx, c)) * ld(d, c);
    store<f64>(out + (<usize>i << 3), s0 + s1 + s2 + s3);
  }
}
