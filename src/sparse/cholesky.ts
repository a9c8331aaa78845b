import { flops } from './flops.js';
import { dot } from './vec.js';

/**
 * What the solvers use of a factor: UpdatableCholesky below, or its compiled twin
 * WasmCholesky (cholesky-wasm.ts). Both keep the rows' outside indices and their count here.
 */
export abstract class CholeskyFactor {
  protected idx: Int32Array;
  protected r = 0;

  protected constructor(idx: Int32Array) {
    this.idx = idx;
  }

  get size(): number {
    return this.r;
  }

  /** The outside index of row k. */
  index(k: number): number {
    return this.idx[k];
  }

  /** The outside indices of rows 0 .. size-1 (a view, valid until the next add: it may grow). */
  get indices(): Int32Array {
    return this.idx;
  }

  clear(): void {
    this.r = 0;
  }

  /**
   * Appends outside index j. `column[offset + i]` must hold A[i, j] for every outside index
   * i (a row of a symmetric matrix serves), and diag = A[j, j]. Refuses (returns false,
   * unchanged) when the new pivot is not safely positive, i.e. j is (nearly) a combination
   * of the current rows.
   */
  abstract add(j: number, column: Float64Array, offset: number, diag: number): boolean;
  /** Removes row/column k, restoring triangularity with Givens rotations. */
  abstract removeAt(k: number): void;
  /** Solves L L^T x = b for the first `size` entries of b; x may alias b. */
  abstract solve(b: Float64Array, x: Float64Array): void;
}

/**
 * A Cholesky factor L L^T = A of a symmetric positive-definite matrix that grows and
 * shrinks one row/column at a time in O(r^2), for Newton steps on a LASSO support that
 * changes a little from one alpha to the next. L is lower triangular, row-major in a
 * cap x cap buffer; `order` lists which outside index each row stands for.
 */
export class UpdatableCholesky extends CholeskyFactor {
  private cap: number;
  private L: Float64Array;
  private readonly tmp: Float64Array;

  constructor(readonly maxSize: number, initialCap = Math.min(maxSize, 64)) {
    const cap = Math.max(1, initialCap);
    super(new Int32Array(cap));
    this.cap = cap;
    this.L = new Float64Array(this.cap * this.cap);
    this.tmp = new Float64Array(maxSize);
  }

  add(j: number, column: Float64Array, offset: number, diag: number): boolean {
    const r = this.r;
    if (r === this.maxSize) return false;
    if (r === this.cap) this.grow();
    const { L, cap, idx } = this;
    const u = this.tmp;
    // forward substitution L u = A[S, j]
    let uu = 0;
    for (let i = 0; i < r; i++) {
      const ui = (column[offset + idx[i]] - dot(L, i * cap, u, i)) / L[i * cap + i];
      u[i] = ui;
      uu += ui * ui;
    }
    const d = diag - uu;
    if (!(d > 1e-10 * diag)) return false;
    const row = r * cap;
    for (let k = 0; k < r; k++) L[row + k] = u[k];
    L[row + r] = Math.sqrt(d);
    idx[r] = j;
    this.r = r + 1;
    return true;
  }

  removeAt(k: number): void {
    removeFactorRow(this.L, this.cap, this.idx, this.r, k);
    this.r--;
  }

  solve(b: Float64Array, x: Float64Array): void {
    const { L, cap, r } = this;
    for (let i = 0; i < r; i++) x[i] = (b[i] - dot(L, i * cap, x, i)) / L[i * cap + i];
    // back substitution with L^T, row-oriented: x_i /= L_ii, then x_k -= L_ik x_i
    flops.value += r * r;
    for (let i = r - 1; i >= 0; i--) {
      const row = i * cap;
      const xi = x[i] / L[row + i];
      x[i] = xi;
      let k = 0;
      for (; k + 3 < i; k += 4) {
        x[k] -= L[row + k] * xi;
        x[k + 1] -= L[row + k + 1] * xi;
        x[k + 2] -= L[row + k + 2] * xi;
        x[k + 3] -= L[row + k + 3] * xi;
      }
      for (; k < i; k++) x[k] -= L[row + k] * xi;
    }
  }

  private grow(): void {
    const cap = Math.min(this.maxSize, this.cap * 2);
    const L = new Float64Array(cap * cap);
    for (let i = 0; i < this.r; i++) L.set(this.L.subarray(i * this.cap, i * this.cap + i + 1), i * cap);
    const idx = new Int32Array(cap);
    idx.set(this.idx);
    this.cap = cap;
    this.L = L;
    this.idx = idx;
  }
}

/**
 * Removes row and column k of an r-row lower-triangular factor L (row-major, `stride` values
 * a row; `idx` names each row's outside index), restoring triangularity with Givens
 * rotations: the rows below k move up one, each keeping its column-k entry for a moment, and
 * rotating columns (i, i+1) zeroes (i, i+1). Shared by UpdatableCholesky and the homotopy
 * coder's inline factor.
 */
export function removeFactorRow(L: Float64Array, stride: number, idx: Int32Array, r: number, k: number): void {
  for (let i = k; i < r - 1; i++) {
    const dst = i * stride;
    const src = dst + stride;
    for (let c = 0; c <= i + 1; c++) L[dst + c] = L[src + c];
    idx[i] = idx[i + 1];
  }
  flops.value += 3 * (r - 1 - k) * (r - k);
  for (let i = k; i < r - 1; i++) {
    const a = L[i * stride + i];
    const b = L[i * stride + i + 1];
    const h = Math.hypot(a, b);
    const c = a / h;
    const s = b / h;
    for (let t = i; t < r - 1; t++) {
      const row = t * stride;
      const x = L[row + i];
      const y = L[row + i + 1];
      L[row + i] = c * x + s * y;
      L[row + i + 1] = -s * x + c * y;
    }
    // keep the diagonal positive
    if (L[i * stride + i] < 0) for (let t = i; t < r - 1; t++) L[t * stride + i] = -L[t * stride + i];
  }
  for (let t = k; t < r - 1; t++) L[t * stride + r - 1] = 0;
}
