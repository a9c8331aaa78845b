import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateDefects } from '../src/datasets/defects.js';
import { datasetEntry } from '../src/datasets/registry.js';
import { makeSplit, ownSplitSizes } from '../src/datasets/split.js';
import { loadTextures, TEXTURES, texturesAvailable } from '../src/datasets/textures.js';
import { isDetection, MASK_UNKNOWN, ROLE_EVALUATE, ROLE_TRAIN, type DetectionDataset } from '../src/datasets/types.js';
import { Rng } from '../src/util/rng.js';
import { cli } from './helpers/cli.js';

// decoded images (and the textures' tiles) go to a cache of this file's own, not the package's
process.env.SPARSEBENCH_CACHE = mkdtempSync(join(tmpdir(), 'sb-mvtec-cache-'));

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-mvtec-'));


const W = 48;
const H = 40;

/** A W x H grayscale surface of seeded noise; a defective one has a dark square at (x, y), marked in its mask. */
function surface(rng: Rng, defect?: { x: number; y: number }): { image: Buffer; mask: Uint16Array } {
  const image = Buffer.alloc(W * H);
  const mask = new Uint16Array(W * H);
  for (let p = 0; p < W * H; p++) image[p] = 120 + Math.floor(rng.nextFloat() * 20);
  if (defect) {
    for (let y = defect.y; y < defect.y + 10; y++) {
      for (let x = defect.x; x < defect.x + 10; x++) {
        image[y * W + x] = 10;
        // a 16-bit mask whose defect is a small value: it must still count
        mask[y * W + x] = 3;
      }
    }
  }
  return { image, mask };
}

const png = (raw: Buffer, file: string): Promise<unknown> => sharp(raw, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toFile(file);

/**
 * One category in the MVTec AD layout: 12 good training images, 6 good and 8 defective test
 * images of two kinds (crack: 16-bit masks; hole: 8-bit masks, one JPEG image, one image
 * with no mask), a mask for one good test image (all zero).
 */
async function category(root: string, name = 'widget'): Promise<string> {
  const dir = join(root, name);
  const rng = new Rng(name.charCodeAt(0));
  for (const d of ['train/good', 'test/good', 'test/crack', 'test/hole', 'ground_truth/crack', 'ground_truth/hole', 'ground_truth/good']) mkdirSync(join(dir, d), { recursive: true });
  for (let i = 0; i < 12; i++) await png(surface(rng).image, join(dir, 'train/good', `${String(i).padStart(3, '0')}.png`));
  for (let i = 0; i < 6; i++) await png(surface(rng).image, join(dir, 'test/good', `${String(i).padStart(3, '0')}.png`));
  await sharp(Buffer.alloc(W * H), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'ground_truth/good/000_mask.png'));
  for (const kind of ['crack', 'hole']) {
    for (let i = 0; i < 4; i++) {
      const { image, mask } = surface(rng, { x: 5 + 8 * i, y: 8 + 4 * i });
      const stem = String(i).padStart(3, '0');
      if (kind === 'hole' && i === 0) await sharp(image, { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toFile(join(dir, 'test', kind, `${stem}.jpg`));
      else await png(image, join(dir, 'test', kind, `${stem}.png`));
      if (kind === 'crack') await sharp(mask, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, 'ground_truth', kind, `${stem}_mask.png`));
      else if (i !== 3) await png(Buffer.from(Uint8Array.from(mask, (v) => (v ? 255 : 0))), join(dir, 'ground_truth', kind, `${stem}_mask.png`));
    }
  }
  return dir;
}

const fileOf = (d: DetectionDataset, i: number): string => d.images?.files[i] ?? '';

describe('mvtec: sources (the MVTec AD layout)', () => {
  it('loads PNG and JPEG images with 8- and 16-bit masks, keeps the folders\' split, and marks a defective image without a mask', async () => {
    const dir = await category(tmp());
    const e = datasetEntry(`mvtec:${dir}?size=32`);
    expect(e.task).toBe('detection');
    const d = e.load();
    if (!isDetection(d)) throw new Error('not detection');
    expect([d.height, d.width, d.y.length, d.classes]).toEqual([32, 32, 26, 3]);
    expect(d.detection.kindNames).toEqual(['crack', 'hole']);
    expect(d.detection.groupNames).toEqual(['widget']);
    expect(d.images?.originalSizes).toEqual([{ width: W, height: H, count: 26 }]);
    const roles = [...(d.detection.roles ?? [])];
    expect(roles.filter((r) => r === ROLE_TRAIN)).toHaveLength(12);
    expect(roles.filter((r) => r === ROLE_EVALUATE)).toHaveLength(14);
    const area = 32 * 32;
    const maskOf = (i: number): Uint8Array => d.detection.masks.subarray(i * area, (i + 1) * area);
    for (let i = 0; i < d.y.length; i++) {
      const f = fileOf(d, i);
      const defects = maskOf(i).reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
      if (f.includes('/good/')) expect([d.y[i], defects]).toEqual([0, 0]);
      else if (f.endsWith('hole/003.png')) expect(maskOf(i).every((v) => v === MASK_UNKNOWN)).toBe(true);
      // a 10x10 defect in 48x40 is about 6.7 x 8 pixels at 32x32; 16-bit masks of value 3 count
      else expect(defects).toBeGreaterThan(35);
      if (f.includes('/crack/')) expect(d.y[i]).toBe(1);
      if (f.includes('/hole/')) expect(d.y[i]).toBe(2);
    }
    // the JPEG is read too, and the dark square is where its mask says
    const jpeg = d.images?.files.findIndex((f) => f.endsWith('.jpg')) ?? -1;
    expect(jpeg).toBeGreaterThan(0);
    const darkInMask = [...maskOf(jpeg)].flatMap((v, p) => (v === 1 ? [d.X[jpeg * area + p]] : []));
    expect(Math.max(...darkInMask)).toBeLessThan(0.35);
    // training draws from train/good only; validation and test from test/ only
    const sizes = ownSplitSizes(d);
    expect(sizes).toEqual({ trainSize: 12, validationSize: 3, testSize: 11 });
    const split = makeSplit(d, { ...sizes, seed: 3 });
    for (const i of split.trainIndex) expect(fileOf(d, i)).toMatch(/train\/good/);
    for (const i of [...split.valIndex, ...split.testIndex]) expect(fileOf(d, i)).toMatch(/\/test\//);
  }, 60_000);

  /** The bad data of each kind, written into a category, and what it is refused with. */
  const SPOILERS: [string, (dir: string) => Promise<unknown> | void, RegExp][] = [
    ['a corrupt image', (dir) => writeFileSync(join(dir, 'test/crack/009.png'), 'no PNG at all'), /test\/crack\/009\.png: cannot decode this image/],
    ['a mask without an image', (dir) => png(Buffer.alloc(W * H), join(dir, 'ground_truth/crack/042_mask.png')), /ground_truth\/crack\/042_mask\.png: a mask without an image/],
    [
      'a mask of another size',
      (dir) => sharp(Buffer.alloc(20 * 20), { raw: { width: 20, height: 20, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'ground_truth/crack/001_mask.png')),
      /test\/crack\/001\.png: its mask .*001_mask\.png: is 20x20 and its image 48x40; a mask must match its image's size/,
    ],
    [
      'mixed channel counts',
      (dir) => sharp(Buffer.alloc(W * H * 3, 128), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'test/good/005.png')),
      /test\/good\/005\.png: 3 colour channels, where .*train\/good\/000\.png and the files before it have 1/,
    ],
  ];

  it('bad data is an error naming the file (one line from the CLI, exit 2, nothing written); datasets check lists every file --skip-bad would leave out', async () => {
    for (const [what, spoil, message] of SPOILERS) {
      const root = tmp();
      const dir = await category(root);
      await spoil(dir);
      expect(() => datasetEntry(`mvtec:${dir}?size=32`), what).toThrow(message);
      if (what !== SPOILERS[0][0]) continue;
      // the CLI refuses before it writes anything (shown once: the cases share that path)
      const results = join(root, 'results');
      const r = cli(['run', '--suite', 'quick', '--dataset', `mvtec:${dir}`, '--image-size', '32', '--peer', 'none', '--no-sensors', '--results-dir', results]);
      expect([r.code, r.stderr.trim().split('\n').length]).toEqual([2, 1]);
      expect(r.stderr).toMatch(message);
      expect(existsSync(results)).toBe(false);
    }
    // an empty defect kind cannot be skipped: the kind would vanish
    const empty = await category(tmp());
    mkdirSync(join(empty, 'test/dent'));
    expect(() => datasetEntry(`mvtec:${empty}?skip-bad=1`)).toThrow(/test\/dent: no images; every defect kind needs some/);
    // every spoiled file at once: check lists what --skip-bad would leave out, and fails without it
    const all = await category(tmp());
    for (const [, spoil] of SPOILERS) await spoil(all);
    const strict = cli(['datasets', 'check', '--dataset', `mvtec:${all}`, '--image-size', '32']);
    expect(strict.code).toBe(2);
    expect(strict.stdout.match(/would leave out \(--skip-bad\)/g)).toHaveLength(4);
  }, 120_000);

  it('run --dataset mvtec:DIR --skip-bad trains both detectors on two categories, reports image and pixel AUROC, and lists the files it left out in the record and the report', async () => {
    const root = tmp();
    await category(root, 'widget');
    const spoiled = await category(root, 'gadget');
    for (const [, spoil] of SPOILERS) await spoil(spoiled);
    const results = join(root, 'results');
    const r = cli(['run', '--suite', 'quick', '--dataset', `mvtec:${root}`, '--image-size', '32', '--skip-bad', '--peer', 'none', '--no-sensors', '--no-progress', '--results-dir', results]);
    expect(r.stderr).toMatch(/mvtec-.*\/sparse-detector#0: accuracy/);
    expect(r.code).toBe(0);
    const [file] = readdirSync(join(results, 'runs'));
    const record = JSON.parse(readFileSync(join(results, 'runs', file), 'utf8'));
    expect(record.results.map((x: { runner: string }) => x.runner).sort()).toEqual(['autoencoder', 'sparse-detector']);
    for (const x of record.results) {
      expect(x.metricName).toMatch(/AUROC/);
      expect(x.metrics.pixelAuroc).toBeGreaterThan(0.5);
      expect(x.accuracy).toBeGreaterThan(0.5);
    }
    // one image added (the corrupt one), three left out (the mask alone was never one)
    const samples = 26 + 26 + 1 - 3;
    expect(record.datasets).toEqual([expect.objectContaining({ samples, originalSizes: [{ width: W, height: H, count: samples }] })]);
    const skipped: { file: string; reason: string }[] = record.datasets[0].skipped;
    expect(skipped.map((x) => basename(x.file)).sort()).toEqual(['001.png', '005.png', '009.png', '042_mask.png']);
    const readme = readFileSync(join(results, 'README.md'), 'utf8');
    expect(readme).toMatch(/pixel AUROC/);
    expect(readme).toMatch(/original sizes 48x40 \(50\); \*\*left out as bad \(--skip-bad\), 4\*\*: .*042_mask\.png.*a mask without an image/);
  }, 120_000);

  it('defects exported with --format mvtec and read back give identical arrays and masks (checksums), and the same training images', () => {
    const out = tmp();
    const r = cli(['datasets', 'export', '--dataset', 'defects', '--format', 'mvtec', '--out', out, '--seed', '4', '--train-size', '30', '--validation-size', '30', '--test-size', '60']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readdirSync(out).sort()).toEqual(['fabric', 'granular', 'metal']);
    const again = cli(['datasets', 'export', '--dataset', 'defects', '--format', 'mvtec', '--out', out]);
    expect([again.code, again.stderr.trim()]).toEqual([2, expect.stringMatching(/already holds (fabric|metal|granular), .*; pass --force/)]);
    const source = generateDefects();
    const split = makeSplit(source, { trainSize: 30, validationSize: 30, testSize: 60, seed: 4 });
    const back = datasetEntry(`mvtec:${out}?size=64`).load();
    if (!isDetection(back)) throw new Error('not detection');
    // the files are named by the source's index: reorder what was read back into the source's order
    const index = back.images?.files.map((f) => Number(basename(f).slice(0, 6))) ?? [];
    const order = [...index.keys()].sort((a, b) => index[a] - index[b]);
    const exported = [...split.trainIndex, ...split.valIndex, ...split.testIndex].sort((a, b) => a - b);
    expect(order.map((i) => index[i])).toEqual(exported);
    const area = 64 * 64;
    const hash = (rows: (i: number) => ArrayLike<number>, ids: readonly number[], Kind: typeof Uint8Array | typeof Float32Array): string => {
      const h = createHash('sha256');
      for (const i of ids) {
        const row = Kind.from(rows(i) as ArrayLike<number>);
        h.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
      }
      return h.digest('hex');
    };
    expect(hash((i) => back.X.subarray(i * area, (i + 1) * area), order, Float32Array)).toBe(hash((i) => source.X.subarray(i * area, (i + 1) * area), exported, Float32Array));
    expect(hash((i) => back.detection.masks.subarray(i * area, (i + 1) * area), order, Uint8Array)).toBe(hash((i) => source.detection.masks.subarray(i * area, (i + 1) * area), exported, Uint8Array));
    // kinds and textures by name (the folders sort them; the generator has its own order)
    expect(order.map((i) => (back.y[i] === 0 ? 'good' : back.detection.kindNames[back.y[i] - 1]))).toEqual(exported.map((i) => (source.y[i] === 0 ? 'good' : source.detection.kindNames[source.y[i] - 1])));
    expect(order.map((i) => back.detection.groupNames[back.detection.groups[i]])).toEqual(exported.map((i) => source.detection.groupNames[source.detection.groups[i]]));
    // the training images are the split's: the folders keep it
    const trained = order.filter((i) => back.detection.roles?.[i] === ROLE_TRAIN).map((i) => index[i]);
    expect(trained).toEqual([...split.trainIndex].sort((a, b) => a - b));
    rmSync(out, { recursive: true, force: true });
  }, 60_000);

  it('textures without scikit-image\'s photographs: a clear error saying how to install them', () => {
    const was = process.env.SPARSEBENCH_SKIMAGE_DATA;
    process.env.SPARSEBENCH_SKIMAGE_DATA = tmp();
    try {
      const a = texturesAvailable();
      expect(a.ok ? '' : a.reason).toMatch(/brick\.png.*: install the photographs with apt-get install python3-skimage/);
      expect(() => loadTextures()).toThrow(/dataset textures: missing .*apt-get install python3-skimage/);
    } finally {
      if (was === undefined) delete process.env.SPARSEBENCH_SKIMAGE_DATA;
      else process.env.SPARSEBENCH_SKIMAGE_DATA = was;
    }
  });

  it.skipIf(!texturesAvailable().ok)('textures: tiles of the scikit-image photographs, planted defects, the folders\' split and the committed checksums', () => {
    const d = loadTextures();
    expect(d.detection.groupNames).toEqual([...TEXTURES.names]);
    expect([d.y.length, d.height, d.detection.kindNames.join()]).toEqual([570, 64, 'hole,scratch,spot,stain']);
    const e = datasetEntry('textures');
    expect(ownSplitSizes(d)).toEqual({ trainSize: e.trainSize, validationSize: e.validationSize, testSize: e.testSize });
    expect(e.verify()).toEqual([]);
    // every defective tile has a mask, every good one none
    const area = 64 * 64;
    for (let i = 0; i < d.y.length; i++) {
      const marked = d.detection.masks.subarray(i * area, (i + 1) * area).some((v) => v === 1);
      expect(marked).toBe(d.y[i] > 0);
    }
  }, 60_000);
});
