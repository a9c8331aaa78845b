import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { decodeImages, encodePngFiles, isImageFile, keepDecoded, keptIntensities, leaveOut, originalSizes, type SkippedFile } from './images.js';
import { MASK_DEFECT, MASK_UNKNOWN, ROLE_EVALUATE, ROLE_TRAIN, type DetectionDataset, type Split } from './types.js';

/**
 * The MVTec AD layout (Bergmann et al., CVPR 2019), the standard one for anomaly detection:
 *   <category>/train/good/*.png            defect-free images to train on
 *   <category>/test/<kind>/*.png           test images, `good` or a defect kind
 *   <category>/ground_truth/<kind>/<name>_mask.png   a defect's mask (non-zero = defective)
 * `mvtec:DIR` reads one category (DIR holds train/), or several (DIR holds categories, each
 * a group with a model of its own, as the textures of `defects` are). Masks are optional per
 * image: a good image without one is defect-free everywhere, a defective image without one
 * enters the image AUROC and not the pixel AUROC (MASK_UNKNOWN). The folders' split is kept
 * (roles: split.ts). Images are resized to `mvtec:DIR?size=N`, 128 unless --image-size says.
 */
export const DEFAULT_MVTEC_SIZE = 128;

const LAYOUT = '<category>/train/good/*.png, <category>/test/<kind>/*.png, <category>/ground_truth/<kind>/<name>_mask.png';

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    throw new UsageError(`${dir}: cannot read this folder: ${(err as Error).message}`);
  }
}

const imagesIn = (dir: string): string[] => readdirSync(dir).filter(isImageFile).sort();
const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

interface Entry {
  readonly file: string;
  readonly mask: string | null;
  readonly group: number;
  readonly kind: string;
  readonly role: number;
}

/** Every image of one category with its mask, kind and role; masks without an image are bad data. */
function listCategory(dir: string, group: number, skipBad: boolean, skipped: SkippedFile[]): Entry[] {
  const trainKinds = subfolders(join(dir, 'train'));
  const stray = trainKinds.filter((k) => k !== 'good');
  if (stray.length) throw new UsageError(`${join(dir, 'train', stray[0])}: training images must be defect-free, in train/good only`);
  if (!trainKinds.includes('good') || imagesIn(join(dir, 'train', 'good')).length === 0) throw new UsageError(`${join(dir, 'train', 'good')}: no training images (the layout: ${LAYOUT})`);
  if (!isDir(join(dir, 'test'))) throw new UsageError(`${join(dir, 'test')}: no test folder (the layout: ${LAYOUT})`);
  const entries: Entry[] = imagesIn(join(dir, 'train', 'good')).map((f) => ({ file: join(dir, 'train', 'good', f), mask: null, group, kind: 'good', role: ROLE_TRAIN }));
  const truth = join(dir, 'ground_truth');
  const testKinds = subfolders(join(dir, 'test'));
  for (const kind of testKinds) {
    const files = imagesIn(join(dir, 'test', kind));
    if (files.length === 0) throw new UsageError(`${join(dir, 'test', kind)}: no images; every defect kind needs some`);
    const masks = isDir(join(truth, kind)) ? imagesIn(join(truth, kind)) : [];
    const stems = new Set(files.map((f) => basename(f, extname(f))));
    const maskOf = new Map<string, string>();
    for (const m of masks) {
      const stem = basename(m, extname(m)).replace(/_mask$/, '');
      if (!stems.has(stem)) leaveOut(skipBad, skipped, join(truth, kind, m), `a mask without an image: no ${join('test', kind, stem)}.* beside it`);
      else maskOf.set(stem, join(truth, kind, m));
    }
    for (const f of files) entries.push({ file: join(dir, 'test', kind, f), mask: maskOf.get(basename(f, extname(f))) ?? null, group, kind, role: ROLE_EVALUATE });
  }
  for (const k of subfolders(truth).filter((x) => !testKinds.includes(x))) {
    for (const m of imagesIn(join(truth, k))) leaveOut(skipBad, skipped, join(truth, k, m), `a mask without an image: no test/${k} folder`);
  }
  return entries;
}

export function fromMvtec(uri: string, dir: string, size: number, skipBad: boolean): DetectionDataset {
  const categories = isDir(join(dir, 'train')) ? [dir] : subfolders(dir).filter((c) => isDir(join(dir, c, 'train'))).map((c) => join(dir, c));
  if (categories.length === 0) throw new UsageError(`${dir}: not the MVTec AD layout: no train/ folder here or in its sub-folders (${LAYOUT})`);
  if (categories.length > 255) throw new UsageError(`${dir}: ${categories.length} categories, more than 255`);
  const skipped: SkippedFile[] = [];
  const listed = categories.flatMap((c, g) => listCategory(c, g, skipBad, skipped));
  const kindNames = [...new Set(listed.filter((e) => e.kind !== 'good').map((e) => e.kind))].sort();
  if (kindNames.length > 254) throw new UsageError(`${dir}: ${kindNames.length} defect kinds, more than 254`);
  const decoded = decodeImages(listed.map((e) => e.file), size, listed.map((e) => e.mask));
  // colour channels must agree within a category (MVTec mixes grayscale and colour categories)
  const keep: number[] = [];
  categories.forEach((_, g) => {
    const at = listed.flatMap((e, i) => (e.group === g ? [i] : []));
    const kept = keepDecoded(at.map((i) => listed[i].file), at.map((i) => decoded.info[i]), skipBad);
    keep.push(...kept.keep.map((k) => at[k]));
    skipped.push(...kept.skipped);
  });
  const area = size * size;
  const X = keptIntensities(decoded.pixels, keep, area);
  const masks = new Uint8Array(keep.length * area);
  const y = new Uint8Array(keep.length);
  const groups = new Uint8Array(keep.length);
  const roles = new Uint8Array(keep.length);
  keep.forEach((src, i) => {
    const e = listed[src];
    y[i] = e.kind === 'good' ? 0 : kindNames.indexOf(e.kind) + 1;
    groups[i] = e.group;
    roles[i] = e.role;
    const mask = masks.subarray(i * area, (i + 1) * area);
    if (e.mask !== null && decoded.masks) mask.set(decoded.masks.subarray(src * area, (src + 1) * area));
    else if (y[i] > 0) mask.fill(MASK_UNKNOWN);
  });
  const groupNames = categories.map((c) => basename(c));
  return {
    name: uri,
    source: `${uri} (MVTec AD layout: ${groupNames.join(', ')}; defect kinds ${kindNames.join(', ') || 'none'}; resized to ${size}x${size})`,
    height: size,
    width: size,
    channels: 1,
    classes: kindNames.length + 1,
    X,
    y,
    detection: { masks, groups, groupNames, kindNames, roles },
    images: { files: keep.map((i) => listed[i].file), originalSizes: originalSizes(decoded.info, keep) },
    skipped,
  };
}

/** One image to write in the MVTec AD layout: its bytes, and its mask's (0 or 1) when it is defective and the mask is known. */
export interface MvtecImage {
  readonly name: string;
  readonly group: string;
  /** `good`, or a defect kind. */
  readonly kind: string;
  readonly role: typeof ROLE_TRAIN | typeof ROLE_EVALUATE;
  readonly pixels: Uint8Array;
  readonly mask?: Uint8Array;
}

/**
 * Writes images in the MVTec AD layout: training ones under <group>/train/good, the others
 * under <group>/test/<kind>, each known mask under <group>/ground_truth/<kind>/<name>_mask.png
 * (0 or 255). 8-bit grayscale PNG through sharp, written in a folder of its own inside outDir
 * and moved into place when complete (an earlier group of the same name is replaced).
 */
export function writeMvtec(images: readonly MvtecImage[], width: number, height: number, outDir: string): { files: number; categories: string[] } {
  const work = join(outDir, `.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const area = width * height;
  const names: string[] = [];
  const chunks: Uint8Array[] = [];
  const add = (file: string, bytes: Uint8Array): void => {
    names.push(file);
    chunks.push(bytes);
  };
  for (const im of images) {
    if (im.role === ROLE_TRAIN && im.kind !== 'good') throw new Error(`writeMvtec: training image ${im.name} is ${im.kind}, not good`);
    add(join(work, im.group, im.role === ROLE_TRAIN ? 'train' : 'test', im.kind, `${im.name}.png`), im.pixels);
    if (im.mask && im.kind !== 'good') add(join(work, im.group, 'ground_truth', im.kind, `${im.name}_mask.png`), Uint8Array.from(im.mask, (v) => (v === MASK_DEFECT ? 255 : 0)));
  }
  for (const d of new Set(names.map((f) => join(f, '..')))) mkdirSync(d, { recursive: true });
  const bytes = new Uint8Array(names.length * area);
  chunks.forEach((c, i) => bytes.set(c, i * area));
  const categories = [...new Set(images.map((im) => im.group))];
  try {
    encodePngFiles(names, bytes, width, height);
    for (const c of categories) {
      rmSync(join(outDir, c), { recursive: true, force: true });
      renameSync(join(work, c), join(outDir, c));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { files: names.length, categories };
}

/**
 * Writes a detection split in the MVTec AD layout, one category per group: the training
 * images under train/good, the validation and test images under test/<kind> (MVTec has no
 * validation folder; read back, validation is drawn from test/ again), with the masks of
 * the defective ones. Files are named by the image's index in the dataset, so that a reader
 * can match them to the source.
 */
export function exportMvtec(split: Split, outDir: string): { files: number; categories: string[] } {
  const det = split.detection;
  if (!det) throw new UsageError(`--format mvtec: ${split.dataset} is not a detection dataset (the MVTec AD layout holds defect detection)`);
  const area = split.height * split.width;
  const bytes = (X: Float32Array, r: number): Uint8Array => Uint8Array.from(X.subarray(r * area, (r + 1) * area), (v) => Math.round(v * 255));
  const name = (index: number): string => String(index).padStart(6, '0');
  const images: MvtecImage[] = [];
  split.trainIndex.forEach((index, r) => images.push({ name: name(index), group: det.groupNames[det.groupTrain[r]], kind: 'good', role: ROLE_TRAIN, pixels: bytes(split.XTrain, r) }));
  const evaluated: [Uint32Array, Float32Array, Uint8Array, Uint8Array, Uint8Array][] = [
    [split.valIndex, split.XVal, split.yVal, det.groupVal, det.maskVal],
    [split.testIndex, split.XTest, split.yTest, det.groupTest, det.maskTest],
  ];
  for (const [indices, X, y, groups, masks] of evaluated) {
    indices.forEach((index, r) => {
      const mask = masks.subarray(r * area, (r + 1) * area);
      const kind = y[r] === 0 ? 'good' : det.kindNames[y[r] - 1];
      images.push({ name: name(index), group: det.groupNames[groups[r]], kind, role: ROLE_EVALUATE, pixels: bytes(X, r), ...(mask.includes(MASK_UNKNOWN) ? {} : { mask }) });
    });
  }
  return writeMvtec(images, split.width, split.height, outDir);
}
