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
import { runSuite } from '../src/suite/run.js';
import { centroidRunner } from './plugins/centroid-runner.js';
import { stripesDataset } from './plugins/stripes-dataset.js';

// one line each: what a plug-in adds
registerRunner(centroidRunner);
registerDataset(stripesDataset);

describe('plug-ins: a runner and a dataset of one file each', () => {
  it('run, the report and compare take them like built-in ones', async () => {
    const resultsDir = join(mkdtempSync(join(tmpdir(), 'sb-plugins-')), 'results');
    const { record } = await runSuite({ suite: 'quick', datasets: ['stripes'], runners: ['centroid', 'lasso'], seed: 42, backend: 'auto', resultsDir, sensors: false });
    expect(record.results.map((r) => `${r.dataset}|${r.runner}|${r.family}`).sort()).toEqual(['stripes|centroid|sparse', 'stripes|lasso|sparse']);
    const centroid = record.results.find((r) => r.runner === 'centroid');
    expect(centroid?.accuracy).toBeGreaterThan(0.9);
    expect(centroid?.split).toMatchObject({ train: 120, validation: 40, test: 40 });
    expect(centroid?.inference?.items).toBe(40);
    expect(centroid?.inference?.latency?.items).toBe(40);
    expect(centroid?.energy.method).toMatch(/^estimated:/);
    await writeReport(resultsDir);
    const readme = readFileSync(join(resultsDir, 'README.md'), 'utf8');
    expect(readme).toMatch(/### stripes \(train 120, validation 40, test 40\)/);
    expect(readme).toMatch(/\| centroid \| sparse \|/);
    const same = compareRecords(record, record, DEFAULT_GATES);
    expect(same.regressions).toBe(0);
    expect(same.rows.some((r) => r.cell === 'stripes/centroid' && r.metric === 'accuracy' && r.verdict === 'ok')).toBe(true);
  }, 60_000);

  it('a malformed definition or a second one of a name is an error naming the field', () => {
    expect(() => defineRunner({ ...centroidRunner, name: 'two words' })).toThrow(/defineRunner two words: name: letters, digits/);
    expect(() => defineRunner({ ...centroidRunner, family: 'shallow' as 'sparse' })).toThrow(/defineRunner centroid: family:/);
    expect(() => registerRunner(centroidRunner)).toThrow(/a runner named "centroid" exists already/);
    expect(() => defineDataset({ ...stripesDataset, trainSize: 0 })).toThrow(/defineDataset stripes: trainSize:/);
    expect(() => registerDataset({ ...stripesDataset, name: 'mnist' })).toThrow(/a dataset named "mnist" exists already/);
  });
});
