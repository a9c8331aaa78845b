import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/datasets/mnist.js';
import { npyBytes, parseNpy } from '../src/datasets/npy.js';
import { datasetEntry } from '../src/datasets/registry.js';
import { makeSplit } from '../src/datasets/split.js';
import { cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-sources-'));
const mnist = loadMnist();
const pixels = 28 * 28;

/** n MNIST digits spread over the package (it lists them digit by digit) as .npy files: X (n, 28, 28) of 0-255 bytes, y (n,) bytes. */
function mnistNpy(dir: string, n: number): { x: string; y: string; bytes: Uint8Array; labels: Uint8Array } {
  const bytes = new Uint8Array(n * pixels);
  const labels = new Uint8Array(n);
  const step = Math.floor(mnist.y.length / n);
  for (let i = 0; i < n; i++) {
    const src = i * step;
    for (let p = 0; p < pixels; p++) bytes[i * pixels + p] = Math.round(mnist.X[src * pixels + p] * 255);
    labels[i] = mnist.y[src];
  }
  const x = join(dir, 'X.npy');
  const y = join(dir, 'y.npy');
  writeFileSync(x, npyBytes([n, 28, 28], bytes));
  writeFileSync(y, npyBytes([n], labels));
  return { x, y, bytes, labels };
}


describe('NumPy .npy files', () => {
  it('reads what NumPy writes: the shape, the dtype, values of every supported kind, both byte orders', () => {
    const f8 = parseNpy(npyBytes([2, 3], Float64Array.of(0, 0.5, 1, -2, 3.25, 1e-300)), 'a.npy');
    expect(f8.shape).toEqual([2, 3]);
    expect([...f8.values]).toEqual([0, 0.5, 1, -2, 3.25, 1e-300]);
    expect(f8.integral).toBe(false);
    // a big-endian int16 array, as NumPy writes '>i2' (header padded to 64 bytes, version 1.0)
    const header = "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }";
    const head = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const bytes = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), Buffer.from(Uint16Array.of(head.length).buffer), Buffer.from(head, 'latin1'), Buffer.from([0x01, 0x02, 0xff, 0xfe, 0x00, 0x07])]);
    const i2 = parseNpy(bytes, 'b.npy');
    expect([...i2.values]).toEqual([258, -2, 7]);
    expect(i2.integral).toBe(true);
  });

  it('refuses what it cannot read, naming the file and why', () => {
    expect(() => parseNpy(Buffer.from('not an array'), 'x.npy')).toThrow(/^x\.npy: not a NumPy \.npy array we can read: no \\x93NUMPY magic/);
    const fortran = Buffer.from(npyBytes([2, 2], new Float64Array(4)));
    const text = fortran.toString('latin1').replace("'fortran_order': False", "'fortran_order': True ");
    expect(() => parseNpy(Buffer.from(text, 'latin1'), 'f.npy')).toThrow(/f\.npy: .*Fortran \(column-major\) order/);
    const complex = Buffer.from(Buffer.from(npyBytes([1], new Float64Array(1))).toString('latin1').replace("'<f8'", "'<c8'"), 'latin1');
    expect(() => parseNpy(complex, 'c.npy')).toThrow(/c\.npy: .*dtype '<c8'/);
    const whole = npyBytes([4], new Float64Array(4));
    expect(() => parseNpy(whole.subarray(0, whole.length - 16), 's.npy')).toThrow(/s\.npy: .*need 32 bytes after the header, the file has 16/);
    expect(() => parseNpy(whole.subarray(0, 40), 'h.npy')).toThrow(/h\.npy: .*the header runs past the end of the file/);
  });
});

describe('your own data by URI', () => {
  it('npy:X.npy,y.npy loads as a classification dataset with the same pixels, labels and stratified split as any other', () => {
    const dir = tmp();
    const { x, y, bytes, labels } = mnistNpy(dir, 500);
    const uri = `npy:${x},${y}`;
    const e = datasetEntry(uri);
    expect(e.task).toBe('classification');
    expect([e.trainSize, e.validationSize, e.testSize]).toEqual([350, 50, 100]);
    const data = e.load();
    expect([data.height, data.width, data.channels, data.classes, data.y.length]).toEqual([28, 28, 1, 10, 500]);
    expect(data.X[1234]).toBe(Math.fround(bytes[1234] / 255));
    expect(e.verify()).toEqual([]);
    const split = makeSplit(data, { trainSize: 350, validationSize: 50, testSize: 100, seed: 1 });
    expect(split.yTrain.length + split.yVal.length + split.yTest.length).toBe(500);
    // a file rewritten after it was read is named by the check
    writeFileSync(y, npyBytes([500], labels.reverse()));
    expect(e.verify()).toEqual([expect.stringMatching(/y\.npy changed or went since it was read/)]);
  });

  it('csv:FILE reads a header, a label column and square images; integers as 0-255', () => {
    const dir = tmp();
    const file = join(dir, 'digits.csv');
    // labels 0-2 in turn (any integers will do for reading)
    const rows = [...Array(40).keys()].map((i) => [String(i % 3), ...Array.from(mnist.X.subarray(i * pixels, (i + 1) * pixels), (v) => String(Math.round(v * 255)))].join(','));
    writeFileSync(file, [['label', ...[...Array(pixels).keys()].map((p) => `p${p}`)].join(','), ...rows].join('\r\n') + '\r\n');
    const classes = 3;
    const data = datasetEntry(`csv:${file}`).load();
    expect([data.height, data.width, data.y.length, data.classes]).toEqual([28, 28, 40, classes]);
    expect(data.X[pixels + 300]).toBe(Math.fround(Math.round(mnist.X[pixels + 300] * 255) / 255));
  });

  it('bad data is an error naming the file and the row or value: NaN, out of range, a missing label column, a gap in the classes, a wrong length', () => {
    const dir = tmp();
    const x = join(dir, 'X.npy');
    const y = join(dir, 'y.npy');
    const X = new Float64Array(4 * 16).fill(0.5);
    X[21] = NaN;
    writeFileSync(x, npyBytes([4, 4, 4], X));
    writeFileSync(y, npyBytes([4], Uint8Array.of(0, 1, 0, 1)));
    expect(() => datasetEntry(`npy:${x},${y}`)).toThrow(/X\.npy: value 21 \(image 1\) is NaN/);
    X[21] = 1.5;
    writeFileSync(x, npyBytes([4, 4, 4], X));
    expect(() => datasetEntry(`npy:${x},${y}`)).toThrow(/X\.npy: value 21 \(image 1\) is 1\.5: intensities must lie in \[0, 1\]/);
    X[21] = 0.5;
    writeFileSync(x, npyBytes([4, 4, 4], X));
    const gap = join(dir, 'gap.npy');
    writeFileSync(gap, npyBytes([4], Uint8Array.of(0, 2, 0, 2)));
    expect(() => datasetEntry(`npy:${x},${gap}`)).toThrow(/gap\.npy: class 1 has no samples/);
    const short = join(dir, 'short.npy');
    writeFileSync(short, npyBytes([3], Uint8Array.of(0, 1, 0)));
    expect(() => datasetEntry(`npy:${x},${short}`)).toThrow(/short\.npy: shape \(3\): labels need \(4,\)/);
    expect(() => datasetEntry(`npy:${x}`)).toThrow(/npy: takes two files/);
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'class,a,b,c,d\n0,1,2,3,4\n1,1,8,3,4\n');
    expect(() => datasetEntry(`csv:${csv}`)).toThrow(/bad\.csv: no label column "label" in the header \(class, a, b, c, d\); name it with --label-column/);
    // the label column named in the URI (what --label-column writes)
    expect(datasetEntry(`csv:${csv}?label=class`).load().classes).toBe(2);
    expect(() => datasetEntry(`csv:${csv}?labels=class`)).toThrow(/unknown option labels \(csv: takes label, skip-bad\)/);
    writeFileSync(csv, 'label,a,b,c,d\n0,1,2,3,4\n1,1,x,3,4\n');
    expect(() => datasetEntry(`csv:${csv}`)).toThrow(/bad\.csv: row 3, column "b": "x" is not a number/);
    // a label that is not an integer names its row
    writeFileSync(csv, 'label,a,b,c,d\n0,1,2,3,4\n1.5,1,2,3,4\n');
    expect(() => datasetEntry(`csv:${csv}`)).toThrow(/bad\.csv: row 3, column "label" is 1\.5: labels must be integers 0-255/);
  });

  it('--skip-bad (skip-bad=1) leaves bad rows and images out and lists each, and keeps the rest as they were', () => {
    const dir = tmp();
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, 'label,a,b,c,d\n0,1,2,3,4\n1,1,x,3,4\n1,9,9,9,9\n0,2,2,2\n0,300,2,2,2\n1,1,1,1,1\n2.5,1,1,1,1\n');
    const d = datasetEntry(`csv:${csv}?skip-bad=1`).load();
    expect([...d.y]).toEqual([0, 1, 1]);
    expect(Array.from(d.X.subarray(0, 4), (v) => Math.round(v * 255))).toEqual([1, 2, 3, 4]);
    expect(d.skipped).toEqual([
      { file: `${csv}: row 3`, reason: '"x" is not a number' },
      { file: `${csv}: row 5`, reason: '4 fields, the header 5' },
      { file: `${csv}: row 6`, reason: 'integer intensities must lie in 0-255' },
      { file: `${csv}: row 8`, reason: 'labels must be integers 0-255' },
    ]);
    const x = join(dir, 'X.npy');
    const y = join(dir, 'y.npy');
    const X = new Float64Array(5 * 16).fill(0.25);
    X[20] = NaN;
    writeFileSync(x, npyBytes([5, 4, 4], X));
    writeFileSync(y, npyBytes([5], Uint8Array.of(0, 1, 0, 1, 1)));
    const n = datasetEntry(`npy:${x},${y}?skip-bad=1`).load();
    expect([n.y.length, n.skipped?.map((s) => s.file)]).toEqual([4, [`${x}: image 1`]]);
    expect(() => datasetEntry(`npy:${x},${y}?skip-bad=maybe`)).toThrow(/skip-bad=maybe is not 1 or 0/);
  });

  it('run --dataset npy:... trains the suite\'s runners of its task on it and records the URI; bad data exits 2 with one line and writes nothing', () => {
    const dir = tmp();
    // 1,200 digits: 840 to train by default, 800 here (--train-size), more than the 784 pixels, so the LASSO runs in its fast covariance mode
    const { x, y } = mnistNpy(dir, 1200);
    const results = join(dir, 'results');
    // --train-size and --set reach the cell: the split's size and the runner's own setting
    const ok = cli(['run', '--suite', 'quick', '--dataset', `npy:${x},${y}`, '--runner', 'lasso', '--train-size', '800', '--set', 'lasso.alpha=0.001', '--repeats', '1', '--peer', 'none', '--no-sensors', '--no-progress', '--results-dir', results]);
    expect(ok.stderr).toMatch(/npy-X\/lasso#0: accuracy/);
    expect(ok.code).toBe(0);
    const [file] = readdirSync(join(results, 'runs'));
    const record = JSON.parse(readFileSync(join(results, 'runs', file), 'utf8'));
    // the record names the source npy-X (names go into plot files); its URI stays in argv
    expect(record.results.map((r: { dataset: string; runner: string }) => `${r.dataset}|${r.runner}`)).toEqual(['npy-X|lasso']);
    expect(record.argv).toContain(`npy:${x},${y}`);
    expect(record.results[0].accuracy).toBeGreaterThan(0.6);
    expect(record.results[0].split).toMatchObject({ train: 800, validation: 120, test: 240 });
    expect(record.results[0].config).toMatchObject({ alpha: 0.001, alphaSelection: 'given (settings lasso.alpha)' });
    const bad = join(dir, 'bad');
    const nan = new Float64Array(4 * 16).fill(0.5);
    nan[3] = NaN;
    writeFileSync(join(dir, 'nan.npy'), npyBytes([4, 16], nan));
    writeFileSync(join(dir, 'four.npy'), npyBytes([4], Uint8Array.of(0, 1, 0, 1)));
    const refused = cli(['run', '--dataset', `npy:${join(dir, 'nan.npy')},${join(dir, 'four.npy')}`, '--peer', 'none', '--results-dir', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/nan\.npy: value 3 \(image 0\) is NaN/);
    expect(() => readdirSync(bad)).toThrow();
    // --label-column names a csv: source's label column; it means nothing to other sources
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, 'digit,a,b,c,d\n0,0,255,3,4\n1,1,8,3,4\n0,9,9,9,9\n1,2,2,2,2\n');
    const checked = cli(['datasets', 'check', '--dataset', `csv:${csv}`, '--label-column', 'digit']);
    expect(checked.stdout).toMatch(/^csv:.*tiny\.csv\?label=digit: ok, 4 samples x 4 features, per class 2\/2/);
    expect(checked.code).toBe(0);
    const misplaced = cli(['datasets', 'check', '--dataset', `npy:${x},${y}`, '--label-column', 'digit']);
    expect([misplaced.code, misplaced.stderr.trim()]).toEqual([2, expect.stringMatching(/--label-column: applies to csv: sources, not npy:/)]);
  }, 120_000);
});
