import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runRecordSchema, type RunRecord } from '../../src/results/schema.js';
import { cellKey } from '../../src/suite/run.js';
import type { SweepOptions } from '../../src/suite/sweep.js';

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-sweep-'));
export const base = (resultsDir: string): SweepOptions => ({ suite: 'quick', datasets: ['mnist'], runners: ['lasso'], seed: 42, backend: 'auto', resultsDir, axes: [{ name: 'trainSize', values: [40, 80, 160] }], repeats: 2 });
/** A small sweep the CLI runs in seconds: LASSO alone (a quarter second a cell from 1,000 images on), three sizes, two seeds. */
export const SWEEP = ['sweep', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'lasso', '--peer', 'none', '--train-size', '1000,1500,2000', '--repeats', '2', '--no-sensors', '--no-progress'];
export const AXES = [{ name: 'trainSize', values: [1000, 1500, 2000] }];
export const recordIn = (results: string): RunRecord => {
  const files = readdirSync(join(results, 'runs')).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return runRecordSchema.parse(JSON.parse(readFileSync(join(results, 'runs', files[0]), 'utf8')));
};
/** Each result by its cell, with what a rerun must reproduce: seed, split and accuracy. */
export const cells = (r: RunRecord): Record<string, string> => Object.fromEntries(r.results.map((e) => [cellKey(e), `${e.seed} ${JSON.stringify(e.split)} ${e.accuracy}`]));

