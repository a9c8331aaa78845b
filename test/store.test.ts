import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme, writeReport } from '../src/report/readme.js';
import { SCHEMA_VERSION, type RunRecord } from '../src/results/schema.js';
import { readRecords, writeRecord } from '../src/results/store.js';
import { ratios, summarise } from '../src/report/tables.js';
import { estimateConstants, estimateEnergy } from '../src/meter/model.js';
import { convert } from '../src/meter/carbon.js';

function entry(runner: 'cnn' | 'lasso', seconds: number, accuracy: number, repeat = 0): RunRecord['results'][number] {
  const energy = estimateEnergy(seconds, seconds, 1e8, estimateConstants('AMD EPYC'), 5);
  return {
    dataset: 'mnist',
    runner,
    family: runner === 'cnn' ? 'deep' : 'sparse',
    repeat,
    seed: 42 + repeat,
    split: { train: 100, test: 50, seed: 42 + repeat },
    accuracy,
    curve: [{ seconds, cpuSeconds: seconds, metric: accuracy, step: 1 }],
    metrics: {},
    config: { seed: 42 },
    measurement: { seconds, cpuSeconds: seconds, pausedSeconds: 0, peakRssBytes: 1e8 },
    energy,
    converted: convert(energy.joules),
  };
}

function record(id: string, results = [entry('cnn', 10, 0.92), entry('lasso', 2, 0.85)]): RunRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id,
    createdAt: `2026-11-28T00:00:0${id.length % 10}.000Z`,
    suite: 'quick',
    seed: 42,
    repeats: 1,
    argv: [],
    environment: {
      cpuModel: 'AMD EPYC',
      logicalCores: 2,
      memoryBytes: 2 ** 34,
      platform: 'linux',
      arch: 'x64',
      osRelease: '6',
      node: 'v20',
      v8: '11',
      tfjs: '4.22.0',
      gitCommit: null,
      gitDirty: null,
      hostname: 'h',
    },
    conversion: { pue: 1.58, gCo2ePerKwh: 475, usdPerKwh: 0.15 },
    notes: [],
    sensors: { used: [], unavailable: ['RAPL: none'] },
    results,
  };
}

describe('results store', () => {
  it('writes atomically (no temporary file left) and reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
    const path = writeRecord(dir, record('a'));
    expect(readdirSync(join(dir, 'runs'))).toEqual(['a.json']);
    expect(JSON.parse(readFileSync(path, 'utf8')).id).toBe('a');
    const { records, problems } = readRecords(dir);
    expect(records.map((r) => r.id)).toEqual(['a']);
    expect(problems).toEqual([]);
  });

  it('refuses to write an invalid record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
    const bad = record('b');
    (bad.results[0] as { accuracy: number }).accuracy = 2;
    expect(() => writeRecord(dir, bad)).toThrow();
    expect(() => readdirSync(join(dir, 'runs'))).toThrow();
  });

  it('skips corrupt, foreign and old-schema files, naming each, and keeps the good ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
    writeRecord(dir, record('good'));
    mkdirSync(join(dir, 'runs'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'broken.json'), '{"schemaVersion": 1, "id": ');
    writeFileSync(join(dir, 'runs', 'old.json'), JSON.stringify({ ...record('old'), schemaVersion: 0 }));
    const missing = record('missing') as Partial<RunRecord>;
    delete missing.environment;
    writeFileSync(join(dir, 'runs', 'missing.json'), JSON.stringify(missing));
    const { records, problems } = readRecords(dir);
    expect(records.map((r) => r.id)).toEqual(['good']);
    expect(problems.map((p) => p.problem).join('\n')).toMatch(/broken\.json: not valid JSON/);
    expect(problems.map((p) => p.problem).join('\n')).toMatch(/old\.json: schemaVersion 0 is not supported/);
    expect(problems.map((p) => p.problem).join('\n')).toMatch(/missing\.json: field environment/);
    const report = writeReport(dir);
    const text = readFileSync(report.path, 'utf8');
    expect(text).toMatch(/Records skipped/);
    expect(text).toMatch(/runs\/good\.json/);
  });
});

describe('report tables', () => {
  it('computes DL/sparse time and sparse/DL energy from medians over repeats', () => {
    const r = record('m', [entry('cnn', 10, 0.9), entry('cnn', 14, 0.92, 1), entry('cnn', 30, 0.91, 2), entry('lasso', 2, 0.85), entry('lasso', 2, 0.85, 1), entry('lasso', 9, 0.85, 2)]);
    const cells = summarise(r);
    const cnn = cells.find((c) => c.runner === 'cnn')!;
    expect(cnn.seconds).toBe(14);
    expect(cnn.repeats).toBe(3);
    const [ratio] = ratios(cells);
    expect(ratio.timeDlOverSparse).toBeCloseTo(7, 12);
    expect(ratio.energySparseOverDl).toBeCloseTo(cells[1].joules / cnn.joules, 12);
    const md = renderReadme([r], []);
    expect(md).toMatch(/DL\/sparse training time \*\*7x\*\*/);
    expect(md).toMatch(/estimated, not measured/);
  });
});
