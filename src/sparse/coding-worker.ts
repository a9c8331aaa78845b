/**
 * A thread of the coding pool (coding-pool.ts): codes, pools the codes of, or scores the
 * code residuals of, one contiguous range of signals or images held in shared memory, and reports the sums the
 * caller folds (objective, passes, nonzeros) and the FLOPs it did (each thread counts its own).
 */
import { parentPort } from 'node:worker_threads';
import { lassoCodes, type CodeOptions } from './coding.js';
import { pooledFeatures, type PoolingOptions } from './features.js';
import { flops } from './flops.js';
import { patchGrid } from './patches.js';
import { residualScores, type ResidualOptions } from './residuals.js';

export type PoolTask =
  | { kind: 'codes'; D: Float64Array; K: number; P: number; X: Float64Array; codes: Float64Array; start: number; end: number; options: CodeOptions }
  | {
      kind: 'pooled';
      D: Float64Array;
      K: number;
      images: Float32Array | Float64Array;
      height: number;
      width: number;
      features: Float64Array;
      start: number;
      end: number;
      options: PoolingOptions;
    }
  | {
      kind: 'residuals';
      D: Float64Array;
      K: number;
      images: Float32Array | Float64Array;
      height: number;
      width: number;
      scores: Float64Array;
      start: number;
      end: number;
      options: ResidualOptions;
    };

export interface PoolReply {
  readonly objectiveSum: number;
  readonly passes: number;
  readonly fallbacks: number;
  readonly nonzeros: number;
  readonly flops: number;
}

/** The work of one task, on this thread: also how the calling thread does its own share. */
export function runTask(t: PoolTask): PoolReply {
  const before = flops.value;
  if (t.kind === 'codes') {
    const m = t.end - t.start;
    const r = lassoCodes(t.D, t.K, t.P, t.X.subarray(t.start * t.P, t.end * t.P), m, t.options, t.codes.subarray(t.start * t.K, t.end * t.K));
    return { objectiveSum: r.objective * m, passes: r.passes, fallbacks: r.fallbacks ?? 0, nonzeros: 0, flops: flops.value - before };
  }
  const pixels = t.height * t.width;
  const n = t.end - t.start;
  if (t.kind === 'residuals') {
    const { rows, cols } = patchGrid(t.height, t.width, t.options.patch, t.options.stride);
    const perImage = rows * cols;
    residualScores(t.images.subarray(t.start * pixels, t.end * pixels), n, t.height, t.width, t.D, t.K, t.options, t.scores.subarray(t.start * perImage, t.end * perImage));
    return { objectiveSum: 0, passes: 0, fallbacks: 0, nonzeros: 0, flops: flops.value - before };
  }
  const r = pooledFeatures(t.images.subarray(t.start * pixels, t.end * pixels), n, t.height, t.width, t.D, t.K, t.options);
  t.features.set(r.features, t.start * r.count);
  return { objectiveSum: 0, passes: 0, fallbacks: 0, nonzeros: r.nonzeros, flops: flops.value - before };
}

/** A task over ranges [bounds[i], bounds[i + 1]) that threads claim one at a time through the shared counter `next`. */
export interface RangedTask {
  readonly task: PoolTask;
  readonly bounds: readonly number[];
  readonly next: Int32Array;
}

export interface RangeReply {
  readonly range: number;
  readonly reply: PoolReply;
}

/** Claims and runs ranges of the task until none is left; the replies of those this thread ran. */
export function claimRanges(t: RangedTask): RangeReply[] {
  const out: RangeReply[] = [];
  for (;;) {
    const range = Atomics.add(t.next, 0, 1);
    if (range >= t.bounds.length - 1) return out;
    out.push({ range, reply: runTask({ ...t.task, start: t.bounds[range], end: t.bounds[range + 1] }) });
  }
}

parentPort?.on('message', (t: RangedTask) => {
  try {
    parentPort?.postMessage({ ok: true, replies: claimRanges(t) });
  } catch (err) {
    parentPort?.postMessage({ ok: false, message: (err as Error).message });
  }
});
