import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../src/datasets/registry.js';
import { makeSplit } from '../src/datasets/split.js';
import { UsageError } from '../src/errors.js';
import { crossover } from '../src/report/sweep.js';
import { unfinishedRuns } from '../src/results/journal.js';
import { cellKey } from '../src/suite/run.js';
import { planSweep } from '../src/suite/sweep.js';
import { peerPlan } from '../src/runners/peers.js';
import { CLI, cli } from './helpers/cli.js';
import { alive } from './helpers/process.js';
import { AXES, base, cells, recordIn, SWEEP, tmp } from './helpers/sweep.js';

describe('sweep: the plan', () => {
  it('is every point of the axes, the first varying slowest, each seed\'s cells together, numbered in plan order', () => {
    const { cells: planned, sweep } = planSweep({ ...base(tmp()), axes: [{ name: 'trainSize', values: [40, 80] }, { name: 'lasso.alpha', values: [1e-3, 1e-2] }] });
    expect(sweep.axes.map((a) => a.name)).toEqual(['trainSize', 'lasso.alpha']);
    expect(planned.map((c) => `${c.point?.trainSize}/${c.point?.['lasso.alpha']}/${c.seed}`)).toEqual([
      '40/0.001/42', '40/0.001/43', '40/0.01/42', '40/0.01/43', '80/0.001/42', '80/0.001/43', '80/0.01/42', '80/0.01/43',
    ]);
    expect(planned.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(planned.every((c) => c.trainSize === c.point?.trainSize && c.settings?.lasso.alpha === c.point?.['lasso.alpha'])).toBe(true);
    // validation and test sizes stay the suite's at every point
    expect(new Set(planned.map((c) => `${c.validationSize}/${c.testSize}`)).size).toBe(1);
  });

  it("tunes each family over its own space by name: the sparse detector's atoms, the PyTorch autoencoder's learning rate", () => {
    const o = { ...base(tmp()), datasets: ['defects'], runners: ['sparse-detector'], repeats: 1, externals: peerPlan('torch') };
    const { cells: planned } = planSweep({ ...o, axes: [{ name: 'sparse-detector.atoms', values: [16, 32] }, { name: 'torch-autoencoder.learningRate', values: [3e-3, 1e-2] }] });
    const at = planned.filter((c) => c.runner === 'torch-autoencoder').map((c) => `${c.settings?.['sparse-detector'].atoms}/${c.settings?.['torch-autoencoder'].learningRate}`);
    expect(at).toEqual(['16/0.003', '16/0.01', '32/0.003', '32/0.01']);
    expect(() => planSweep({ ...o, axes: [{ name: 'torch-autoencoder.momentum', values: [0.9, 0.99] }] })).toThrow(/^torch-autoencoder\.momentum=0\.9: settings torch-autoencoder\.momentum: Unrecognized key/);
  });

  it("gives deep learning the suite's samples seen at a smaller size (epochs x images), unless epochs are set", () => {
    const o = { ...base(tmp()), runners: ['cnn'], repeats: 1, axes: [{ name: 'trainSize', values: [500, 2000] }] };
    expect(planSweep(o).cells.map((c) => c.epochs)).toEqual([4, 1]);
    expect(planSweep({ ...o, epochs: 3 }).cells.map((c) => c.epochs)).toEqual([3, 3]);
  });

  it.each([
    ['a size larger than the dataset', [{ name: 'trainSize', values: [100, 80000] }], /^trainSize=80000: sizes: mnist has \d+ images/],
    ['an unknown option of a runner', [{ name: 'lasso.beta', values: [1, 2] }], /^lasso\.beta=1: settings lasso\.beta: Unrecognized key/],
    ['a value the schema refuses', [{ name: 'lasso.alpha', values: [1e-3, -1] }], /^lasso\.alpha=-1: settings lasso\.alpha: Too small/],
    ['an axis that is no parameter', [{ name: 'depth', values: [1] }], /^axes: unknown axis "depth"/],
    ['a size that is no integer', [{ name: 'trainSize', values: [1.5] }], /^axes trainSize: every value must be a positive integer/],
    ['a value given twice', [{ name: 'trainSize', values: [50, 50] }], /^axes trainSize: a value is given twice/],
  ])('refuses %s before any training, naming the axis', (_what, axes, message) => {
    let err: unknown;
    try {
      planSweep({ ...base(tmp()), axes });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('on the command line: one line naming the flag, exit 2, nothing written', () => {
    const dir = tmp();
    const r = cli([...SWEEP.slice(0, -4), '--set', 'lasso.alpha=1e-3,-1', '--no-sensors', '--results-dir', join(dir, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sparsebench: error: --set lasso\.alpha=-1, --train-size=1000: settings lasso\.alpha: Too small/)]);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  it('splits every point on one test set and one validation set per seed (drawn before the training images)', () => {
    const data = loadDataset('mnist');
    const [small, large] = [50, 2000].map((trainSize) => makeSplit(data, { trainSize, validationSize: 250, testSize: 500, seed: 7, evaluationFirst: true }));
    expect(Buffer.from(small.XTest.buffer).equals(Buffer.from(large.XTest.buffer))).toBe(true);
    expect(Buffer.from(small.XVal.buffer).equals(Buffer.from(large.XVal.buffer))).toBe(true);
    expect(small.yTrain.length).toBe(50);
    // without it, the order every record so far was split in: the test set moves with the training size
    const [a, b] = [50, 2000].map((trainSize) => makeSplit(data, { trainSize, validationSize: 250, testSize: 500, seed: 7 }));
    expect(Buffer.from(a.XTest.buffer).equals(Buffer.from(b.XTest.buffer))).toBe(false);
  });
});

describe('sweep: crossovers', () => {
  const x = [50, 100, 200, 500, 1000];
  it.each([
    [[true, true, null, false, false], 'speed: holds at n <= 100, fails from 500: crossover in [100, 500]; undecided at 200'],
    [[false, false, true, true, true], 'speed: holds at n >= 200, fails up to 100: crossover in [100, 200]'],
    [[true, true, true, true, true], 'speed: holds at every point (n 50..1000): no crossover in range'],
    [[false, false, false, false, false], 'speed: fails at every point (n 50..1000): no crossover in range'],
    [[null, null, null, null, null], 'speed: undecided at every point (n 50..1000): no crossover can be stated'],
    [[true, false, true, false, true], 'speed: no single crossover: holds at 50, 200, 1000, fails at 100, 500'],
    [[null, true, null, true, true], 'speed: never shown to fail (n 50..1000); holds at 100, 500, 1000; undecided at 50, 200: no crossover can be stated'],
  ] as const)('%j', (holds, text) => {
    expect(crossover('speed', 'n', x, holds)).toBe(text);
  });
});

describe('sweep: one journaled run', () => {
  it('kill -9 halfway, then --resume: the record equals an uninterrupted sweep\'s, and no finished cell trains again', async () => {
    const whole = join(tmp(), 'results');
    const done = cli([...SWEEP, '--results-dir', whole]);
    expect(done.code, done.stderr).toBe(0);
    const uninterrupted = recordIn(whole);
    expect(uninterrupted.results).toHaveLength(6);
    expect(uninterrupted.sweep?.axes).toEqual(AXES);

    const results = join(tmp(), 'results');
    const child = spawn(process.execPath, [...CLI, ...SWEEP, '--results-dir', results], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const closed = new Promise((r) => child.on('close', r));
    for (let i = 0; i < 1200 && (stderr.match(/: accuracy /g) ?? []).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    // SIGKILL to the whole group: supervisor and worker die with no chance to clean up
    process.kill(-(child.pid as number), 'SIGKILL');
    await closed;
    const [run] = unfinishedRuns(results).runs;
    // the worker (its pid ends the run's id) dies with its group; wait until the kernel has it gone
    const worker = Number(/-(\d+)$/.exec(run.header.id)?.[1]);
    for (let i = 0; i < 100 && alive(worker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(worker)).toBe(false);
    const before = run.finished;
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(6);

    const resumed = cli([...SWEEP, '--resume', '--results-dir', results]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming ${run.header.id}: ${before} of 6 cells already finished`));
    // only the cells the journal lacked trained again
    expect((resumed.stderr.match(/: accuracy /g) ?? []).length).toBe(6 - before);
    const record = recordIn(results);
    expect(cells(record)).toEqual(cells(uninterrupted));
    expect(record.results.map(cellKey)).toEqual(uninterrupted.results.map(cellKey));
  }, 120_000);


});
