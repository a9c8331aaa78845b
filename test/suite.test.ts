import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRun, runSuite } from '../src/suite/run.js';
import { expandSuite } from '../src/suite/suites.js';

const dir = (): string => join(mkdtempSync(join(tmpdir(), 'sb-suite-')), 'results');

describe('planRun', () => {
  it('gives every runner of a repeat the same seed, and each repeat its own', () => {
    const cells = planRun({ suite: 'default', datasets: ['mnist'], repeats: 3, seed: 10, backend: 'auto', resultsDir: dir() });
    expect(cells.map((c) => `${c.runner}:${c.seed}`)).toEqual(['cnn:10', 'lasso:10', 'dictionary:10', 'cnn:11', 'lasso:11', 'dictionary:11', 'cnn:12', 'lasso:12', 'dictionary:12']);
    expect(cells.every((c) => c.trainSize === 8000 && c.validationSize === 1000 && c.testSize === 1000)).toBe(true);
  });

  it('splits a suite into disjoint shards that cover it', () => {
    const all = planRun({ suite: 'default', repeats: 3, seed: 1, backend: 'auto', resultsDir: dir() });
    const shards = [1, 2, 3, 4].map((index) => planRun({ suite: 'default', repeats: 3, seed: 1, backend: 'auto', resultsDir: dir(), shard: { index, count: 4 } }));
    const key = (c: { runner: string; repeat: number }) => `${c.runner}#${c.repeat}`;
    expect(shards.flat().map(key).sort()).toEqual(all.map(key).sort());
    expect(() => planRun({ suite: 'quick', seed: 1, backend: 'auto', resultsDir: dir(), shard: { index: 3, count: 2 } })).toThrow(/^shard must be I\/N/);
    expect(() => planRun({ suite: 'quick', seed: 1, backend: 'auto', resultsDir: dir(), shard: { index: 6, count: 6 } })).toThrow(/has no cells/);
  });

  it('filters by runner and dataset', () => {
    const cells = planRun({ suite: 'quick', runners: ['lasso'], seed: 1, backend: 'auto', resultsDir: dir() });
    expect(cells.map((c) => c.runner)).toEqual(['lasso']);
  });
});

describe('default suite (the acceptance figures of npm run bench)', () => {
  it('CNN reaches >= 0.90, LASSO >= 0.83 and the dictionary model >= 0.95 test accuracy on the same 8,000/1,000/1,000 split, on wasm, their curves on validation', async () => {
    const { record } = await runSuite({ suite: 'default', datasets: ['mnist'], repeats: 1, seed: 42, backend: 'auto', resultsDir: dir() });
    const dictionary = record.results.find((r) => r.runner === 'dictionary')!;
    expect(dictionary.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(dictionary.split).toEqual(record.results[0].split);
    expect(dictionary.split).toEqual({ train: 8000, validation: 1000, test: 1000, seed: 42 });
    expect(dictionary.metrics.atoms).toBe(64);
    const cnn = record.results.find((r) => r.runner === 'cnn')!;
    const lasso = record.results.find((r) => r.runner === 'lasso')!;
    expect(cnn.backend?.name).toBe('wasm');
    expect(cnn.split).toEqual(lasso.split);
    expect(cnn.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(lasso.accuracy).toBeGreaterThanOrEqual(0.83);
    expect(cnn.curve.map((c) => Math.round(c.step * 1000) / 1000)).toEqual([0, 0.104, 0.2, 0.304, 0.4, 0.504, 0.6, 0.704, 0.8, 0.904, 1, 2]);
    // learning-curve time is monotone and ends at the metered training time
    for (const r of [cnn, lasso]) {
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i].seconds).toBeGreaterThanOrEqual(r.curve[i - 1].seconds);
      expect(r.curve[r.curve.length - 1].seconds).toBeLessThanOrEqual(r.measurement.seconds);
    }
    expect(lasso.metrics.converged).toBe(1);
    // the curves read the 1,000 validation digits (accuracies in steps of 1/1000), the reported
    // figure the 1,000 test digits: two different sets, so the figures differ somewhere
    for (const r of [cnn, lasso, dictionary]) for (const p of r.curve) expect(Math.abs(p.metric * 1000 - Math.round(p.metric * 1000))).toBeLessThan(1e-9);
    expect([cnn, lasso, dictionary].some((r) => r.curve[r.curve.length - 1].metric !== r.accuracy)).toBe(true);
    // inference on the 1,000 test digits, each in a window of its own, its energy labelled
    for (const r of [cnn, lasso, dictionary]) {
      expect(r.inference?.items).toBe(1000);
      expect(r.inference?.seconds).toBeGreaterThan(0);
      expect(r.inference?.method).toMatch(/^(estimated|measured):/);
    }
    // coding the test images is inference for the dictionary model: it is not in the training window
    expect(dictionary.inference!.seconds).toBeGreaterThan(lasso.inference!.seconds);
    // FLOPs: the CNN's analytic count, the solver's counted one (at least its Gram matrix)
    expect(cnn.metrics.flops).toBe((3 * (97344 + 278784 + 8000) - 97344) * 8000 * 2);
    expect(lasso.metrics.flops).toBeGreaterThan(8000 * 100 * 100);
    expect(lasso.metrics.pfsDays).toBeCloseTo(lasso.metrics.flops / 8.64e19, 25);
    expect(lasso.metrics.nonzeros).toBeLessThan(lasso.metrics.coefficients);
  }, 240_000); // ~40 s alone; test files share the 2 cores, so allow for contention
});

describe('repeats', () => {
  it('the default suite repeats every claim cell 5 times, the cheap LASSO cell and its deep side 10, and the tfjs runners once beside a PyTorch peer of their task', () => {
    const peer = [
      { name: 'torch', family: 'deep' as const, command: 'true {split}' },
      { name: 'torch-autoencoder', family: 'deep' as const, task: 'detection' as const, command: 'true {split}' },
    ];
    const cells = planRun({ suite: 'default', seed: 42, backend: 'auto', resultsDir: dir(), externals: peer });
    const count = (runner: string) => cells.filter((c) => c.runner === runner).length;
    expect(['lasso', 'dictionary', 'sparse-detector', 'torch', 'torch-autoencoder'].map(count)).toEqual([10, 5, 5, 10, 5]);
    // seeds 47-51 train only the LASSO runner and its pair
    expect(new Set(cells.filter((c) => c.seed >= 47).map((c) => c.runner))).toEqual(new Set(['lasso', 'torch']));
    expect(['cnn', 'autoencoder'].map(count)).toEqual([1, 1]);
    // seed-major: every runner of a seed before the next seed
    expect(cells.map((c) => c.seed)).toEqual([...cells.map((c) => c.seed)].sort((a, b) => a - b));
    // without a peer the tfjs runners are the deep-learning side of the claims: as many repeats as the sparse cells they pair with
    const alone = planRun({ suite: 'default', seed: 42, backend: 'auto', resultsDir: dir() });
    expect(alone.filter((c) => c.runner === 'cnn')).toHaveLength(10);
    expect(alone.filter((c) => c.runner === 'autoencoder')).toHaveLength(5);
    // --repeats is taken as given
    expect(planRun({ suite: 'default', repeats: 3, seed: 42, backend: 'auto', resultsDir: dir(), externals: peer }).filter((c) => c.runner === 'cnn')).toHaveLength(3);
  });
});

describe('suites as data', () => {
  it('expandSuite: each dataset (its entry\'s sizes unless the suite gives them) with its task\'s runners in order, overrides applied to the cells they name', () => {
    const suite = expandSuite({
      name: 'quick',
      description: 'test',
      repeats: 2,
      datasets: [{ name: 'defects' }, { name: 'mnist', sizes: { trainSize: 100, validationSize: 20, testSize: 30 } }],
      runners: ['lasso', 'sparse-detector', 'cnn'],
      overrides: [{ runner: 'cnn', epochs: 3 }, { runner: 'lasso', dataset: 'mnist', repeats: 4 }, { runner: 'lasso', dataset: 'defects', repeats: 9 }],
    });
    expect(suite.entries).toEqual([
      { dataset: 'defects', runner: 'sparse-detector', trainSize: 150, validationSize: 120, testSize: 300 },
      { dataset: 'mnist', runner: 'lasso', trainSize: 100, validationSize: 20, testSize: 30, repeats: 4 },
      { dataset: 'mnist', runner: 'cnn', trainSize: 100, validationSize: 20, testSize: 30, epochs: 3 },
    ]);
  });
});
