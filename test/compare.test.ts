import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRecords, DEFAULT_GATES, githubBenchmark } from '../src/report/compare.js';

/** The old cross-machine design, now an option: time and energy gated per calibration second. */
const CROSS = { ...DEFAULT_GATES, crossMachine: true };
import { mergeShards } from '../src/results/merge.js';
import type { RunRecord } from '../src/results/schema.js';
import { entry, record } from './helpers/records.js';
import { CLI } from './helpers/cli.js';

/** A run on a machine whose calibration workload took `calibration` seconds. */
function run(calibration: number, cnnSeconds = 10, lassoSeconds = 2, cnnAccuracy = 0.92): RunRecord {
  const r = record('run', [entry('cnn', cnnSeconds, cnnAccuracy), entry('lasso', lassoSeconds, 0.85)]);
  r.results.forEach((x) => {
    x.measurement.calibrationSeconds = calibration;
    x.metrics.flops = x.runner === 'cnn' ? 2.1e9 : 9.8e7;
  });
  return { ...r, calibration: { seconds: calibration, workload: 'test' } };
}

/** The same run on a machine `factor` times slower: every time and energy scales. */
function slower(r: RunRecord, factor: number, only?: string): RunRecord {
  return {
    ...r,
    calibration: only ? r.calibration : { seconds: (r.calibration?.seconds ?? 1) * factor, workload: 'test' },
    results: r.results.map((x) => {
      if (only && x.runner !== only) return x;
      return {
        ...x,
        measurement: { ...x.measurement, seconds: x.measurement.seconds * factor, calibrationSeconds: only ? x.measurement.calibrationSeconds : (x.measurement.calibrationSeconds ?? 1) * factor },
        energy: { ...x.energy, joules: x.energy.joules * factor },
      };
    }),
  };
}

const verdicts = (c: ReturnType<typeof compareRecords>): string[] => c.rows.filter((r) => r.verdict !== 'ok' && r.verdict !== 'info').map((r) => `${r.cell} ${r.metric}: ${r.verdict}`);

describe('compare', () => {
  const base = run(0.1);

  it('a record compared with itself passes', () => {
    const c = compareRecords(base, base);
    expect(c.regressions).toBe(0);
    expect(verdicts(c)).toEqual([]);
  });

  it('an accuracy drop beyond the tolerance fails', () => {
    const c = compareRecords(base, run(0.1, 10, 2, 0.89));
    expect(verdicts(c)).toEqual(['mnist/cnn accuracy: regression']);
    expect(c.regressions).toBe(1);
    expect(compareRecords(base, run(0.1, 10, 2, 0.915)).regressions).toBe(0);
  });

  it('cross-machine (on request): a 2x slowdown of one runner fails; a uniform 1.3x slowdown of the machine passes', () => {
    expect(verdicts(compareRecords(base, slower(base, 2, 'lasso'), CROSS))).toEqual(['mnist/lasso time / calibration: regression', 'mnist/lasso energy / calibration: regression']);
    expect(compareRecords(base, slower(base, 1.3), CROSS).regressions).toBe(0);
  });

  it('by default time and energy against a baseline are informative: shown, never failed', () => {
    const c = compareRecords(base, slower(base, 2, 'lasso'));
    expect(c.regressions).toBe(0);
    expect(c.rows.filter((r) => r.metric.includes('calibration')).every((r) => r.verdict === 'info' && r.gate === 'informative')).toBe(true);
  });

  it('a faster runner is reported better, not failed', () => {
    expect(verdicts(compareRecords(base, slower(base, 0.5, 'cnn'), CROSS))).toEqual(['mnist/cnn time / calibration: better', 'mnist/cnn energy / calibration: better']);
  });

  it('a changed deterministic count fails: update the baseline on purpose', () => {
    const other = run(0.1);
    other.results[1].metrics.flops = 9.9e7;
    expect(verdicts(compareRecords(base, other))).toEqual(['mnist/lasso flops: changed']);
  });

  it('reports a missing or new runner or metric instead of crashing', () => {
    const onlyCnn = { ...base, results: base.results.filter((x) => x.runner === 'cnn') };
    expect(verdicts(compareRecords(base, onlyCnn))).toEqual(['mnist/lasso (runner): missing']);
    expect(verdicts(compareRecords(onlyCnn, base))).toEqual(['mnist/lasso (runner): new']);
    const noFlops = run(0.1);
    delete noFlops.results[0].metrics.flops;
    expect(verdicts(compareRecords(base, noFlops))).toEqual(['mnist/cnn flops: missing']);
    expect(compareRecords(base, noFlops).regressions).toBe(0);
  });

  it('refuses records of different suites or splits', () => {
    expect(() => compareRecords(base, { ...base, suite: 'default' })).toThrow(/different suites.*"quick".*"default"/);
    const resplit = run(0.1);
    resplit.results.forEach((x) => (x.split = { ...x.split, train: 200 }));
    expect(() => compareRecords(base, resplit)).toThrow(/mnist\/cnn: different splits for seed 42/);
  });

  it('writes github-action-benchmark inputs with each metric on its side', () => {
    const gh = githubBenchmark(compareRecords(base, base));
    expect(gh.bigger).toEqual([
      { name: 'mnist/cnn accuracy', unit: 'fraction', value: 0.92 },
      { name: 'mnist/lasso accuracy', unit: 'fraction', value: 0.85 },
    ]);
    expect(gh.smaller.map((e) => (e as { name: string }).name)).toEqual([
      'mnist/cnn time / calibration',
      'mnist/cnn energy / calibration',
      'mnist/lasso time / calibration',
      'mnist/lasso energy / calibration',
    ]);
  });

  it('the CLI: exit 1 on a regression, 2 on a corrupt baseline naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-compare-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(base));
    writeFileSync(join(dir, 'slow.json'), JSON.stringify(slower(base, 2, 'cnn')));
    writeFileSync(join(dir, 'corrupt.json'), '{"schemaVersion": 1, "id"');
    const cli = (...args: string[]) => spawnSync(process.execPath, [...CLI, 'compare', ...args], { encoding: 'utf8' });
    expect(cli('--baseline', join(dir, 'base.json'), '--current', join(dir, 'base.json')).status).toBe(0);
    expect(cli('--baseline', join(dir, 'base.json'), '--current', join(dir, 'slow.json')).status).toBe(0);
    const slow = cli('--baseline', join(dir, 'base.json'), '--current', join(dir, 'slow.json'), '--markdown', '--cross-machine');
    expect(slow.status).toBe(1);
    expect(slow.stdout).toMatch(/\*\*2 regressions\*\*/);
    const corrupt = cli('--baseline', join(dir, 'corrupt.json'), '--current', join(dir, 'base.json'));
    expect(corrupt.status).toBe(2);
    expect(corrupt.stderr).toMatch(/--baseline: .*corrupt\.json: not valid JSON/);
  });
});

describe('merge', () => {
  it('joins every shard once, and refuses gaps and strangers', () => {
    const a = { ...run(0.1), id: 'a', shard: { index: 1, count: 2 }, results: [entry('cnn', 10, 0.92)] };
    const b = { ...run(0.2), id: 'b', shard: { index: 2, count: 2 }, results: [entry('lasso', 2, 0.85)] };
    const merged = mergeShards([b, a]);
    expect(merged.results.map((x) => x.runner)).toEqual(['cnn', 'lasso']);
    expect(merged.shard).toBeUndefined();
    expect(() => mergeShards([a])).toThrow(/shards 1 given, 1, 2 expected/);
    expect(() => mergeShards([a, { ...b, suite: 'default' }])).toThrow(/ran suite default/);
    expect(() => mergeShards([a, { ...b, shard: undefined }])).toThrow(/is not a shard/);
  });
});
