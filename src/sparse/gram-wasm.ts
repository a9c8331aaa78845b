import { gramFlops, type SparseRows } from './gram.js';
import { flops } from './flops.js';
import { instantiate } from './wasm.js';

/**
 * centeredGram (gram.ts) compiled to WebAssembly (assembly/gram.ts): the same sums in the same
 * order, so the same matrix to the last bit (test/gram-wasm.test.ts), in about half the time
 * on the dictionary classifier's pooled codes. The sparse rows are copied into a memory of
 * the call's own (for 8,000 x 1,152 codes at half density: ~70 MB, ~50 ms to fill) that is
 * dropped when the matrix has been copied out.
 */
export function centeredGramWasm(rows: SparseRows, mean: Float64Array): Float64Array {
  const { n, p, rowPtr, col, val } = rows;
  const nnz = val.length;
  const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;
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
  return new Float64Array(memory.buffer, gramOff, p * p).slice();
}

const ROW_BLOCK = 64;

interface GramExports {
  addRows(first: number, last: number, p: number, rowPtr: number, col: number, val: number, gram: number): void;
  center(n: number, p: number, mean: number, gram: number): void;
}
