import { createRequire } from 'node:module';
import type binomialCdfFn from '@stdlib/stats-base-dists-binomial-cdf';

const require = createRequire(import.meta.url);
let binomialCdfLoaded: typeof binomialCdfFn | undefined;
/** @stdlib's binomial CDF, required on first use (see tQuantile in paired.ts). */
const binomialCdf = (x: number, n: number, p: number): number => (binomialCdfLoaded ??= require('@stdlib/stats-base-dists-binomial-cdf') as typeof binomialCdfFn)(x, n, p);

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A median (or ratio, or difference) with the interval around it and how it was obtained. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
  /** Confidence actually reached, or null when low/high are only the range of the values. */
  readonly level: number | null;
  /** "range of 3", "order-statistic interval of the median, 97%, N=6", "t-interval ..., N=5". */
  readonly method: string;
}

/** Fewest values for which the reports give a 95% interval: below it they show the range, called the range. */
export const MIN_N_FOR_INTERVAL = 5;

export const rangeOf = (values: readonly number[], value = median(values)): Interval => ({
  value,
  low: Math.min(...values),
  high: Math.max(...values),
  n: values.length,
  level: null,
  method: `range of ${values.length}`,
});

/**
 * The median with a distribution-free interval from order statistics: [x_(k), x_(n+1-k)]
 * covers the true median with probability 1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2) (the
 * binomial CDF from @stdlib). The widest k keeping coverage >= level; N = 5 can reach only
 * 93.75%, so fewer than 6 values give the range, named as such.
 */
export function medianInterval(values: readonly number[], level = 0.95): Interval {
  const n = values.length;
  if (n === 0) return { value: NaN, low: NaN, high: NaN, n: 0, level: null, method: 'no values' };
  const s = [...values].sort((a, b) => a - b);
  let k = 0;
  while (k + 1 <= n / 2 && 1 - 2 * binomialCdf(k, n, 0.5) >= level) k++;
  if (k === 0) return rangeOf(values);
  const coverage = 1 - 2 * binomialCdf(k - 1, n, 0.5);
  return { value: median(values), low: s[k - 1], high: s[n - k], n, level: coverage, method: `order-statistic interval of the median, ${Math.floor(coverage * 100)}%, N=${n}` };
}
