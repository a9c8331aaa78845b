/**
 * The percentile bootstrap of medians that the claims used before they were paired: kept
 * here only so that test/claims.test.ts can show why it was dropped (with 3 to 5 repeats
 * its "95%" interval is the sample's range, and resampling the two sides independently
 * ignores that they share a seed and a split).
 */
import { Rng } from '../../src/util/rng.js';
import { median } from '../../src/report/stats.js';

/** A median with a bootstrap 95% percentile interval. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

const RESAMPLES = 2000;

function resampledMedian(values: readonly number[], rng: Rng): number {
  const s = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) s[i] = values[rng.nextInt(values.length)];
  return median(s);
}

function percentiles(xs: number[]): [number, number] {
  xs.sort((a, b) => a - b);
  const at = (q: number): number => xs[Math.min(xs.length - 1, Math.max(0, Math.round(q * (xs.length - 1))))];
  return [at(0.025), at(0.975)];
}

/**
 * Median of the repeats and its bootstrap 95% interval (percentile method, seeded, so the
 * same records give byte-identical reports). One value gives a degenerate interval.
 */
export function bootstrapMedian(values: readonly number[], seed = 1): Interval {
  const rng = new Rng(seed);
  const draws = Array.from({ length: RESAMPLES }, () => resampledMedian(values, rng));
  const [low, high] = percentiles(draws);
  return { value: median(values), low, high, n: values.length };
}

/** Ratio of two medians, each side resampled on its own. */
export function bootstrapRatio(numerator: readonly number[], denominator: readonly number[], seed = 1): Interval {
  const rng = new Rng(seed);
  const draws = Array.from({ length: RESAMPLES }, () => resampledMedian(numerator, rng) / resampledMedian(denominator, rng));
  const [low, high] = percentiles(draws);
  return { value: median(numerator) / median(denominator), low, high, n: Math.min(numerator.length, denominator.length) };
}
