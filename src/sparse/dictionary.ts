import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { atomGram, DEFAULT_CODE, lassoCodes, validateSignals } from './coding.js';
import { flops } from './flops.js';

export interface DictionaryOptions {
  readonly atoms: number;
  /** Sparsity of the codes: 0.5 ||x - D^T a||^2 + alpha ||a||_1. */
  readonly alpha: number;
  readonly batchSize: number;
  /** Mini-batches (online) or alternations (batch). */
  readonly iterations: number;
  readonly seed: number;
  /** Duality-gap tolerance of coordinate descent (and of the homotopy's rare fallback). */
  readonly tol: number;
  /**
   * How the codes are solved (CodeOptions.solver): the exact homotopy (default), or
   * coordinate descent to tol. Measured on the sparse detector's learning (32 atoms, 8x8
   * patches, 100 mini-batches of 256): 0.31 s against 0.76 s at tol 1e-4, objective a hair lower.
   */
  readonly solver: 'cd' | 'homotopy';
}

export const DEFAULT_DICTIONARY: DictionaryOptions = { atoms: 64, alpha: 0.1, batchSize: 256, iterations: 200, seed: 0, tol: 1e-4, solver: 'homotopy' };

export interface DictionaryFit {
  /** atoms x P, row-major, every atom of norm <= 1. */
  readonly D: Float64Array;
  readonly atoms: number;
  readonly features: number;
  /** Mean objective of each mini-batch (online: before its update) or of all signals (batch). */
  readonly trace: readonly { iteration: number; objective: number }[];
  /** Atoms replaced by a data sample because the codes stopped using them. */
  readonly resampled: number;
  readonly flops: number;
}

export function validateDictionaryOptions(o: DictionaryOptions, n: number): void {
  const positiveInt = (v: number, flag: string): void => {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${flag} must be a positive integer, got ${v}`);
  };
  positiveInt(o.atoms, '--atoms');
  positiveInt(o.batchSize, '--batch');
  positiveInt(o.iterations, '--iterations');
  if (!(o.alpha > 0)) throw new UsageError(`alpha must be positive, got ${o.alpha}`);
  if (n < o.atoms) throw new UsageError(`${n} signals are fewer than ${o.atoms} atoms`);
}

/** Atoms initialised from distinct random signals, scaled to unit norm (seeded). */
function initialAtoms(X: Float64Array, n: number, P: number, K: number, rng: Rng): Float64Array {
  const D = new Float64Array(K * P);
  const order = rng.shuffle(Uint32Array.from({ length: n }, (_, i) => i));
  let k = 0;
  for (let t = 0; t < n && k < K; t++) {
    const src = order[t] * P;
    let norm = 0;
    for (let j = 0; j < P; j++) norm += X[src + j] ** 2;
    if (norm < 1e-12) continue; // a flat patch carries no direction
    norm = Math.sqrt(norm);
    for (let j = 0; j < P; j++) D[k * P + j] = X[src + j] / norm;
    k++;
  }
  if (k < K) throw new UsageError(`only ${k} of the signals are not flat; fewer than ${K} atoms`);
  return D;
}

/**
 * One block-coordinate pass over the atoms with the sufficient statistics A = sum a a^T
 * (K x K) and B = sum x a^T (P x K, stored atom-major as K x P): each atom moves to the
 * minimiser of its block, u = d_j + (B_j - D^T A_j) / A_jj, projected on the unit ball
 * (Mairal et al. 2010, Algorithm 2). An atom no code uses (A_jj ~ 0) is replaced by a
 * signal from `pool`. Returns how many were replaced.
 */
function updateAtoms(D: Float64Array, A: Float64Array, B: Float64Array, K: number, P: number, pool: Float64Array, poolSize: number, rng: Rng): number {
  let resampled = 0;
  const u = new Float64Array(P);
  for (let j = 0; j < K; j++) {
    const ajj = A[j * K + j];
    if (ajj < 1e-10) {
      const src = rng.nextInt(poolSize) * P;
      let norm = 0;
      for (let t = 0; t < P; t++) norm += pool[src + t] ** 2;
      if (norm > 1e-12) {
        norm = Math.sqrt(norm);
        for (let t = 0; t < P; t++) D[j * P + t] = pool[src + t] / norm;
        resampled++;
      }
      continue;
    }
    // u = d_j + (B_j - sum_k A_kj d_k) / A_jj
    for (let t = 0; t < P; t++) u[t] = B[j * P + t];
    for (let k = 0; k < K; k++) {
      const akj = A[k * K + j];
      if (akj === 0) continue;
      const row = k * P;
      for (let t = 0; t < P; t++) u[t] -= akj * D[row + t];
    }
    flops.value += 2 * K * P;
    let norm = 0;
    for (let t = 0; t < P; t++) {
      u[t] = D[j * P + t] + u[t] / ajj;
      norm += u[t] * u[t];
    }
    const scale = 1 / Math.max(1, Math.sqrt(norm));
    for (let t = 0; t < P; t++) D[j * P + t] = u[t] * scale;
  }
  return resampled;
}

/** A += a a^T, B += a x^T over the rows of a batch, scaled by `keep` first. */
function accumulate(A: Float64Array, B: Float64Array, codes: Float64Array, X: Float64Array, rows: number, K: number, P: number, keep: number): void {
  if (keep !== 1) {
    for (let i = 0; i < A.length; i++) A[i] *= keep;
    for (let i = 0; i < B.length; i++) B[i] *= keep;
  }
  for (let i = 0; i < rows; i++) {
    const a = i * K;
    for (let k = 0; k < K; k++) {
      const ak = codes[a + k];
      if (ak === 0) continue;
      for (let l = 0; l < K; l++) A[k * K + l] += ak * codes[a + l];
      const x = i * P;
      for (let t = 0; t < P; t++) B[k * P + t] += ak * X[x + t];
      flops.value += 2 * (K + P);
    }
  }
}

/** What both learners begin with: validated options, the seeded generator and the initial atoms. */
function start(X: Float64Array, n: number, P: number, options: Partial<DictionaryOptions>) {
  const o = { ...DEFAULT_DICTIONARY, ...options };
  validateSignals(X, n, P);
  validateDictionaryOptions(o, n);
  const flopsAtStart = flops.value;
  const rng = new Rng(o.seed);
  return { o, flopsAtStart, rng, K: o.atoms, D: initialAtoms(X, n, P, o.atoms, rng) };
}

/**
 * Online dictionary learning (Mairal et al. 2009, 2010): for each seeded mini-batch, LASSO
 * codes against the current atoms, the running statistics A and B updated with Mairal's
 * forgetting factor, then one block-coordinate pass over the atoms. Runs in as many
 * slices as the caller likes (`run`), so several learners can advance in turn and be
 * evaluated between slices.
 */
export class OnlineDictionaryLearner {
  readonly D: Float64Array;
  readonly atoms: number;
  readonly trace: { iteration: number; objective: number }[] = [];
  resampled = 0;
  readonly options: DictionaryOptions;
  private readonly rng: Rng;
  /** Counted in run() only, so that learners advanced in turn do not count each other. */
  private ownFlops: number;
  private readonly A: Float64Array;
  private readonly B: Float64Array;
  private readonly batch: Float64Array;
  private readonly codes: Float64Array;
  private readonly bs: number;
  private t = 0;

  constructor(
    private readonly X: Float64Array,
    private readonly n: number,
    private readonly P: number,
    options: Partial<DictionaryOptions> = {},
  ) {
    const s = start(X, n, P, options);
    [this.options, this.rng, this.D, this.atoms] = [s.o, s.rng, s.D, s.K];
    this.ownFlops = flops.value - s.flopsAtStart;
    this.A = new Float64Array(s.K * s.K);
    this.B = new Float64Array(s.K * P);
    this.bs = Math.min(this.options.batchSize, n);
    this.batch = new Float64Array(this.bs * P);
    this.codes = new Float64Array(this.bs * s.K);
  }

  /** Mini-batches done so far. */
  get iterations(): number {
    return this.t;
  }

  /** `count` more mini-batches; `onIteration` sees each batch's objective before its update. */
  run(count: number, onIteration?: (iteration: number, objective: number) => void): void {
    const { A, B, batch, codes, bs, P, X, n, rng, D } = this;
    const K = this.atoms;
    const before = flops.value;
    for (let done = 0; done < count; done++) {
      const t = ++this.t;
      for (let i = 0; i < bs; i++) {
        const src = rng.nextInt(n) * P;
        batch.set(X.subarray(src, src + P), i * P);
      }
      codes.fill(0);
      const { alpha, tol, solver } = this.options;
      const r = lassoCodes(D, K, P, batch, bs, { alpha, tol, maxIter: DEFAULT_CODE.maxIter, solver }, codes, atomGram(D, K, P));
      this.trace.push({ iteration: t, objective: r.objective });
      onIteration?.(t, r.objective);
      // Mairal et al. 2010, section 3.4.2: past batches weigh less while the atoms are young
      const theta = t < bs ? t * bs : bs * bs + t - bs;
      const keep = (theta + 1 - bs) / (theta + 1);
      accumulate(A, B, codes, batch, bs, K, P, t === 1 ? 1 : keep);
      this.resampled += updateAtoms(D, A, B, K, P, batch, bs, rng);
    }
    this.ownFlops += flops.value - before;
  }

  result(): DictionaryFit {
    return { D: this.D, atoms: this.atoms, features: this.P, trace: this.trace, resampled: this.resampled, flops: this.ownFlops };
  }
}

/** Online dictionary learning for `options.iterations` mini-batches (see OnlineDictionaryLearner). */
export function onlineDictionary(
  X: Float64Array,
  n: number,
  P: number,
  options: Partial<DictionaryOptions> = {},
  onIteration?: (iteration: number, objective: number) => void,
): DictionaryFit {
  const learner = new OnlineDictionaryLearner(X, n, P, options);
  learner.run(learner.options.iterations, onIteration);
  return learner.result();
}

/**
 * Batch dictionary learning: alternate LASSO codes of every signal (warm-started) and a
 * block-coordinate pass over the atoms on the full statistics. Each half-step minimises
 * the objective over its block, so the objective never increases.
 */
export function batchDictionary(X: Float64Array, n: number, P: number, options: Partial<DictionaryOptions> = {}): DictionaryFit {
  const { o, flopsAtStart, rng, K, D } = start(X, n, P, options);
  const codes = new Float64Array(n * K);
  const trace: { iteration: number; objective: number }[] = [];
  let resampled = 0;
  for (let t = 1; t <= o.iterations; t++) {
    const r = lassoCodes(D, K, P, X, n, { alpha: o.alpha, tol: o.tol, maxIter: DEFAULT_CODE.maxIter, solver: o.solver }, codes, atomGram(D, K, P));
    trace.push({ iteration: t, objective: r.objective });
    const A = new Float64Array(K * K);
    const B = new Float64Array(K * P);
    accumulate(A, B, codes, X, n, K, P, 1);
    resampled += updateAtoms(D, A, B, K, P, X, n, rng);
  }
  return { D, atoms: K, features: P, trace, resampled, flops: flops.value - flopsAtStart };
}
