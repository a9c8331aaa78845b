import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme, writeReport } from '../src/report/readme.js';
import { SCHEMA_VERSION, type RunRecord } from '../src/results/schema.js';
import { readRecords, writeRecord } from '../src/results/store.js';
import { ratios, summarise } from '../src/report/tables.js';
import { entry, record } from './helpers/records.js';

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

  it('skips corrupt, foreign and old-schema files, naming each, and keeps the good ones', async () => {
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
    const report = await writeReport(dir);
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
    expect(md).toMatch(/Ratios of medians .*plain whole-training figures.*DL\/sparse training time 7x;/);
    expect(md).toMatch(/estimated, not measured/);
  });
});
