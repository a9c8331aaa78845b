import { describe, expect, it } from 'vitest';
import { expectedMax, tuningCurves, tuningSection, TUNED_WITHIN } from '../src/report/tuning.js';
import { entry, record } from './helpers/records.js';

/** The expected best of n draws with replacement, by enumerating all N^n sequences. */
function bruteForce(values: readonly number[], n: number): number {
  let sum = 0;
  let count = 0;
  const walk = (depth: number, best: number): void => {
    if (depth === n) {
      sum += best;
      count++;
      return;
    }
    for (const v of values) walk(depth + 1, Math.max(best, v));
  };
  walk(0, -Infinity);
  return sum / count;
}

describe('cost to a tuned model (expected maximum, Dodge et al. 2019)', () => {
  it('equals brute-force enumeration of every sequence of n trials, ties included', () => {
    for (const values of [[0.9], [0.5, 0.7], [0.81, 0.9, 0.9, 0.62], [0.3, 0.95, 0.7, 0.7, 0.1]]) {
      for (let n = 1; n <= 5; n++) expect(expectedMax(values, n)).toBeCloseTo(bruteForce(values, n), 12);
    }
  });

  it('stand-in runners of known trial costs: each trial scored on validation, the cost n x the mean trial, tuned within 1 point', () => {
    // a sparse runner tuned over lasso.alpha (2 settings x 2 seeds) and a deep one over torch.learningRate, trial costs known;
    // the test accuracy (the entry's `accuracy`) differs from the validation score and must play no part
    const trial = (runner: 'lasso' | 'cnn', setting: Record<string, number>, repeat: number, seconds: number, validation: number) => {
      const e = entry(runner, seconds, 0.5, repeat);
      return { ...e, point: setting, curve: [{ ...e.curve[0], metric: validation - 0.1 }, { seconds, cpuSeconds: seconds, metric: validation, step: 2 }] };
    };
    const results = [
      trial('lasso', { 'lasso.alpha': 1e-3 }, 0, 1, 0.8),
      trial('lasso', { 'lasso.alpha': 1e-3 }, 1, 3, 0.82),
      trial('lasso', { 'lasso.alpha': 1e-2 }, 0, 2, 0.6),
      trial('lasso', { 'lasso.alpha': 1e-2 }, 1, 2, 0.65),
    ];
    const sweep = { ...record('tune', results), sweep: { axes: [{ name: 'lasso.alpha', values: [1e-3, 1e-2] }] } };
    const [c] = tuningCurves(sweep);
    expect(c.runner).toBe('lasso');
    expect(c.space).toBe('lasso.alpha');
    expect(c.best).toBe(0.82);
    const values = [0.8, 0.82, 0.6, 0.65];
    expect(c.curve.map((p) => p.expectedBest)).toEqual(values.map((_, k) => expect.closeTo(bruteForce(values, k + 1), 12)));
    expect(c.curve.map((p) => p.seconds)).toEqual([2, 4, 6, 8]);
    const tuned = c.curve.find((p) => bruteForce(values, p.n) >= 0.82 - TUNED_WITHIN);
    expect(c.tuned.n).toBe(tuned?.n ?? 4);
    expect(tuningSection([sweep]).join('\n')).toMatch(/\*\*mnist: lasso\*\* \(sparse; 4 trials over lasso\.alpha/);
    // a sweep over the training size tunes nothing
    expect(tuningCurves({ ...sweep, sweep: { axes: [{ name: 'trainSize', values: [50] }] } })).toEqual([]);
  });
});
