import { createRequire } from 'node:module';
import type tQuantileFn from '@stdlib/stats-base-dists-t-quantile';
import { MIN_N_FOR_INTERVAL, rangeOf, type Interval } from './stats.js';

/**
 * Intervals for figures measured in pairs: the two sides of one round or one seed share
 * everything but the thing compared (the machine's state, the split), so the per-pair
 * ratios or differences carry the comparison and the pair-to-pair noise cancels.
 */
export interface PairedRatio extends Interval {
  /** Standard deviation of the log ratios (the pair-to-pair noise); 0 for one pair. */
  readonly logSd: number;
}

const require = createRequire(import.meta.url);
let tQuantileLoaded: typeof tQuantileFn | undefined;
/** @stdlib's Student-t quantile, required on first use: its ~100 modules took ~0.3 s of every command's start-up. */
const tQuantile = (p: number, v: number): number => (tQuantileLoaded ??= require('@stdlib/stats-base-dists-t-quantile') as typeof tQuantileFn)(p, v);

function tInterval(xs: readonly number[], level: number): { mean: number; sd: number; half: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  // Student-t quantile from @stdlib, not an approximation of ours
  const half = n > 1 ? tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n)) : 0;
  return { mean, sd, half };
}

/**
 * Ratios compared on the log scale, where a 2x and a 0.5x are equally far from 1 and
 * multiplicative timing noise is roughly symmetric: the geometric mean with a Student-t
 * interval on the mean log ratio. Valid for small N when the log ratios are roughly
 * normal; unlike a bootstrap percentile interval it does not shrink to the sample's range
 * at N = 3 to 5. Fewer than `minN` pairs give the range, called the range of N.
 */
export function pairedLogRatio(ratios: readonly number[], level = 0.95, minN = MIN_N_FOR_INTERVAL): PairedRatio {
  const n = ratios.length;
  if (n === 0) throw new Error('pairedLogRatio: no pairs');
  if (ratios.some((r) => !(r > 0) || !Number.isFinite(r))) throw new Error(`pairedLogRatio: ratios must be positive and finite, got ${ratios.join(', ')}`);
  const { mean, sd, half } = tInterval(ratios.map(Math.log), level);
  if (n < minN) return { ...rangeOf(ratios, Math.exp(mean)), logSd: sd };
  return {
    value: Math.exp(mean),
    low: Math.exp(mean - half),
    high: Math.exp(mean + half),
    n,
    level,
    method: `t-interval on log ratios, ${Math.round(level * 100)}%, N=${n}`,
    logSd: sd,
  };
}

/** Paired differences (an accuracy gap per seed): the mean with its Student-t interval, or the range below `minN`. */
export function pairedDifference(diffs: readonly number[], level = 0.95, minN = MIN_N_FOR_INTERVAL): Interval {
  const n = diffs.length;
  if (n === 0) throw new Error('pairedDifference: no pairs');
  const { mean, half } = tInterval(diffs, level);
  if (n < minN) return rangeOf(diffs, mean);
  return { value: mean, low: mean - half, high: mean + half, n, level, method: `t-interval on paired differences, ${Math.round(level * 100)}%, N=${n}` };
}
