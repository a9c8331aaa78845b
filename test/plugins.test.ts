import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineDataset } from '../src/datasets/define.js';
import { registerDataset } from '../src/datasets/registry.js';
import { compareRecords, DEFAULT_GATES } from '../src/report/compare.js';
import { writeReport } from '../src/report/readme.js';
import { defineRunner } from '../src/runners/define.js';
import { registerRunner } from '../src/runners/registry.js';
import { planRun, runSuite } from '../src/suite/run.js';
import { centroidRunner } from './plugins/centroid-runner.js';
import { stripesDataset } from './plugins/stripes-dataset.js';

// one line each: what a plug-in adds
registerRunner(centroidRunner);
registerDataset(stripesDataset);

describe('plug-ins: a runner and a dataset of one file each', () => {
  it('run, the report and compare take them like built-in ones', async () => {
    const resultsDir = join(mkdtempSync(join(tmpdir(), 'sb-plugins-')), 'results');
    const { record } = await runSuite({ suite: 'quick', datasets: ['stripes'], runners: ['centroid', 'lasso'], settings: { lasso: { alpha: 1e-3 } }, seed: 42, backend: 'auto', resultsDir, sensors: false });
    expect(record.results.map((r) => `${r.dataset}|${r.runner}|${r.family}`).sort()).toEqual(['stripes|centroid|sparse', 'stripes|lasso|sparse']);
    const centroid = record.results.find((r) => r.runner === 'centroid');
    expect(centroid?.accuracy).toBeGreaterThan(0.9);
    expect(centroid?.split).toMatchObject({ train: 120, validation: 40, test: 40 });
    expect(centroid?.inference?.items).toBe(40);
    expect(centroid?.inference?.latency?.items).toBe(40);
    expect(centroid?.energy.method).toMatch(/^estimated:/);
    // a runner's own settings reach it by parameter name
    expect(record.results.find((r) => r.runner === 'lasso')?.config).toMatchObject({ alpha: 1e-3, alphaSelection: 'given (settings lasso.alpha)' });
    await writeReport(resultsDir);
    const readme = readFileSync(join(resultsDir, 'README.md'), 'utf8');
    expect(readme).toMatch(/### stripes \(train 120, validation 40, test 40\)/);
    expect(readme).toMatch(/\| centroid \| sparse \|/);
    const same = compareRecords(record, record, DEFAULT_GATES);
    expect(same.regressions).toBe(0);
    expect(same.rows.some((r) => r.cell === 'stripes/centroid' && r.metric === 'accuracy' && r.verdict === 'ok')).toBe(true);
  }, 60_000);

  it('runner settings are checked against each runner\'s schema before any training, errors naming runner.parameter', () => {
    const base = { suite: 'quick', datasets: ['stripes'], runners: ['centroid', 'lasso'], seed: 42, backend: 'auto' as const, resultsDir: join(mkdtempSync(join(tmpdir(), 'sb-plugins-')), 'results') };
    expect(() => planRun({ ...base, settings: { lasso: { alpha: -1 } } })).toThrow(/^settings lasso\.alpha: /);
    expect(() => planRun({ ...base, settings: { lasso: { beta: 1 } } })).toThrow(/^settings lasso\.beta: Unrecognized key/);
    expect(() => planRun({ ...base, settings: { centroid: { k: 1 } } })).toThrow(/^settings centroid: this runner takes no settings/);
    expect(() => planRun({ ...base, settings: { cnn: { arch: 'large' } } })).toThrow(/^settings cnn: cnn is not a runner of this run \(lasso, centroid\)/);
    expect(() => planRun({ ...base, runners: undefined, datasets: ['mnist'], settings: { cnn: { arch: 'huge' } } })).toThrow(/^settings cnn\.arch: /);
    expect(planRun({ ...base, settings: { lasso: { alpha: 1e-3 } } }).length).toBe(2);
  });

  it('a malformed definition or a second one of a name is an error naming the field', () => {
    expect(() => defineRunner({ ...centroidRunner, name: 'two words' })).toThrow(/defineRunner two words: name: letters, digits/);
    expect(() => defineRunner({ ...centroidRunner, family: 'shallow' as 'sparse' })).toThrow(/defineRunner centroid: family:/);
    expect(() => defineRunner({ ...centroidRunner, settings: { alpha: 1 } as never })).toThrow(/defineRunner centroid: settings: a zod schema/);
    expect(() => registerRunner(centroidRunner)).toThrow(/a runner named "centroid" exists already/);
    expect(() => defineDataset({ ...stripesDataset, trainSize: 0 })).toThrow(/defineDataset stripes: trainSize:/);
    expect(() => registerDataset({ ...stripesDataset, name: 'mnist' })).toThrow(/a dataset named "mnist" exists already/);
  });
});
