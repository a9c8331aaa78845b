import { flops } from './flops.js';
import { instantiate, WASM_PAGE, type WasmGlobal, type WasmMemory } from './wasm.js';

/**
 * The homotopy coder of homotopy.ts compiled to WebAssembly with 128-bit SIMD (source:
 * assembly/homotopy.ts, built by `npm run build` into dist/wasm/). The same operations in
 * the same order, so the same codes to the last bit (test/homotopy-wasm.test.ts), at about
 * half the time per patch: in JavaScript the K x |A| product of each step runs one value at
 * a time with a bounds check per load; here two atoms a lane pair, on raw memory.
 *
 * Each coder owns one small memory (the Gram, the factor and K-vectors: about 16 K^2 bytes,
 * plus the block buffers of codeBlock: the transposed dictionary, 64 signals and their codes),
 * so a coder per thread needs no locking. solve() takes one signal's correlations and gives its
 * code; codeBlock() takes 64 signals and computes their correlations too, one call a block
 * (what lassoCodes uses: no call or copy per signal).
 */
export class WasmHomotopy {
  private readonly ex: HomotopyExports;
  private readonly memory: WasmMemory;
  private mem: Float64Array;
  private readonly gOff: number;
  private readonly cOff: number;
  private readonly aOff: number;
  private gram: Float64Array | undefined;
  /** Where the block buffers start (bytes), and the dictionary and signal length they were laid out for. */
  private readonly blockBase: number;
  private block: BlockLayout | undefined;
  private dictionary: Float64Array | undefined;

  constructor(readonly K: number) {
    const f64 = 8;
    const kk = K * K * f64;
    const vec = K * f64;
    // byte offsets: G, L, then idx (i32), corr, u, d, tmp, c in, a out, blocked (f64 flags), y, then sign (i8)
    const layout = { G: 0, L: kk, idx: 2 * kk, corr: 2 * kk + vec, u: 2 * kk + 2 * vec, d: 2 * kk + 3 * vec, tmp: 2 * kk + 4 * vec, c: 2 * kk + 5 * vec, a: 2 * kk + 6 * vec, blocked: 2 * kk + 7 * vec, y: 2 * kk + 8 * vec, sign: 2 * kk + 9 * vec };
    const bytes = layout.sign + K;
    const { exports, memory } = instantiate<HomotopyExports>('homotopy', bytes);
    this.ex = exports;
    this.memory = memory;
    this.blockBase = Math.ceil(bytes / 16) * 16;
    this.ex.setup(K, layout.G, layout.L, layout.idx, layout.corr, layout.u, layout.d, layout.tmp, layout.sign, layout.blocked, layout.y);
    this.mem = new Float64Array(memory.buffer);
    this.gOff = layout.G / f64;
    this.cOff = layout.c;
    this.aOff = layout.a;
  }

  /** Steps taken over every solve (one per event on the path, plus one per signal). */
  get steps(): number {
    return this.ex.steps.value;
  }

  /** ||x - D^T a||^2 of the last solve's code. */
  get residual2(): number {
    return this.ex.residual2.value;
  }

  /** Homotopy.solve's contract: the code of the signal with correlations c[cOff .. cOff+K) into a[aOff .. aOff+K). */
  solve(G: Float64Array, c: Float64Array, cOff: number, xx: number, alpha: number, a: Float64Array, aOff: number, maxSteps = 8 * this.K): number {
    const { K, mem } = this;
    // the Gram is copied when another array is passed (every caller computes a fresh one per
    // dictionary); a caller that rewrites one in place must call useGram
    if (G !== this.gram) this.useGram(G);
    mem.set(c.subarray(cOff, cOff + K), this.cOff / 8);
    const value = this.ex.solve(this.cOff, xx, alpha, this.aOff, maxSteps);
    a.set(mem.subarray(this.aOff / 8, this.aOff / 8 + K), aOff);
    flops.value += this.ex.work.value;
    this.ex.work.value = 0;
    return value;
  }

  /** Copies the K x K Gram into the coder's memory. */
  useGram(G: Float64Array): void {
    if (G.length !== this.K * this.K) throw new Error(`homotopy: a Gram of ${G.length} values, not ${this.K} x ${this.K}`);
    this.mem.set(G, this.gOff);
    this.gram = G;
    this.dictionary = undefined;
  }

  /**
   * Codes m signals of X (P values each, from signal `first`) against D (K x P) with its Gram
   * G, as solve() would one at a time after correlate(): codes into codes[codesOff ..], each
   * signal's objective (NaN: its path did not close) into values and its ||x - D^T a||^2 into
   * residual2, all from index 0. m is at most BLOCK_SIGNALS. D is copied (transposed) with G:
   * callers derive a fresh G from every dictionary they code against, so a new G is also
   * what tells an in-place rewrite of D.
   */
  codeBlock(D: Float64Array, G: Float64Array, P: number, X: Float64Array, first: number, m: number, alpha: number, codes: Float64Array, codesOff: number, values: Float64Array, residual2: Float64Array, maxSteps = 8 * this.K): void {
    const { K } = this;
    if (m > BLOCK_SIGNALS) throw new Error(`homotopy: a block of ${m} signals, at most ${BLOCK_SIGNALS}`);
    if (G !== this.gram) this.useGram(G);
    const b = this.layoutFor(P);
    if (D !== this.dictionary) {
      const mem = this.mem;
      const dt = b.dt / 8;
      for (let k = 0; k < K; k++) for (let t = 0; t < P; t++) mem[dt + t * K + k] = D[k * P + t];
      this.ex.setDictionary(b.dt, P);
      this.dictionary = D;
    }
    const mem = this.mem;
    mem.set(X.subarray(first * P, (first + m) * P), b.x / 8);
    this.ex.codeBlock(b.x, m, b.c, alpha, b.out, b.values, b.res, maxSteps);
    codes.set(mem.subarray(b.out / 8, b.out / 8 + m * K), codesOff);
    values.set(mem.subarray(b.values / 8, b.values / 8 + m));
    residual2.set(mem.subarray(b.res / 8, b.res / 8 + m));
    flops.value += 2 * m * K * P + this.ex.work.value;
    this.ex.work.value = 0;
  }

  /** The block buffers for signals of P values, growing the memory the first time P is seen. */
  private layoutFor(P: number): BlockLayout {
    if (this.block?.P === P) return this.block;
    const { K } = this;
    const f64 = 8;
    const dt = this.blockBase;
    const x = dt + P * K * f64;
    const c = x + BLOCK_SIGNALS * P * f64;
    const out = c + 2 * K * f64;
    const values = out + BLOCK_SIGNALS * K * f64;
    const res = values + BLOCK_SIGNALS * f64;
    const end = res + BLOCK_SIGNALS * f64;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
      this.mem = new Float64Array(this.memory.buffer);
    }
    this.block = { P, dt, x, c, out, values, res };
    this.dictionary = undefined;
    return this.block;
  }
}

/** Signals a codeBlock call takes at most (64 x 81 values of 9x9 patches: 41 KB). */
export const BLOCK_SIGNALS = 64;

interface BlockLayout {
  readonly P: number;
  readonly dt: number;
  readonly x: number;
  readonly c: number;
  readonly out: number;
  readonly values: number;
  readonly res: number;
}

interface HomotopyExports {
  readonly steps: WasmGlobal;
  readonly work: WasmGlobal;
  readonly residual2: WasmGlobal;
  setup(K: number, G: number, L: number, idx: number, corr: number, u: number, d: number, tmp: number, sign: number, blocked: number, y: number): void;
  solve(c: number, xx: number, alpha: number, a: number, maxSteps: number): number;
  setDictionary(dt: number, P: number): void;
  codeBlock(x: number, m: number, c: number, alpha: number, out: number, values: number, res: number, maxSteps: number): void;
}

