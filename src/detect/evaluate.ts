import { deflateSync } from 'node:zlib';
import { MASK_UNKNOWN, type Split } from '../datasets/types.js';
import { gatherRows } from '../util/rows.js';
import { auroc, gridOf, heatMap, quantile, windowMeans, type PatchGeometry } from './scoring.js';

/**
 * How every detector is scored: 8x8 patches every 2 pixels, image score = a quantile of its
 * patch scores (by default the 99th percentile; each detector's own is chosen on validation).
 */
export const SCORING = { k: 8, stride: 2, quantile: 0.99 } as const;

/**
 * Patch scores of `n` images (n x rows x cols on the SCORING grid) from the model of `group`;
 * `members` are the images' indices in the test set.
 */
export type PatchScorer = (group: number, images: Float32Array, n: number, members: readonly number[]) => Float64Array;

/** The SCORING patch grid on images of this size. */
export function scoringGeometry(height: number, width: number): PatchGeometry {
  return { height, width, k: SCORING.k, stride: SCORING.stride };
}

/** Patch scores from per-pixel squared errors (n images): each patch's mean error. */
export function errorScores(errors: Float32Array, n: number, height: number, width: number): Float64Array {
  const g = scoringGeometry(height, width);
  const { rows, cols } = gridOf(g);
  const pixels = height * width;
  const out = new Float64Array(n * rows * cols);
  const sat = new Float64Array((height + 1) * (width + 1));
  for (let i = 0; i < n; i++) windowMeans(errors.subarray(i * pixels, (i + 1) * pixels), g, out.subarray(i * rows * cols, (i + 1) * rows * cols), sat);
  return out;
}

export interface HeatmapItem {
  readonly testIndex: number;
  readonly group: string;
  readonly kind: string;
  /** height x width bytes each (the image, the true mask as 0/255, the heat map), deflated, in base64. */
  readonly image: string;
  readonly mask: string;
  readonly heat: string;
}

export interface Heatmaps {
  readonly height: number;
  readonly width: number;
  /** How heat bytes map to scores. */
  readonly scale: string;
  /** How the byte planes are stored: deflate then base64 (records of the first day held plain base64). */
  readonly encoding: 'deflate';
  readonly items: readonly HeatmapItem[];
}

export interface DetectionEvaluation {
  /** Image-level AUROC averaged over the groups (one model per group, as per MVTec category). */
  readonly imageAuroc: number;
  readonly pixelAuroc: number;
  /** Per group: image and pixel AUROC; per defect kind: image AUROC of that kind against the good images, averaged over groups. */
  readonly byGroup: Readonly<Record<string, { imageAuroc: number; pixelAuroc: number }>>;
  readonly byKind: Readonly<Record<string, number>>;
  readonly heatmaps: Heatmaps;
}

const mean = (xs: readonly number[]): number => {
  const finite = xs.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
};

const b64 = (bytes: Uint8Array): string => deflateSync(bytes, { level: 9 }).toString('base64');

/** The test indices of each group (texture), in test order: the images a group's model scores. */
export function groupMembers(split: Split): number[][] {
  const det = split.detection;
  if (!det) throw new Error(`groupMembers: ${split.dataset} is not a detection split`);
  return det.groupNames.map((_, group) => [...split.yTest.keys()].filter((i) => det.groupTest[i] === group));
}

/**
 * Scores every test image with its group's model and measures image- and pixel-level
 * AUROC per group, then averages over groups (see evaluateScores).
 */
export function evaluateDetection(split: Split, scorer: PatchScorer, quantileOfImage: number = SCORING.quantile): DetectionEvaluation {
  const pixels = split.height * split.width;
  const members = groupMembers(split);
  const scores = members.map((m, group) => (m.length === 0 ? new Float64Array(0) : scorer(group, gatherRows(split.XTest, m, pixels), m.length, m)));
  return evaluateScores(split, members, scores, quantileOfImage);
}

/**
 * The image AUROC of evaluateScores alone (the same value: each group's AUROC of its image
 * scores, averaged in group order), without heat maps or pixel AUROC: a learning-curve point
 * needs nothing else, and the rest cost about a third of each point's scoring.
 */
export function imageAurocOf(split: Split, groups: readonly (readonly number[])[], groupScores: readonly Float64Array[], quantileOfImage: number = SCORING.quantile): number {
  const det = split.detection;
  if (!det) throw new Error(`imageAurocOf: ${split.dataset} is not a detection split`);
  const { rows, cols } = gridOf(scoringGeometry(split.height, split.width));
  const perImage = rows * cols;
  const perGroup: number[] = [];
  det.groupNames.forEach((_, group) => {
    if (groups[group].length === 0) return;
    const { imageScores, defective } = imageScoresOf(split, groups[group], groupScores[group], perImage, quantileOfImage);
    perGroup.push(auroc(imageScores, defective));
  });
  return mean(perGroup);
}

/** Each member image's score (this quantile of its patch scores) and whether it is defective (1) or not (0). */
function imageScoresOf(split: Split, members: readonly number[], scores: Float64Array, perImage: number, quantileOfImage: number): { imageScores: number[]; defective: number[] } {
  return {
    imageScores: members.map((_, r) => quantile(scores.subarray(r * perImage, (r + 1) * perImage), quantileOfImage)),
    defective: members.map((i) => (split.yTest[i] > 0 ? 1 : 0)),
  };
}

/**
 * Image- and pixel-level AUROC per group from each group's patch scores (scores[g] for the
 * test images members[g], as groupMembers gives them), averaged over groups. Heat maps of one
 * test image per defect kind (the first in the seeded test order) and one defect-free image
 * are kept for the report, scaled so that 128 is the 99th percentile of the group's
 * defect-free pixels.
 */
export function evaluateScores(split: Split, groups: readonly (readonly number[])[], groupScores: readonly Float64Array[], quantileOfImage: number = SCORING.quantile): DetectionEvaluation {
  const det = split.detection;
  if (!det) throw new Error(`evaluateScores: ${split.dataset} is not a detection split`);
  const g = scoringGeometry(split.height, split.width);
  const { rows, cols } = gridOf(g);
  const pixels = split.height * split.width;
  const perImage = rows * cols;
  const byGroup: Record<string, { imageAuroc: number; pixelAuroc: number }> = {};
  const kindAurocs: number[][] = det.kindNames.map(() => []);
  const wanted = new Map<number, number>(); // test index -> slot, first image of each label
  for (let i = 0; i < split.yTest.length && wanted.size < det.kindNames.length + 1; i++) {
    if (![...wanted.keys()].some((j) => split.yTest[j] === split.yTest[i])) wanted.set(i, wanted.size);
  }
  const items: HeatmapItem[] = [];
  det.groupNames.forEach((name, group) => {
    const members = groups[group];
    if (members.length === 0) return;
    const scores = groupScores[group];
    const heat = new Float64Array(members.length * pixels);
    members.forEach((_, r) => heatMap(scores.subarray(r * perImage, (r + 1) * perImage), g, heat.subarray(r * pixels, (r + 1) * pixels)));
    const { imageScores, defective } = imageScoresOf(split, members, scores, perImage, quantileOfImage);
    byGroup[name] = { imageAuroc: auroc(imageScores, defective), pixelAuroc: pixelAurocOf(heat, gatherRows(det.maskTest, members, pixels)) };
    det.kindNames.forEach((_, k) => {
      const sel = members.map((_, r) => r).filter((r) => split.yTest[members[r]] === 0 || split.yTest[members[r]] === k + 1);
      kindAurocs[k].push(auroc(sel.map((r) => imageScores[r]), sel.map((r) => defective[r])));
    });
    const goodHeat = new Float64Array(defective.filter((d) => d === 0).length * pixels);
    for (let r = 0, at = 0; r < members.length; r++) {
      if (defective[r]) continue;
      goodHeat.set(heat.subarray(r * pixels, (r + 1) * pixels), at);
      at += pixels;
    }
    const reference = quantile(goodHeat, 0.99);
    members.forEach((src, r) => {
      if (!wanted.has(src)) return;
      const bytes = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) bytes[p] = Math.min(255, Math.round((128 * heat[r * pixels + p]) / reference));
      const image = Uint8Array.from(split.XTest.subarray(src * pixels, (src + 1) * pixels), (v) => Math.round(v * 255));
      // a defective image without a mask shows grey: not known, pixel by pixel
      const mask = Uint8Array.from(det.maskTest.subarray(src * pixels, (src + 1) * pixels), (v) => (v === MASK_UNKNOWN ? 128 : v * 255));
      const label = split.yTest[src];
      items.push({ testIndex: src, group: name, kind: label === 0 ? 'none' : det.kindNames[label - 1], image: b64(image), mask: b64(mask), heat: b64(bytes) });
    });
  });
  items.sort((a, b) => (wanted.get(a.testIndex) ?? 0) - (wanted.get(b.testIndex) ?? 0));
  return {
    imageAuroc: mean(Object.values(byGroup).map((x) => x.imageAuroc)),
    pixelAuroc: mean(Object.values(byGroup).map((x) => x.pixelAuroc)),
    byGroup,
    byKind: Object.fromEntries(det.kindNames.map((k, i) => [k, mean(kindAurocs[i])])),
    heatmaps: {
      height: split.height,
      width: split.width,
      scale: "128 = the 99th percentile of the group's defect-free test pixels, 255 = twice it or more",
      encoding: 'deflate',
      items,
    },
  };
}

/** Pixel AUROC over the pixels whose truth is known: a defective image without a mask (MASK_UNKNOWN) enters the image AUROC only. */
export function pixelAurocOf(heat: Float64Array, mask: Uint8Array): number {
  if (!mask.includes(MASK_UNKNOWN)) return auroc(heat, mask);
  const known = mask.reduce((n, v) => n + (v === MASK_UNKNOWN ? 0 : 1), 0);
  const scores = new Float64Array(known);
  const labels = new Uint8Array(known);
  for (let p = 0, at = 0; p < mask.length; p++) {
    if (mask[p] === MASK_UNKNOWN) continue;
    scores[at] = heat[p];
    labels[at++] = mask[p];
  }
  return auroc(scores, labels);
}
