import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fashionAvailable, loadFashionMnist } from '../src/datasets/fashion.js';
import { parseIdx } from '../src/datasets/idx.js';
import { readManifest, verifyManifest } from '../src/datasets/manifest.js';

/** IDX bytes: 00 00 08 ndims, big-endian dims, data. */
function idx(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...head, ...data]);
}

describe('IDX parser', () => {
  it('reads a good file, raw or gzip-compressed', () => {
    const raw = idx([2, 2, 3], [...Array(12).keys()]);
    for (const bytes of [raw, gzipSync(raw)]) {
      const a = parseIdx(bytes, 'x.idx');
      expect(a.dims).toEqual([2, 2, 3]);
      expect([...a.data]).toEqual([...Array(12).keys()]);
    }
  });

  it('names the file on a truncated file, a wrong magic number or another element type', () => {
    expect(() => parseIdx(idx([3, 4], [1, 2, 3]), 'short.idx')).toThrow(/short\.idx: truncated: dimensions 3 x 4 need 12 bytes of data, the file has 3/);
    expect(() => parseIdx(Uint8Array.from([0x12, 0x34, 8, 1, 0, 0, 0, 1, 5]), 'magic.idx')).toThrow(/magic\.idx: wrong magic number 12 34 08 01/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5, 5, 5, 5]), 'float.idx')).toThrow(/float\.idx: element type 0xd is not unsigned byte/);
    expect(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), 'bad.gz')).toThrow(/bad\.gz: not a valid gzip file/);
  });

  it('refuses a gzip bomb before inflating it: no more is decompressed than the header states', () => {
    // a 10-byte array followed by 64 MB of zeros: ~64 kB compressed
    const bomb = gzipSync(Buffer.concat([Buffer.from(idx([10], Array.from({ length: 10 }, () => 1))), Buffer.alloc(64 * 2 ** 20)]));
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => parseIdx(bomb, 'bomb.gz')).toThrow(/bomb\.gz: decompresses to more than the 18 bytes its header states/);
    // a header that states more than any IDX file may hold: refused from the header alone
    const huge = gzipSync(Uint8Array.from([0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0]));
    expect(() => parseIdx(huge, 'huge.gz')).toThrow(/huge\.gz: its header states \d+ bytes of data, more than/);
  });
});

describe('Fashion-MNIST loader', () => {
  it('refuses a count mismatch between images and labels, naming both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-fashion-'));
    const images = idx([3, 28, 28], new Array(3 * 784).fill(7));
    const labels = idx([2], [1, 2]);
    for (const part of ['train', 't10k']) {
      writeFileSync(join(dir, `${part}-images-idx3-ubyte.gz`), gzipSync(images));
      writeFileSync(join(dir, `${part}-labels-idx1-ubyte.gz`), gzipSync(labels));
    }
    expect(() => loadFashionMnist(dir)).toThrow(/train-labels-idx1-ubyte\.gz: 2 labels for 3 images in train-images-idx3-ubyte\.gz/);
  });

  it('says how to install it when absent', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sb-fashion-')), 'none');
    mkdirSync(dir);
    const a = fashionAvailable(dir);
    expect(a.ok ? '' : a.reason).toMatch(/apt-get install dataset-fashion-mnist, or set SPARSEBENCH_FASHION_MNIST/);
    expect(() => loadFashionMnist(dir)).toThrow(/fashion-mnist: .*not found/);
  });

  it.skipIf(!fashionAvailable().ok)("loads Debian's files: 70,000 images, 7,000 per class, checksums as recorded", () => {
    expect(verifyManifest(readManifest('fashion-mnist'), (fashionAvailable() as { location: string }).location)).toEqual([]);
    const d = loadFashionMnist();
    expect(d.y.length).toBe(70000);
    expect(d.X.length).toBe(70000 * 784);
    const counts = new Array<number>(10).fill(0);
    for (const v of d.y) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(7000));
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, d.X[i]);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });
});
