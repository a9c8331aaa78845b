import { defineDataset } from './define.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parameterError, UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { DEFECT_KINDS, generatedArrays, lighting, plannedLabel, plant, sha256 } from './defects.js';
import { decodeImages, imageCacheDir } from './images.js';
import { readManifest, type Manifest } from './manifest.js';
import { fromMvtec, writeMvtec, type MvtecImage } from './mvtec.js';
import { ROLE_EVALUATE, ROLE_TRAIN, type DetectionDataset } from './types.js';

/**
 * Defect detection on real photographed surfaces: the brick, grass and gravel photographs
 * (512x512 grayscale) that scikit-image ships (Debian: python3-skimage). Tiles are cut from
 * them at seeded positions, lit with a small gain and gradient change and given sensor noise
 * (defects.ts's lighting and noise), and some get one of the planted defects of `defects` with
 * its mask. The tiles are written in the MVTec AD layout under the datasets cache and read
 * back through the mvtec: loader, so this dataset exercises that path end to end; the folders
 * hold the split (50 good tiles a texture to train; 70 good and 70 defective to evaluate).
 */
export const TEXTURES = { size: 64, names: ['brick', 'grass', 'gravel'], trainGood: 50, testGood: 70, defective: 70, seed: 0x7e47_0be5 } as const;

/** Where the photographs are: SPARSEBENCH_SKIMAGE_DATA, or Debian's python3-skimage. */
export const skimageDataDir = (): string => process.env.SPARSEBENCH_SKIMAGE_DATA ?? '/usr/lib/python3/dist-packages/skimage/data';

const photoFiles = (): string[] => TEXTURES.names.map((n) => join(skimageDataDir(), `${n}.png`));

export function texturesAvailable(): { ok: true; location: string } | { ok: false; reason: string } {
  const missing = photoFiles().filter((f) => !existsSync(f));
  return missing.length === 0
    ? { ok: true, location: skimageDataDir() }
    : { ok: false, reason: `missing ${missing.join(', ')}: install the photographs with apt-get install python3-skimage (or point SPARSEBENCH_SKIMAGE_DATA at scikit-image's data folder)` };
}

/** The tiles, generated from the photographs (their bytes key the cache) and written in the MVTec AD layout once. */
function texturesFolder(): string {
  const available = texturesAvailable();
  if (!available.ok) throw parameterError('dataset', ` textures: ${available.reason}`);
  const photos = photoFiles().map((f) => readFileSync(f));
  const key = createHash('sha256')
    .update(JSON.stringify(TEXTURES))
    .update(readFileSync(new URL(import.meta.url)))
    .update(Buffer.concat(photos))
    .digest('hex')
    .slice(0, 24);
  const dir = join(imageCacheDir(), `textures-${key}`);
  if (existsSync(join(dir, 'complete.json'))) return dir;
  const side = 512;
  const decoded = decodeImages(photoFiles(), side);
  const bad = decoded.info.findIndex((x) => 'error' in x || x.width !== side || x.height !== side);
  if (bad >= 0) throw new UsageError(`${photoFiles()[bad]}: not the ${side}x${side} photograph scikit-image ships (${JSON.stringify(decoded.info[bad])})`);
  const { size } = TEXTURES;
  const area = size * size;
  const rng = new Rng(TEXTURES.seed);
  const img = new Float64Array(area);
  const images: MvtecImage[] = [];
  TEXTURES.names.forEach((group, t) => {
    const photo = decoded.pixels.subarray(t * side * side, (t + 1) * side * side);
    const n = TEXTURES.trainGood + TEXTURES.testGood + TEXTURES.defective;
    let good = 0;
    for (let i = 0; i < n; i++) {
      const label = plannedLabel(i, n, TEXTURES.defective);
      const r = rng.fork();
      const [x0, y0] = [r.nextInt(side - size + 1), r.nextInt(side - size + 1)];
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) img[y * size + x] = photo[(y0 + y) * side + x0 + x] / 255;
      lighting(img, size, r);
      const mask = new Uint8Array(area);
      const kind = label > 0 ? DEFECT_KINDS[label - 1] : 'good';
      if (kind !== 'good') plant(kind, img, mask, size, r);
      const noise = 0.01 + 0.01 * r.nextFloat();
      const pixels = Uint8Array.from(img, (v) => Math.round(255 * Math.min(1, Math.max(0, v + noise * r.nextNormal()))));
      // the first trainGood good tiles of a texture are its training images
      const role = kind === 'good' && good++ < TEXTURES.trainGood ? ROLE_TRAIN : ROLE_EVALUATE;
      images.push({ name: String(i).padStart(4, '0'), group, kind, role, pixels, ...(kind === 'good' ? {} : { mask }) });
    }
  });
  mkdirSync(dir, { recursive: true });
  writeMvtec(images, size, size, dir);
  writeFileSync(join(dir, 'complete.json'), JSON.stringify({ ...TEXTURES, photos: photos.map((p) => sha256(p)) }) + '\n');
  return dir;
}

export function loadTextures(): DetectionDataset {
  const dir = texturesFolder();
  const d = fromMvtec('textures', dir, TEXTURES.size, false);
  return {
    ...d,
    source: `${TEXTURES.names.map((n) => `${n}.png`).join(', ')} from scikit-image (${skimageDataDir()}): seeded ${TEXTURES.size}x${TEXTURES.size} tiles with planted defects, written to and read from ${dir} in the MVTec AD layout`,
  };
}

/** The photographs and the tiles must hash as committed (datasets/textures.json): another scikit-image release would change every result. */
export function verifyTextures(manifest: Manifest): string[] {
  const problems = photoFiles().flatMap((f, i) => {
    const want = manifest.files[`${TEXTURES.names[i]}.png`]?.sha256;
    const got = existsSync(f) ? sha256(readFileSync(f)) : 'missing';
    return got === want ? [] : [`${f}: sha256 ${got.slice(0, 12)}... differs from datasets/textures.json's ${(want ?? 'none').slice(0, 12)}...`];
  });
  if (problems.length) return problems;
  const d = loadTextures();
  const arrays = { ...generatedArrays(d), 'roles.u8': d.detection.roles ?? new Uint8Array(0) };
  return Object.entries(manifest.files)
    .filter(([file]) => file in arrays)
    .flatMap(([file, want]) => {
      const got = sha256(arrays[file as keyof typeof arrays]);
      return got === want.sha256 ? [] : [`textures ${file}: sha256 ${got.slice(0, 12)}... differs from datasets/textures.json's ${want.sha256.slice(0, 12)}...`];
    });
}

export const texturesDataset = defineDataset({
  name: 'textures',
  description:
    `${TEXTURES.size}x${TEXTURES.size} tiles of scikit-image's photographs (${TEXTURES.names.join(', ')}; Debian python3-skimage) with the planted defects of defects and their masks, ` +
    `through the MVTec AD layout; detection: ${TEXTURES.trainGood} defect-free training tiles per texture`,
  task: 'detection',
  // the folders' own split (ownSplitSizes, tested): per texture 50 to train; of its 140 test
  // tiles (70 good, 70 defective) 28 to validate and 112 to test
  trainSize: 150,
  validationSize: 84,
  testSize: 336,
  available: () => texturesAvailable(),
  load: () => loadTextures(),
  verify: () => verifyTextures(readManifest('textures')),
});
