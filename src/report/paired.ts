import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * An interval for a ratio measured in pairs (the two sides of one round or one seed share
 * everything but the thing compared). Ratios are compared on the log scale, where a 2x and
 * a 0.5x are equally far from 1 and multiplicative noise is roughly symmetric.
 */
export interface PairedRatio {
  /** Geometric mean of the per-pair ratios. */
  readonly ratio: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
  /** Confidence level, or null when there are too few pairs for one (then low/high are the range). */
  readonly level: number | null;
  /** How low/high were obtained, with N, for every table that prints them. */
  readonly method: string;
  /** Standard deviation of the log ratios (the pair-to-pair noise); 0 for one pair. */
  readonly logSd: number;
}

/** Fewest pairs for which a t-interval is given; below it the raw range is shown, called a range. */
export const MIN_PAIRS_FOR_INTERVAL = 2;

/**
 * Student-t interval on the mean log ratio (quantiles from @stdlib's t distribution, not
 * an approximation of ours). Valid for small N when the log ratios are roughly normal, which
 * multiplicative timing noise is; unlike a bootstrap percentile interval it does not shrink
 * to the sample's range when N is 3 to 5.
 */
export function pairedLogRatio(ratios: readonly number[], level = 0.95): PairedRatio {
  const n = ratios.length;
  if (n === 0) throw new Error('pairedLogRatio: no pairs');
  if (ratios.some((r) => !(r > 0) || !Number.isFinite(r))) throw new Error(`pairedLogRatio: ratios must be positive and finite, got ${ratios.join(', ')}`);
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  if (n < MIN_PAIRS_FOR_INTERVAL) {
    return { ratio: Math.exp(mean), low: Math.min(...ratios), high: Math.max(...ratios), n, level: null, method: `range of ${n}`, logSd: sd };
  }
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return {
    ratio: Math.exp(mean),
    low: Math.exp(mean - half),
    high: Math.exp(mean + half),
    n,
    level,
    method: `t-interval on log ratios, ${Math.round(level * 100)}%, N=${n}`,
    logSd: sd,
  };
}
