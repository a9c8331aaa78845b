import { gramFlops, type SparseRows } from './gram.js';
import { flops } from './flops.js';
import type { GatherDots } from './vec.js';
import { instantiate } from './wasm.js';

/**
 * The centered Gram of centeredGram (gram.ts) computed in WebAssembly (assembly/gram.ts) and
 * kept in a memory of its own, with gatherDots over it for the solver's Newton steps. The
 * same sums in the same order as the JavaScript kernels, so the same values to the last bit
 * (test/gram-wasm.test.ts), in about half the time on the dictionary classifier's pooled
 * codes (8,000 x 1,152, half nonzero).
 */
export class WasmGram {
  /** p x p, row-major: a view of this object's memory, never moved (the memory never grows). */
  readonly gram: Float64Array;
  private readonly ex: GramExports;
  private readonly offsets: { readonly gram: number; readonly rows: number; readonly idx: number; readonly d: number; readonly out: number };
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  private constructor(readonly p: number) {
    const gram = 0;
    const rows = p * p * 8;
    const idx = rows + p * 4;
    const d = align8(idx + p * 4);
    const out = d + p * 8;
    const { exports, memory } = instantiate<GramExports>('gram', out + p * 8);
    this.ex = exports;
    this.offsets = { gram, rows, idx, d, out };
    this.gram = new Float64Array(memory.buffer, gram, p * p);
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }

  /**
   * G = Xc^T Xc from sparse rows and their column means. The rows are copied into a scratch
   * memory (for 8,000 x 1,152 at half density: ~70 MB) that is dropped once the p x p matrix
   * has been copied into this object's own.
   */
  static from(rows: SparseRows, mean: Float64Array): WasmGram {
    const { n, p, rowPtr, col, val } = rows;
    const nnz = val.length;
    const colOff = align8((n + 1) * 4);
    const valOff = align8(colOff + nnz * 4);
    const meanOff = valOff + nnz * 8;
    const gramOff = meanOff + p * 8;
    const { exports, memory } = instantiate<GramExports>('gram', gramOff + p * p * 8);
    new Int32Array(memory.buffer, 0, n + 1).set(rowPtr);
    new Int32Array(memory.buffer, colOff, nnz).set(col);
    new Float64Array(memory.buffer, valOff, nnz).set(val);
    new Float64Array(memory.buffer, meanOff, p).set(mean);
    // blocks of rows, so that V8 swaps in its optimised code after the first few (see assembly/gram.ts)
    for (let first = 0; first < n; first += ROW_BLOCK) exports.addRows(first, Math.min(n, first + ROW_BLOCK), p, 0, colOff, valOff, gramOff);
    exports.center(n, p, meanOff, gramOff);
    flops.value += gramFlops(rows);
    const out = new WasmGram(p);
    out.gram.set(new Float64Array(memory.buffer, gramOff, p * p));
    return out;
  }

  /** GatherDots (vec.ts) computed in WebAssembly: no bounds check per gathered load. */
  readonly gatherDots: GatherDots = (rows, count, idx, d, n, out) => {
    const o = this.offsets;
    this.i32.set(rows.subarray(0, count), o.rows / 4);
    this.i32.set(idx.subarray(0, n), o.idx / 4);
    this.f64.set(d.subarray(0, n), o.d / 8);
    this.ex.gatherDots(o.gram, this.p, o.rows, count, o.idx, o.d, n, o.out);
    out.set(this.f64.subarray(o.out / 8, o.out / 8 + count));
    flops.value += 2 * n * count;
  };
}

/** centeredGram (gram.ts) computed by the compiled kernel: the matrix alone, copied out. */
export function centeredGramWasm(rows: SparseRows, mean: Float64Array): Float64Array {
  return WasmGram.from(rows, mean).gram.slice();
}

const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;

const ROW_BLOCK = 64;

interface GramExports {
  addRows(first: number, last: number, p: number, rowPtr: number, col: number, val: number, gram: number): void;
  center(n: number, p: number, mean: number, gram: number): void;
  gatherDots(gram: number, p: number, rows: number, count: number, idx: number, d: number, n: number, out: number): void;
}
