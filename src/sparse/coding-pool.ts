import { Worker } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import { builtFile } from '../util/package-root.js';
import type { CodeOptions, CodeResult } from './coding.js';
import { claimRanges, runTask, type PoolReply, type PoolTask, type RangedTask, type RangeReply } from './coding-worker.js';
import { pooledCount, type PoolingOptions } from './features.js';
import type { ResidualOptions } from './residuals.js';
import { patchGrid } from './patches.js';
import { flops } from './flops.js';

/**
 * Sparse coding on `threads` threads: this one and threads - 1 worker_threads, inputs and
 * outputs in SharedArrayBuffers so nothing is copied back. On one thread a call is one range;
 * on more, the signals (or images) are cut into CHUNKS_PER_THREAD ranges a thread, and each
 * thread claims the next unclaimed range (an atomic counter) until none is left: the halves
 * of a batch need not cost the same (measured up to a fifth apart on MNIST patches), and a
 * thread slowed by its neighbour on a shared host takes fewer ranges. Each signal's code is
 * independent of the others, so the codes are the same bytes whatever the thread count; the
 * sums a call reports are added range by range in range order, whoever coded them.
 *
 * Written on worker_threads rather than a pool library: the work is a few ranges per call
 * over one shared counter, with no queue or lifetime policy to manage.
 */
export class CodingPool {
  /** Calls run one after another: each uses every thread, and a worker answers one task at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly workers: Worker[],
    /** The thread budget of the runner's training and inference (what its record says it used). */
    readonly threads: number,
  ) {}

  /**
   * A pool of `threads` threads for training and inference (1: no workers, everything on
   * this thread), and `evaluationThreads` for work that runs outside every window (scoring
   * the validation images for the learning curve): evaluation is not measured, so it may use
   * every core without changing any figure of the comparison (undefined: `threads`).
   */
  static async create(threads: number, evaluationThreads = threads): Promise<CodingPool> {
    for (const [name, v] of [['threads', threads], ['evaluationThreads', evaluationThreads]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
    }
    const file = workerFile();
    const workers = Array.from({ length: Math.max(threads, evaluationThreads) - 1 }, () => new Worker(file));
    // a worker that failed to start (a missing build) is an error now, not a hang later
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('online', () => resolve());
      w.once('error', reject);
    })));
    return new CodingPool(workers, threads);
  }

  /** Threads for work outside every window (see create). */
  get evaluationThreads(): number {
    return this.workers.length + 1;
  }

  /**
   * lassoCodes (coding.ts) of m signals, split over the threads. X is copied into shared memory
   * unless it is there already; `out` (m x K in a SharedArrayBuffer), when given, receives the
   * codes instead of a fresh buffer: a caller timing the coding alone keeps both outside its clock.
   */
  async lassoCodes(D: Float64Array, K: number, P: number, X: Float64Array, m: number, o: CodeOptions, threads = this.threads, out?: Float64Array): Promise<CodeResult> {
    const sD = shared(D);
    const sX = shared(X);
    if (out && (!(out.buffer instanceof SharedArrayBuffer) || out.length !== m * K)) throw new Error(`CodingPool.lassoCodes: out must be ${m} x ${K} values in a SharedArrayBuffer`);
    const codes = out ?? new Float64Array(new SharedArrayBuffer(m * K * 8));
    const replies = await this.spread(m, threads, (start, end) => ({ kind: 'codes', D: sD, K, P, X: sX, codes, start, end, options: o }));
    const sum = (f: (r: PoolReply) => number): number => replies.reduce((s, r) => s + f(r), 0);
    const fallbacks = sum((r) => r.fallbacks);
    return { codes, objective: m > 0 ? sum((r) => r.objectiveSum) / m : 0, passes: sum((r) => r.passes), ...(fallbacks ? { fallbacks } : {}) };
  }

  /** pooledFeatures (features.ts) of n images, split over `threads` threads (default: the budget) by image. */
  async pooledFeatures(images: Float32Array | Float64Array, n: number, height: number, width: number, D: Float64Array, K: number, o: PoolingOptions, threads = this.threads): Promise<{ features: Float64Array; count: number; meanNonzeros: number; nonzeros: number }> {
    const count = pooledCount(K, o.cells);
    const features = new Float64Array(new SharedArrayBuffer(n * count * 8));
    const sImages = shared(images);
    const sD = shared(D);
    const replies = await this.spread(n, threads, (start, end) => ({ kind: 'pooled', D: sD, K, images: sImages, height, width, features, start, end, options: o }));
    const nonzeros = replies.reduce((s, r) => s + r.nonzeros, 0);
    const { rows, cols } = patchGrid(height, width, o.patch, o.stride);
    return { features, count, meanNonzeros: nonzeros / (n * rows * cols), nonzeros };
  }

  /** residualScores (residuals.ts) of n images, split over `threads` threads (default: the budget) by image. */
  async residualScores(images: Float32Array | Float64Array, n: number, height: number, width: number, D: Float64Array, K: number, o: ResidualOptions, threads = this.threads): Promise<Float64Array> {
    const { rows, cols } = patchGrid(height, width, o.patch, o.stride);
    const scores = new Float64Array(new SharedArrayBuffer(n * rows * cols * 8));
    const sImages = shared(images);
    const sD = shared(D);
    await this.spread(n, threads, (start, end) => ({ kind: 'residuals', D: sD, K, images: sImages, height, width, scores, start, end, options: o }));
    return scores;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Cuts [0, m) into one range per thread (at most `threads`), the last range on this thread; adds the workers' FLOPs to this thread's count. */
  private spread(m: number, threads: number, task: (start: number, end: number) => PoolTask): Promise<PoolReply[]> {
    const run = this.queue.then(() => this.spreadNow(m, Math.max(1, Math.min(threads, this.evaluationThreads)), task));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The replies of every range, in range order. */
  private async spreadNow(m: number, t: number, task: (start: number, end: number) => PoolTask): Promise<PoolReply[]> {
    if (t === 1) return [runTask(task(0, m))];
    const ranges = Math.min(m, t * CHUNKS_PER_THREAD);
    const bounds = Array.from({ length: ranges + 1 }, (_, i) => Math.round((m * i) / ranges));
    const next = new Int32Array(new SharedArrayBuffer(4));
    const pending = this.workers.slice(0, t - 1).map((w) => ask(w, { task: task(0, 0), bounds, next }));
    // this thread claims ranges too while the workers do (its FLOPs land in the counter directly)
    const own = claimRanges({ task: task(0, 0), bounds, next });
    const theirs = (await Promise.all(pending)).flat();
    const replies: PoolReply[] = new Array(ranges);
    for (const { range, reply } of [...own, ...theirs]) replies[range] = reply;
    for (const r of theirs) flops.value += r.reply.flops;
    return replies;
  }
}

/** Ranges a call is cut into per thread when it has more than one. */
const CHUNKS_PER_THREAD = 8;

function ask(w: Worker, t: RangedTask): Promise<RangeReply[]> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      w.off('message', onMessage);
      reject(err);
    };
    const onMessage = (msg: { ok: true; replies: RangeReply[] } | { ok: false; message: string }): void => {
      w.off('error', onError);
      if (msg.ok) resolve(msg.replies);
      else reject(new Error(`coding thread: ${msg.message}`));
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage(t);
  });
}

/** The same values in shared memory (a view of it when already shared). */
export function shared<T extends Float32Array | Float64Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The compiled worker (see builtFile). */
const workerFile = (): string => builtFile(new URL('./coding-worker.js', import.meta.url), 'sparse/coding-worker.js', 'coding pool worker');
