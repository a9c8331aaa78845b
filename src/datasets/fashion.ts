import { readManifest, verifyManifest } from './manifest.js';
import { defineDataset } from './define.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readIdx } from './idx.js';
import type { Dataset } from './types.js';

export const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/** Where Debian's dataset-fashion-mnist puts the files, unless SPARSEBENCH_FASHION_MNIST says otherwise. */
export function fashionDir(): string {
  return process.env.SPARSEBENCH_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
}

export function fashionAvailable(dir: string = fashionDir()): { ok: true; location: string } | { ok: false; reason: string } {
  const missing = FASHION_FILES.filter((f) => !existsSync(join(dir, f)));
  return missing.length === 0
    ? { ok: true, location: dir }
    : { ok: false, reason: `${missing.join(', ')} not found in ${dir}: apt-get install dataset-fashion-mnist, or set SPARSEBENCH_FASHION_MNIST to a directory holding them` };
}

/**
 * Fashion-MNIST (Zalando: 70,000 28x28 grayscale clothing images, 10 classes) from the IDX
 * gz files: the 60,000 training and 10,000 test images pooled, as sparsebench draws its own
 * seeded stratified split from a pool, as for MNIST.
 */
export function loadFashionMnist(dir: string = fashionDir()): Dataset {
  const available = fashionAvailable(dir);
  if (!available.ok) throw new UsageError(`fashion-mnist: ${available.reason}`);
  const parts = [
    ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
    ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  ].map(([imagesFile, labelsFile]) => {
    const images = readIdx(join(dir, imagesFile));
    const labels = readIdx(join(dir, labelsFile));
    if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
      throw new UsageError(`${join(dir, imagesFile)}: dimensions ${images.dims.join(' x ')} are not N x 28 x 28`);
    }
    if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
      throw new UsageError(`${join(dir, labelsFile)}: ${labels.dims.join(' x ')} labels for ${images.dims[0]} images in ${imagesFile}`);
    }
    for (let i = 0; i < labels.data.length; i++) {
      if (labels.data[i] > 9) throw new UsageError(`${join(dir, labelsFile)}: label ${labels.data[i]} at ${i} is not a class 0-9`);
    }
    return { images, labels };
  });
  const n = parts.reduce((s, p) => s + p.labels.dims[0], 0);
  const X = new Float32Array(n * 784);
  const y = new Uint8Array(n);
  let row = 0;
  for (const { images, labels } of parts) {
    for (let i = 0; i < images.data.length; i++) X[row * 784 + i] = images.data[i] / 255;
    y.set(labels.data, row);
    row += labels.dims[0];
  }
  return { name: 'fashion-mnist', source: `Debian dataset-fashion-mnist (${dir})`, height: 28, width: 28, channels: 1, classes: 10, X, y };
}

export const fashionMnistDataset = defineDataset({
  name: 'fashion-mnist',
  description: '70,000 Zalando clothing images, 28x28 grayscale, from Debian\'s dataset-fashion-mnist (IDX gz files)',
  task: 'classification',
  trainSize: 8000,
  validationSize: 1000,
  testSize: 2000,
  available: () => fashionAvailable(),
  load: () => loadFashionMnist(),
  verify: () => verifyManifest(readManifest('fashion-mnist'), fashionDir()),
});
