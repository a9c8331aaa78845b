import { describe, expect, it } from 'vitest';
import { DEFECT_KINDS, generateDefects, generatedArrays, TEXTURE_FAMILIES, verifyGenerated } from '../src/datasets/defects.js';
import { readManifest } from '../src/datasets/manifest.js';
import { detectionSplit, makeSplit, TEST_DEFECT_RATE } from '../src/datasets/split.js';
import { auroc, gridOf, heatMap, quantile, windowMeans } from '../src/detect/scoring.js';
import { UsageError } from '../src/errors.js';
import sharp from 'sharp';
import { heatmapFigure } from '../src/report/heatmaps.js';
import { Rng } from '../src/util/rng.js';

const data = generateDefects();
const pixels = data.height * data.width;

describe('defects generator', () => {
  it('is the dataset the manifest describes, byte for byte, and names what differs', () => {
    const manifest = readManifest('defects');
    expect(verifyGenerated(manifest, data)).toEqual([]);
    const altered = generateDefects();
    altered.detection.masks[123] ^= 1;
    const problems = verifyGenerated(manifest, altered);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/masks\.u8: sha256/);
    expect(Object.keys(generatedArrays(data)).sort()).toEqual(Object.keys(manifest.files).sort());
  });

  it('masks exactly the defective images, with defects of plausible size, and quantises pixels to 8 bits', () => {
    const { masks, groups } = data.detection;
    const counts = new Map<number, number>();
    for (let i = 0; i < data.y.length; i++) {
      let area = 0;
      for (let p = 0; p < pixels; p++) area += masks[i * pixels + p];
      if (data.y[i] === 0) expect(area).toBe(0);
      else {
        expect(area).toBeGreaterThan(2); // a thin scratch still covers pixels
        expect(area).toBeLessThan(pixels / 4);
      }
      counts.set(groups[i], (counts.get(groups[i]) ?? 0) + (data.y[i] === 0 ? 1 : 0));
    }
    // every texture has as many defect-free images
    expect([...counts.values()]).toEqual(TEXTURE_FAMILIES.map(() => 120));
    for (let k = 1; k <= DEFECT_KINDS.length; k++) expect(data.y.filter((v) => v === k).length).toBe(60);
    for (let i = 0; i < 5000; i++) {
      const v = data.X[i] * 255;
      expect(Math.abs(v - Math.round(v))).toBeLessThan(1e-3);
      expect(data.X[i]).toBeGreaterThanOrEqual(0);
      expect(data.X[i]).toBeLessThanOrEqual(1);
    }
  });

  it('darkens a spot where its mask says', () => {
    const i = [...data.y.keys()].find((j) => data.y[j] === DEFECT_KINDS.indexOf('spot') + 1)!;
    let inside = 0;
    let outside = 0;
    let n = 0;
    for (let p = 0; p < pixels; p++) {
      if (data.detection.masks[i * pixels + p]) {
        inside += data.X[i * pixels + p];
        n++;
      } else outside += data.X[i * pixels + p];
    }
    expect(inside / n).toBeLessThan(outside / (pixels - n) - 0.15);
  });
});

describe('detection split', () => {
  const split = detectionSplit(data, { trainSize: 150, validationSize: 120, testSize: 300, seed: 42 });
  const det = split.detection!;

  it('trains on defect-free images only, 50 per texture, and tests each texture with half defective', () => {
    expect(split.yTrain.every((v) => v === 0)).toBe(true);
    for (let g = 0; g < TEXTURE_FAMILIES.length; g++) {
      expect(det.groupTrain.filter((v) => v === g).length).toBe(50);
      const test = [...split.yTest.keys()].filter((i) => det.groupTest[i] === g);
      expect(test.length).toBe(100);
      expect(test.filter((i) => split.yTest[i] > 0).length).toBe(100 * TEST_DEFECT_RATE);
      // every kind present, spread evenly (12 or 13 of each)
      for (let k = 1; k <= DEFECT_KINDS.length; k++) expect(test.filter((i) => split.yTest[i] === k).length).toBeGreaterThanOrEqual(12);
    }
    const train = new Set(split.trainIndex);
    expect([...split.testIndex].some((i) => train.has(i))).toBe(false);
  });

  it('validates each texture on 20 good and 20 defective images of its own, none of them trained or tested on', () => {
    const seen = new Set([...split.trainIndex, ...split.testIndex]);
    expect([...split.valIndex].some((i) => seen.has(i))).toBe(false);
    for (let g = 0; g < TEXTURE_FAMILIES.length; g++) {
      const val = [...split.yVal.keys()].filter((i) => det.groupVal[i] === g);
      expect(val.length).toBe(40);
      expect(val.filter((i) => split.yVal[i] > 0).length).toBe(20);
    }
    split.valIndex.forEach((src, r) => {
      expect(det.groupVal[r]).toBe(data.detection.groups[src]);
      expect(split.yVal[r]).toBe(data.y[src]);
      expect(det.maskVal.subarray(r * pixels, (r + 1) * pixels)).toEqual(data.detection.masks.subarray(src * pixels, (src + 1) * pixels));
    });
    // drawn last: the train and test images are the same whatever the validation size
    const small = detectionSplit(data, { trainSize: 150, validationSize: 30, testSize: 300, seed: 42 });
    expect(small.trainIndex).toEqual(split.trainIndex);
    expect(small.testIndex).toEqual(split.testIndex);
    expect(() => detectionSplit(data, { trainSize: 150, validationSize: 150, testSize: 300, seed: 1 })).toThrow(/train 50 \+ validation 25 \+ test 50 is too many/);
  });

  it('carries each test image\'s mask and group, and is deterministic per seed', () => {
    split.testIndex.forEach((src, r) => {
      expect(det.groupTest[r]).toBe(data.detection.groups[src]);
      expect(det.maskTest.subarray(r * pixels, (r + 1) * pixels)).toEqual(data.detection.masks.subarray(src * pixels, (src + 1) * pixels));
    });
    const again = makeSplit(data, { trainSize: 150, testSize: 300, seed: 42 });
    expect(again.trainIndex).toEqual(split.trainIndex);
    expect(again.testIndex).toEqual(split.testIndex);
    expect(makeSplit(data, { trainSize: 150, testSize: 300, seed: 43 }).trainIndex).not.toEqual(split.trainIndex);
  });

  it('refuses sizes that do not divide among the textures or exceed the images, naming the flag', () => {
    expect(() => detectionSplit(data, { trainSize: 100, testSize: 300, seed: 1 })).toThrow(/trainSize must be a multiple of 3/);
    expect(() => detectionSplit(data, { trainSize: 150, testSize: 301, seed: 1 })).toThrow(UsageError);
    expect(() => detectionSplit(data, { trainSize: 300, testSize: 150, seed: 1 })).toThrow(/defects\/fabric has 120 defect-free images/);
  });
});

describe('anomaly scoring', () => {
  it('AUROC: 1 when positives score higher, 0 reversed, 0.5 on ties, and the pairwise count on random scores', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auroc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(auroc([1, 2], [1, 1])).toBeNaN();
    const rng = new Rng(3);
    const scores = Array.from({ length: 300 }, () => Math.round(rng.nextFloat() * 20));
    const labels = scores.map((s) => (rng.nextFloat() < 0.2 + s / 40 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < scores.length; i++) {
      for (let j = 0; j < scores.length; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  it('window means agree with summing each window, and heat maps spread a patch score over its pixels', () => {
    const g = { height: 12, width: 10, k: 4, stride: 2 };
    const rng = new Rng(9);
    const err = Float64Array.from({ length: 120 }, () => rng.nextFloat());
    const { rows, cols } = gridOf(g);
    const means = windowMeans(err, g, new Float64Array(rows * cols));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) s += err[(r * 2 + i) * 10 + c * 2 + j];
        expect(means[r * cols + c]).toBeCloseTo(s / 16, 12);
      }
    }
    const scores = new Float64Array(rows * cols);
    scores[0] = 1; // only the top-left patch is anomalous
    const heat = heatMap(scores, g);
    expect(heat[0]).toBe(1); // covered by that patch alone
    expect(heat[2 * 10 + 2]).toBe(0.25); // covered by four patches, one of them hot
    expect(heat[11 * 10 + 9]).toBe(0);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
  });
});

describe('heat-map figure', () => {
  it('embeds each cell as a PNG (through sharp) whose pixels are the image, the mask and the heat in the hot colour map', async () => {
    const [width, height] = [5, 3];
    const bytes = (f: (p: number) => number): string => Buffer.from(Uint8Array.from({ length: width * height }, (_, p) => f(p))).toString('base64');
    const heatmaps = {
      height,
      width,
      scale: 'test scale',
      items: [{ testIndex: 7, group: 'fabric', kind: 'spot', image: bytes((p) => p * 17), mask: bytes((p) => (p === 4 ? 255 : 0)), heat: bytes((p) => p * 18) }],
    };
    const figure = await heatmapFigure('defects', [{ runner: 'sparse-detector', heatmaps }]);
    const cells = [...(figure?.svg ?? '').matchAll(/data:image\/png;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1], 'base64'));
    expect(cells).toHaveLength(3);
    const pixels = await Promise.all(cells.map((png) => sharp(png).raw().toBuffer({ resolveWithObject: true })));
    for (const { info } of pixels) expect([info.width, info.height, info.channels]).toEqual([width, height, 3]);
    const [image, mask, heat] = pixels.map((x) => x.data);
    for (let p = 0; p < width * height; p++) {
      expect([...image.subarray(p * 3, p * 3 + 3)]).toEqual([p * 17, p * 17, p * 17]);
      expect(mask[p * 3]).toBe(p === 4 ? 255 : 0);
      // hot: red rises over the first third, green over the second, blue over the last
      const t = (p * 18) / 255;
      expect([...heat.subarray(p * 3, p * 3 + 3)]).toEqual([Math.round(255 * Math.min(1, 3 * t)), Math.round(255 * Math.min(1, Math.max(0, 3 * t - 1))), Math.round(255 * Math.max(0, 3 * t - 2))]);
    }
    expect([...(figure?.png.subarray(1, 4) ?? [])]).toEqual([...Buffer.from('PNG')]);
  });
});
