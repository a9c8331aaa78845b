import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImages, imageCacheDir } from '../src/datasets/images.js';
import { axisWeights, resizeArea } from '../src/datasets/resample.js';
import { datasetEntry } from '../src/datasets/registry.js';
import { Rng } from '../src/util/rng.js';
import { CLI } from './helpers/cli.js';

const rng = new Rng(5);
// decoded images go to a cache of this file's own, not the package's
process.env.SPARSEBENCH_CACHE = mkdtempSync(join(tmpdir(), 'sb-image-cache-'));

/** A w x h RGB image of seeded noise, brighter for class 1: something a classifier can tell apart. */
function noise(w: number, h: number, bright: boolean): Buffer {
  return Buffer.from(Uint8Array.from({ length: w * h * 3 }, () => Math.min(255, Math.floor(rng.nextFloat() * 128) + (bright ? 127 : 0))));
}

async function folder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-images-'));
  for (const [c, bright] of [['cats', false], ['dogs', true]] as const) {
    mkdirSync(join(dir, c));
    for (let i = 0; i < 6; i++) {
      const img = sharp(noise(40, 30, bright), { raw: { width: 40, height: 30, channels: 3 } });
      if (i === 0) await img.jpeg().toFile(join(dir, c, `${i}.jpg`));
      else if (i === 1) await img.toColourspace('rgb16').png().toFile(join(dir, c, `${i}.png`)); // 16 bits a channel
      else await img.png().toFile(join(dir, c, `${i}.png`));
    }
  }
  writeFileSync(join(dir, 'cats', 'notes.txt'), 'not an image: skipped by its name');
  return dir;
}

describe('image folders (folder:DIR)', () => {
  it('decodes PNG (8 and 16 bits a channel) and JPEG of any size to grayscale at the asked size, classes in sorted folder order, cached by file stamps', async () => {
    const dir = await folder();
    const e = datasetEntry(`folder:${dir}?size=16`);
    const data = e.load();
    expect([data.height, data.width, data.channels, data.classes, data.y.length]).toEqual([16, 16, 1, 2, 12]);
    expect([...data.y]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    // the brighter class is brighter after decoding, whatever each file's format
    const mean = (i: number): number => data.X.subarray(i * 256, (i + 1) * 256).reduce((a, b) => a + b, 0) / 256;
    for (let i = 0; i < 6; i++) expect(mean(i + 6)).toBeGreaterThan(mean(i) + 0.3);
    // decoded once: the cache holds the entry, and a second decode reads it back byte for byte
    const files = readdirSync(join(dir, 'cats')).filter((f) => !f.endsWith('.txt')).map((f) => join(dir, 'cats', f));
    const first = decodeImages(files, 16);
    expect(readdirSync(imageCacheDir()).filter((f) => f.startsWith('images-'))).toHaveLength(4); // this folder and the next call's files: an index and pixels each
    expect(Buffer.from(decodeImages(files, 16).pixels).equals(Buffer.from(first.pixels))).toBe(true);
    expect(first.info[0]).toEqual({ width: 40, height: 30, channels: 3 });
  }, 60_000);

  it('a corrupt image, an empty class or a single class is an error naming the file or folder', async () => {
    const dir = await folder();
    writeFileSync(join(dir, 'dogs', 'broken.png'), 'this is no PNG');
    expect(() => datasetEntry(`folder:${dir}`)).toThrow(/dogs\/broken\.png: cannot decode this image/);
    const empty = await folder();
    mkdirSync(join(empty, 'zebras'));
    expect(() => datasetEntry(`folder:${empty}`)).toThrow(/zebras: no images \(\.png, \.jpg/);
    const one = mkdtempSync(join(tmpdir(), 'sb-images-'));
    mkdirSync(join(one, 'only'));
    expect(() => datasetEntry(`folder:${one}`)).toThrow(/1 class folder; classification needs a sub-folder of images per class/);
    expect(() => datasetEntry(`folder:${dir}?size=2`)).toThrow(/size=2 is not an integer in \[4, 1024\]/);
    // a grayscale stray among colour images is bad data too; --skip-bad leaves it and the broken file out, listed
    await sharp(Buffer.alloc(40 * 30, 9), { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'cats', 'grey.png'));
    const skipped = datasetEntry(`folder:${dir}?skip-bad=1`).load();
    expect(skipped.skipped?.map((s) => [s.file.slice(dir.length), s.reason.split(':')[0]])).toEqual([
      ['/cats/grey.png', '1 colour channel, where ' + join(dir, 'cats', '0.jpg') + ' and the files before it have 3'],
      ['/dogs/broken.png', 'cannot decode this image'],
    ]);
    expect(skipped.y.length).toBe(12);
  }, 60_000);
});

describe('run on your own classification data', () => {
  it('run --dataset folder:DIR,csv:FILE trains the suite\'s classifiers on both, and records each source with its original sizes', async () => {
    const dir = await folder();
    const csv = join(mkdtempSync(join(tmpdir(), 'sb-images-')), 'tiles.csv');
    // 40 samples of 12x12: class 1 brighter
    const rows = Array.from({ length: 40 }, (_, i) => [i % 2, ...Array.from({ length: 144 }, () => Math.floor(rng.nextFloat() * 100) + (i % 2) * 120)].join(','));
    writeFileSync(csv, ['label', ...Array.from({ length: 144 }, (_, p) => `p${p}`)].join(',') + '\n' + rows.join('\n') + '\n');
    const results = join(dir, 'results');
    const r = spawnSync(process.execPath, [...CLI, 'run', '--suite', 'quick', '--dataset', `folder:${dir},csv:${csv}`, '--image-size', '16', '--peer', 'none', '--no-sensors', '--no-progress', '--results-dir', results], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env },
    });
    expect(r.status, r.stderr).toBe(0);
    const [file] = readdirSync(join(results, 'runs'));
    const record = JSON.parse(readFileSync(join(results, 'runs', file), 'utf8'));
    const cells = record.results.map((x: { dataset: string; runner: string }) => `${x.dataset}|${x.runner}`).sort();
    const name = `folder-${dir.split('/').pop()}`;
    expect(cells).toEqual([`${name}|cnn`, `${name}|dictionary`, `${name}|lasso`, 'csv-tiles|cnn', 'csv-tiles|dictionary', 'csv-tiles|lasso'].sort());
    // the brighter class is easy: a linear model tells the CSV's apart (the folder's test set is 2 images: no figure)
    expect(record.results.find((x: { dataset: string; runner: string }) => x.dataset === 'csv-tiles' && x.runner === 'lasso').accuracy).toBeGreaterThan(0.7);
    expect(record.datasets.map((d: { name: string; samples: number; originalSizes?: unknown }) => [d.name, d.samples, d.originalSizes ?? null])).toEqual([
      [name, 12, [{ width: 40, height: 30, count: 12 }]],
      ['csv-tiles', 40, null],
    ]);
  }, 120_000);
});

describe('resizing by area (resample.ts)', () => {
  it('averages the input area each output pixel covers, fractional pixels by their share; grows linearly; keeps a same-size image', () => {
    const out = new Uint8Array(4);
    // 4x4 -> 2x2: the mean of each 2x2 block
    resizeArea(Uint8Array.from({ length: 16 }, (_, p) => p * 10), 4, 4, out, 2, 2);
    expect([...out]).toEqual([25, 45, 105, 125]);
    // 3 -> 2 along x: the middle pixel splits its area between both outputs
    const row = new Uint8Array(2);
    resizeArea(Uint8Array.of(0, 90, 180), 3, 1, row, 2, 1);
    expect([...row]).toEqual([30, 150]); // (0 + 0.5 * 90) / 1.5, (0.5 * 90 + 180) / 1.5
    for (const [from, to] of [[7, 3], [128, 28], [40, 16], [5, 9]]) {
      const w = axisWeights(from, to);
      for (let o = 0; o < to; o++) expect(w.weights.subarray(w.offset[o], w.offset[o] + w.count[o]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    // 2 -> 4: linear between pixel centres, held at the edges
    const grown = new Uint8Array(4);
    resizeArea(Uint8Array.of(0, 200), 2, 1, grown, 4, 1);
    expect([...grown]).toEqual([0, 50, 150, 200]);
    const same = new Uint8Array(6);
    resizeArea(Uint8Array.of(1, 2, 3, 4, 5, 6), 3, 2, same, 3, 2);
    expect([...same]).toEqual([1, 2, 3, 4, 5, 6]);
    // a constant image stays constant at any size
    const flat = new Uint8Array(28 * 28);
    resizeArea(new Uint8Array(100 * 61).fill(77), 100, 61, flat, 28, 28);
    expect(flat.every((v) => v === 77)).toBe(true);
  });
});
