import { CholeskyFactor } from './cholesky.js';
import { flops } from './flops.js';
import { instantiate, WASM_PAGE, type WasmGlobal, type WasmMemory } from './wasm.js';

/**
 * UpdatableCholesky (cholesky.ts) with its factor in WebAssembly memory and its loops
 * compiled with SIMD (assembly/cholesky.ts): the same operations in the same order, so the
 * same factors, solutions and FLOP counts to the last bit (test/cholesky-wasm.test.ts), in
 * about half the time. The LASSO solver's Newton steps add and remove rows of a support
 * that reaches hundreds (the dictionary classifier's ~1,000 of 1,152 features), each add a
 * forward substitution of r dot products: most of a path's time in JavaScript.
 *
 * Rows are `maxSize` values apart from the start, so growing adds memory pages and never
 * moves a row (the JavaScript class doubles a packed buffer and copies).
 */
export class WasmCholesky extends CholeskyFactor {
  private readonly ex: CholeskyExports;
  private readonly memory: WasmMemory;
  private readonly lOff: number;
  private readonly vOff: number;
  private vec: Float64Array;
  private rows: number;

  constructor(readonly maxSize: number, initialCap = Math.min(maxSize, 64)) {
    const n = Math.max(1, maxSize);
    // byte offsets: idx (i32, padded to 8), vec (f64), then L: `rows` rows of n values
    const idxBytes = Math.ceil((n * 4) / 8) * 8;
    const rows = Math.max(1, Math.min(n, initialCap));
    const { exports, memory } = instantiate<CholeskyExports>('cholesky', idxBytes + n * 8 + rows * n * 8);
    super(new Int32Array(memory.buffer, 0, n));
    this.ex = exports;
    this.memory = memory;
    this.vOff = idxBytes;
    this.lOff = idxBytes + n * 8;
    this.rows = rows;
    this.ex.setup(this.lOff, n, 0, this.vOff);
    this.vec = new Float64Array(memory.buffer, this.vOff, n);
  }

  add(j: number, column: Float64Array, offset: number, diag: number): boolean {
    const r = this.r;
    if (r === this.maxSize) return false;
    if (r === this.rows) this.grow();
    const { idx, vec } = this;
    for (let i = 0; i < r; i++) vec[i] = column[offset + idx[i]];
    const ok = this.ex.addRow(r, diag) === 1;
    this.countFlops();
    if (!ok) return false;
    idx[r] = j;
    this.r = r + 1;
    return true;
  }

  removeAt(k: number): void {
    this.ex.removeRow(this.r, k);
    this.countFlops();
    this.r--;
  }

  solve(b: Float64Array, x: Float64Array): void {
    const { r, vec } = this;
    vec.set(b.subarray(0, r));
    this.ex.solve(r);
    x.set(vec.subarray(0, r));
    this.countFlops();
  }

  private countFlops(): void {
    flops.value += this.ex.work.value;
    this.ex.work.value = 0;
  }

  /** Twice the rows (at most maxSize): new pages after the last row; the views are made anew. */
  private grow(): void {
    const n = Math.max(1, this.maxSize);
    const rows = Math.min(n, this.rows * 2);
    const need = this.lOff + rows * n * 8 - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / WASM_PAGE));
    this.rows = rows;
    this.idx = new Int32Array(this.memory.buffer, 0, n);
    this.vec = new Float64Array(this.memory.buffer, this.vOff, n);
  }
}

interface CholeskyExports {
  readonly work: WasmGlobal;
  setup(L: number, stride: number, idx: number, vec: number): void;
  addRow(r: number, diag: number): number;
  solve(r: number): void;
  removeRow(r: number, k: number): void;
}
