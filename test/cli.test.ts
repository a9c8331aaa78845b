import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import type { ExportMeta } from '../src/datasets/export.js';
import { runRecordSchema } from '../src/results/schema.js';
import { cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-cli-'));

describe('sparsebench run --suite quick --json', () => {
  it('writes one record and the tables, which agree, and keeps stdout one JSON document', () => {
    const dir = join(tmp(), 'results');
    // the two runners this test reads (the dictionary runner's run is tested in suite.test.ts, at full size)
    const r = cli(['run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'cnn,lasso', '--json', '--no-progress', '--peer', 'none', '--results-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { recordPath: string; readmePath: string; record: unknown };
    const record = runRecordSchema.parse(out.record);
    expect(readdirSync(join(dir, 'runs'))).toEqual([`${record.id}.json`]);
    expect(runRecordSchema.parse(JSON.parse(readFileSync(out.recordPath, 'utf8')))).toEqual(record);
    // both runners trained on the same split
    const [cnn, lasso] = ['cnn', 'lasso'].map((n) => record.results.find((x) => x.runner === n)!);
    expect(cnn.split).toEqual(lasso.split);
    expect(cnn.split).toEqual({ train: 2000, validation: 250, test: 500, seed: 42 });
    // no silent fallback: backend stated in record, stderr and table
    expect(cnn.backend?.name).toBe('wasm');
    expect(cnn.backend?.reason).toMatch(/tfjs-node/);
    expect(r.stderr).toMatch(/cnn: tfjs backend: wasm/);
    const readme = readFileSync(out.readmePath, 'utf8');
    expect(readme).toContain(`| cnn | deep | tfjs wasm | 1 | ${cnn.accuracy.toFixed(4)} |`);
    expect(readme).toContain(`| lasso | sparse | TypeScript, Float64Array | 1 | ${lasso.accuracy.toFixed(4)} |`);
    expect(readme).toContain(record.id);
    expect(readme).toMatch(/estimated, not measured/);
    for (const e of record.results) {
      expect(e.energy.method).toMatch(/^estimated:/);
      expect(e.curve.length).toBeGreaterThanOrEqual(2);
      expect(e.measurement.seconds).toBeGreaterThan(0);
    }
    expect(lasso.metrics.finalGap).toBeLessThanOrEqual(1e-4);
    // ten curve points inside the CNN's first epoch (the quick suite trains one), after the untrained model
    expect(cnn.curve.map((p) => p.step)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((f) => Math.round(f * 32) / 32));
    // the CNN and LASSO train for real: a minute or more on a loaded 2-core machine
  }, 240_000);

  it('report regenerates the tables from records and names a corrupt file', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'runs', 'bad.json'), '{');
    const r = cli(['report', '--results-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped record: .*bad\.json: not valid JSON/);
    expect(existsSync(join(dir, 'README.md'))).toBe(true);
  });
});

describe('sparsebench measure and estimate', () => {
  it('measure meters a busy child: its CPU seconds, an energy figure labelled as estimated here, its exit code', () => {
    // the child burns one second of its own CPU time (not of wall time), so the figure does not
    // depend on how busy the machine is: at least that second, plus Node's start-up
    const r = cli(['measure', '--json', '--', process.execPath, '-e', 'const t = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= 1e6) break; }']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { cpuSeconds: number; seconds: number; energy: { method: string; joules: number; componentMethods: { cpu: string } }; command: string[] };
    expect(m.cpuSeconds).toBeGreaterThanOrEqual(0.99);
    expect(m.cpuSeconds).toBeLessThan(1.6);
    expect(m.seconds).toBeGreaterThanOrEqual(0.9);
    expect(m.energy.joules).toBeGreaterThan(0);
    // no RAPL on a VM: the CPU figure must say it is an estimate (where RAPL exists, it says measured)
    expect(m.energy.componentMethods.cpu).toMatch(/^(estimated|measured):/);
    const exit = cli(['measure', '--', 'sh', '-c', 'exit 7']);
    expect(exit.code).toBe(7);
  });

  it('estimate reproduces Strubell et al.\'s Transformer (big): 201 kWh x PUE, 192 lbs CO2e', () => {
    const r = cli(['estimate', '--power', '1515.43', '--hours', '84', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as { kwhWithPue: number; co2eLbs: number; method: string };
    expect(Math.round(e.kwhWithPue)).toBe(201);
    expect(Math.round(e.co2eLbs)).toBe(192);
    expect(e.method).toBe('estimated:strubell-2019');
    const bad = cli(['estimate', '--power', '100', '--gpus', '2', '--hours', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not both/);
  });
});

describe('sparsebench datasets export', () => {
  it('writes exactly the split the runners use', () => {
    const dir = tmp();
    const r = cli(['datasets', 'export', '--dataset', 'mnist', '--out', dir, '--seed', '7', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as ExportMeta;
    expect(JSON.parse(r.stdout)).toEqual(meta);
    const split = stratifiedSplit(loadMnist(), { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 7 });
    const X = readFileSync(join(dir, 'X_train.f64'));
    expect(X.byteLength).toBe(8000 * 784 * 8);
    // byte-for-byte (a deep equality over 6 million numbers would be slow)
    expect(X.equals(Buffer.from(Float64Array.from(split.XTrain).buffer))).toBe(true);
    expect(readFileSync(join(dir, 'y_test.u8')).equals(Buffer.from(split.yTest))).toBe(true);
    expect(readFileSync(join(dir, 'X_val.f64')).equals(Buffer.from(Float64Array.from(split.XVal).buffer))).toBe(true);
    expect(readFileSync(join(dir, 'index_val.u32')).equals(Buffer.from(split.valIndex.buffer))).toBe(true);
    expect(meta.format).toBe('sparsebench-split/2');
    expect(meta.files.find((f) => f.file === 'X_train.f64')?.shape).toEqual([8000, 784]);
  });
});
