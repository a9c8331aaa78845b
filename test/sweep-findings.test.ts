import { describe, expect, it } from 'vitest';
import { sweepFindings, sweepSection } from '../src/report/sweep.js';
import { entry, record } from './helpers/records.js';

describe("a sweep's findings", () => {
  it('judge each point as the verdicts do, state the crossover, and pair inference by seed', () => {
    // LASSO 10x faster at 100 images, half as fast at 1,000; as accurate at both; 5 seeds each
    const results = [100, 1000].flatMap((n) =>
      [0, 1, 2, 3, 4].flatMap((k) => {
        const wobble = 1 + 0.01 * k;
        const at = (runner: 'cnn' | 'lasso', seconds: number, accuracy: number, inferenceSeconds: number) => ({
          ...entry(runner, seconds * wobble, accuracy, k),
          point: { trainSize: n },
          inference: { items: 1000, seconds: inferenceSeconds * wobble, cpuSeconds: inferenceSeconds, joules: 1, method: 'estimated:tdp-per-core' },
        });
        return n === 100 ? [at('cnn', 10, 0.9, 0.2), at('lasso', 1, 0.9, 0.01)] : [at('cnn', 1, 0.9, 0.2), at('lasso', 2, 0.9, 0.01)];
      }),
    );
    const sweep = { ...record('sweep', results), sweep: { axes: [{ name: 'trainSize', values: [100, 1000] }] } };
    const [f] = sweepFindings(sweep);
    expect(f.points.map((p) => [p.value, p.claim.pairs, p.claim.parts.speed, p.claim.parts.accuracy])).toEqual([
      [100, 5, true, true],
      [1000, 5, false, true],
    ]);
    expect(f.crossovers.speed).toBe('sparse at least 4x faster: holds at trainSize <= 100, fails from 1000: crossover in [100, 1000]');
    expect(f.crossovers.accuracy).toMatch(/holds at every point/);
    expect(f.points[0].inference?.ratio.value).toBeCloseTo(20, 6);
    expect(sweepSection([sweep]).join('\n')).toMatch(/\| 100 \| cnn \| 5 \| 10x \[.*\| 0\.01\d* \(20x \[20x, 20x\]\) \| holds \| undecided \| holds \|/);
  });
});
