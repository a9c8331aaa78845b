import { flops } from './flops.js';

// The unrolled vector kernels the solver's hot loops are made of; each counts its FLOPs.

/** y[0..n) += c x[off..off+n), unrolled by four: independent updates let V8 overlap the loads. */
export function axpy(y: Float64Array, c: number, x: Float64Array, off: number, n: number): void {
  flops.value += 2 * n;
  let b = 0;
  for (; b + 3 < n; b += 4) {
    y[b] += c * x[off + b];
    y[b + 1] += c * x[off + b + 1];
    y[b + 2] += c * x[off + b + 2];
    y[b + 3] += c * x[off + b + 3];
  }
  for (; b < n; b++) y[b] += c * x[off + b];
}

/**
 * out[i] = gatherDot(gram, rows[i] * p, idx, d, n) for i < count: many rows of a p x p Gram
 * against one sparse vector. The solver takes it as a function so that a Gram held in
 * WebAssembly memory brings its compiled twin (gram-wasm.ts); gatherDotsOver is this one.
 */
export type GatherDots = (rows: Int32Array, count: number, idx: Int32Array, d: Float64Array, n: number, out: Float64Array) => void;

/** GatherDots over a row-major p x p Gram in JavaScript memory. */
export function gatherDotsOver(gram: Float64Array, p: number): GatherDots {
  return (rows, count, idx, d, n, out) => {
    for (let i = 0; i < count; i++) out[i] = gatherDot(gram, rows[i] * p, idx, d, n);
  };
}

/** sum_c x[off + idx[c]] d[c] for c < n: a row of G against a sparse vector, four accumulators. */
export function gatherDot(x: Float64Array, off: number, idx: Int32Array, d: Float64Array, n: number): number {
  flops.value += 2 * n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += x[off + idx[c]] * d[c];
    s1 += x[off + idx[c + 1]] * d[c + 1];
    s2 += x[off + idx[c + 2]] * d[c + 2];
    s3 += x[off + idx[c + 3]] * d[c + 3];
  }
  for (; c < n; c++) s0 += x[off + idx[c]] * d[c];
  return s0 + s1 + s2 + s3;
}

/** a[off .. off+n) . v[0 .. n), four accumulators so the adds overlap. */
export function dot(a: Float64Array, off: number, v: Float64Array, n: number): number {
  flops.value += 2 * n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[off + k] * v[k];
    s1 += a[off + k + 1] * v[k + 1];
    s2 += a[off + k + 2] * v[k + 2];
    s3 += a[off + k + 3] * v[k + 3];
  }
  for (; k < n; k++) s0 += a[off + k] * v[k];
  return s0 + s1 + s2 + s3;
}

/** Entries of a that are not zero. */
export function countNonzeros(a: Float64Array): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) k++;
  return k;
}
