import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secondsToAccuracy } from '../src/report/accuracy-target.js';
import { bootstrapMedian, bootstrapRatio } from '../src/report/bootstrap.js';
import { claims } from '../src/report/claims.js';
import { writeReport } from '../src/report/readme.js';
import type { RunRecord } from '../src/results/schema.js';
import { writeRecord } from '../src/results/store.js';
import { entry, record } from './helpers/records.js';

/** Three repeats of a DL and a sparse runner; energies measured unless said otherwise. */
function run(dlSeconds: number[], sparseSeconds: number[], dlJoules: number[], sparseJoules: number[], sparseAccuracy = 0.91, estimated = false): RunRecord {
  const results = [
    ...dlSeconds.map((s, i) => ({ ...entry('cnn', s, 0.92, i), energy: { ...entry('cnn', s, 0.92, i).energy, joules: dlJoules[i], method: estimated ? 'estimated:tdp-per-core' : 'measured:rapl' } })),
    ...sparseSeconds.map((s, i) => ({
      ...entry('lasso', s, sparseAccuracy, i),
      energy: { ...entry('lasso', s, sparseAccuracy, i).energy, joules: sparseJoules[i], method: estimated ? 'estimated:tdp-per-core' : 'measured:rapl' },
    })),
  ];
  return record('claims', results);
}

describe('bootstrap', () => {
  it('gives the median, a degenerate interval for constant data, and the same draw for the same seed', () => {
    expect(bootstrapMedian([3, 3, 3])).toEqual({ value: 3, low: 3, high: 3, n: 3 });
    const i = bootstrapMedian([1, 2, 3, 4, 100]);
    expect(i.value).toBe(3);
    expect(i.low).toBeGreaterThanOrEqual(1);
    expect(i.high).toBeLessThanOrEqual(100);
    expect(i.low).toBeLessThan(3);
    expect(i.high).toBeGreaterThan(3);
    expect(bootstrapMedian([1, 2, 3, 4, 100])).toEqual(i);
    const r = bootstrapRatio([10, 10, 10], [2, 2, 2]);
    expect([r.value, r.low, r.high]).toEqual([5, 5, 5]);
  });
});

describe('time to accuracy', () => {
  it('interpolates linearly to the first crossing, and is undefined when never reached', () => {
    const curve = [
      { seconds: 0, metric: 0.1 },
      { seconds: 2, metric: 0.7 },
      { seconds: 4, metric: 0.9 },
      { seconds: 6, metric: 0.95 },
    ];
    expect(secondsToAccuracy(curve, 0.8)).toBeCloseTo(3, 12);
    expect(secondsToAccuracy(curve, 0.9)).toBe(4);
    expect(secondsToAccuracy(curve, 0.05)).toBe(0);
    expect(secondsToAccuracy(curve, 0.99)).toBeUndefined();
  });
});

describe('claims verdicts', () => {
  it('reproduced: >= 4x faster, ~1% of the measured energy, comparable accuracy', () => {
    const [c] = claims(run([100, 102, 98], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85]));
    expect(c.verdict).toBe('reproduced');
    expect(c.speed.value).toBe(5);
    expect(c.energy.value).toBeCloseTo(0.009, 6);
    expect(c.reasons.join('\n')).toMatch(/at least 4x faster/);
  });

  it('not reproduced: only 2x faster, and the reason says so', () => {
    const [c] = claims(run([40, 41, 39], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85]));
    expect(c.verdict).toBe('not reproduced');
    expect(c.reasons[0]).toMatch(/not 4x faster: cnn \/ lasso 2x/);
  });

  it('not reproduced: accuracy not comparable', () => {
    const [c] = claims(run([100, 102, 98], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85], 0.85));
    expect(c.verdict).toBe('not reproduced');
    expect(c.reasons[0]).toMatch(/not comparable test accuracy: DL ahead by 7 points/);
  });

  it('inconclusive: energy estimated, not measured', () => {
    const [c] = claims(run([100, 102, 98], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85], 0.91, true));
    expect(c.verdict).toBe('inconclusive');
    expect(c.reasons[0]).toMatch(/energy estimated, not measured/);
  });

  it('inconclusive: the interval spans the claim', () => {
    const [c] = claims(run([60, 100, 140], [20, 20, 20], [10000, 10100, 9900], [90, 95, 85]));
    expect(c.verdict).toBe('inconclusive');
    expect(c.reasons[0]).toMatch(/the interval spans 4x/);
  });
});

describe('report', () => {
  it('is idempotent: the same records give byte-identical README, summary and plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-report-'));
    writeRecord(dir, run([100, 102, 98], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85]));
    const first = await writeReport(dir);
    const files = ['README.md', 'summary.json', ...readdirSync(join(dir, 'plots')).map((f) => join('plots', f))];
    const before = files.map((f) => readFileSync(join(dir, f)));
    await writeReport(dir);
    files.forEach((f, i) => expect(readFileSync(join(dir, f)).equals(before[i]), f).toBe(true));
    expect(first.plots.map((p) => p.name)).toEqual(['mnist-accuracy-energy', 'mnist-time-energy', 'mnist-curves-seconds', 'mnist-curves-joules']);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.indexOf('## Does this run reproduce the claim?')).toBeLessThan(readme.indexOf('## Latest run'));
    expect(readme).toMatch(/\| mnist \| lasso vs cnn \| 5x \[/);
    expect(readme).toMatch(/\*\*reproduced\*\*/);
    expect(readme).toMatch(/New York <-> San Francisco \(1,984 lbs\)/);
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(4);
    expect(readFileSync(join(dir, 'plots', 'mnist-accuracy-energy.svg'), 'utf8')).toMatch(/accuracy against training energy/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { claims: { verdict: string }[] };
    expect(summary.claims[0].verdict).toBe('reproduced');
  });
});
