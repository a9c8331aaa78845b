import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRecordSchema } from '../src/results/schema.js';
import { cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-ext-'));

describe('external runners (--cmd)', () => {
  const trainer = `${process.execPath} test/fixtures/centroid-trainer.mjs {split} {seed}`;

  it('meters a real external trainer on the same split and reports it beside the others', () => {
    const dir = join(tmp(), 'results');
    const r = cli(['run', '--suite', 'quick', '--runner', 'lasso', '--peer', 'none', '--cmd', trainer, '--external-name', 'centroid', '--external-family', 'sparse', '--json', '--no-progress', '--results-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const record = runRecordSchema.parse(JSON.parse(r.stdout).record);
    const x = record.results.find((e) => e.runner === 'centroid')!;
    const lasso = record.results.find((e) => e.runner === 'lasso')!;
    expect(x.family).toBe('sparse');
    expect(x.split).toEqual(lasso.split);
    // nearest centroid on MNIST digits: far better than chance, below the linear models
    expect(x.accuracy).toBeGreaterThan(0.6);
    expect(x.accuracy).toBeLessThan(0.9);
    expect(x.config.seed).toBe(42);
    expect(x.runtime?.framework).toBe('node centroid fixture');
    // the child's own CPU is measured: node start-up alone costs tens of milliseconds
    expect(x.metrics.processCpuSeconds).toBeGreaterThan(0.02);
    expect(x.measurement.seconds).toBeCloseTo(x.metrics.reportedTrainSeconds, 9);
    expect(x.measurement.note).toMatch(/external process: .* s CPU measured/);
    expect(x.energy.method).toBe('estimated:tdp-per-core');
  });

  it('a failing command, one without a JSON line, or one with a bad field fails its cell, named; the others are recorded; exit 1, the journal kept; no {split}: refused up front', () => {
    const node = process.execPath;
    // the record keeps the library's words (the parameter, command); the CLI says the flag
    for (const [cmd, message, recorded] of [
      ['sh -c "echo boom >&2; exit 3" sh {split}', /--cmd \(external\) exited with 3: boom/, /^command \(external\) exited with 3: boom/],
      ['echo no json here {split}', /--cmd \(external\): the last JSON line on stdout must be/, /^command \(external\): the last JSON line/],
      [`${node} -e "console.log(JSON.stringify({accuracy: 7}))" {split}`, /--cmd \(external\).*field accuracy/, /field accuracy/],
    ] as const) {
      const dir = tmp();
      const r = cli(['run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'lasso', '--peer', 'none', '--cmd', cmd, '--no-progress', '--results-dir', join(dir, 'results')]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/mnist\/external\/seed 42\/repeat 0: FAILED/);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/1 of 2 cells failed .* run the same command with --resume/);
      // the LASSO cell is in the record; the failure is listed there and in the README; the journal stays for --resume
      const files = readdirSync(join(dir, 'results', 'runs'));
      expect(files.map((f) => f.replace(/^.*\./, '')).sort()).toEqual(['journal', 'json']);
      const record = runRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'results', 'runs', files.find((f) => f.endsWith('.json'))!), 'utf8')));
      expect(record.results.map((e) => e.runner)).toEqual(['lasso']);
      expect(record.failures?.map((f) => [f.runner, f.seed])).toEqual([['external', 42]]);
      expect(record.failures?.[0].reason).toMatch(recorded);
      expect(readFileSync(join(dir, 'results', 'README.md'), 'utf8')).toMatch(/\*\*FAILED\*\* cell mnist\/external, seed 42, repeat 0/);
    }
    const dir = tmp();
    const r = cli(['run', '--suite', 'quick', '--runner', 'lasso', '--peer', 'none', '--cmd', 'echo hello', '--no-progress', '--results-dir', join(dir, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cmd: the command must read the split from \{split\}/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
