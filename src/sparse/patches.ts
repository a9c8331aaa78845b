import { UsageError } from '../errors.js';
import type { Rng } from '../util/rng.js';

/**
 * k x k patches of single-channel images (row-major, side x side each), as rows of a
 * (count x k^2) matrix, each centered on its own mean (contrast, not brightness, is what
 * atoms should learn). Every patch at `stride`, or `count` random ones (seeded).
 */
export function extractPatches(
  images: Float32Array | Float64Array,
  height: number,
  width: number,
  k: number,
  opts: { stride?: number; count?: number; rng?: Rng; center?: boolean } = {},
): Float64Array {
  const pixels = height * width;
  if (images.length % pixels !== 0) throw new UsageError(`patches: ${images.length} values are not whole ${height}x${width} images`);
  if (!Number.isInteger(k) || k < 1 || k > height || k > width) throw new UsageError(`patch must be an integer in [1, ${Math.min(height, width)}], got ${k}`);
  const n = images.length / pixels;
  const center = opts.center ?? true;
  const positions: [number, number, number][] = [];
  if (opts.count !== undefined) {
    if (!opts.rng) throw new Error('patches: random patches need an rng');
    for (let i = 0; i < opts.count; i++) positions.push([opts.rng.nextInt(n), opts.rng.nextInt(height - k + 1), opts.rng.nextInt(width - k + 1)]);
  } else {
    const s = opts.stride ?? 1;
    for (let img = 0; img < n; img++) for (let r = 0; r + k <= height; r += s) for (let c = 0; c + k <= width; c += s) positions.push([img, r, c]);
  }
  const d = k * k;
  const out = new Float64Array(positions.length * d);
  positions.forEach(([img, r, c], p) => {
    const base = img * pixels;
    let mean = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) mean += out[p * d + i * k + j] = images[base + (r + i) * width + c + j];
    mean = center ? mean / d : 0;
    for (let t = 0; t < d; t++) out[p * d + t] -= mean;
  });
  return out;
}

/** Patches per image on a stride grid, and the grid itself, for pooling codes spatially. */
/**
 * The patches extractPatches takes at `stride` from image `index` of `images` (same order,
 * same centering, the same bytes), written into `out` (rows x cols x k^2) without allocating:
 * for loops that code image after image. Validates nothing (its callers did).
 */
export function gridPatchesInto(images: Float32Array | Float64Array, index: number, height: number, width: number, k: number, stride: number, center: boolean, out: Float64Array): void {
  const base = index * height * width;
  const d = k * k;
  let p = 0;
  for (let r = 0; r + k <= height; r += stride) {
    for (let c = 0; c + k <= width; c += stride) {
      const o = p * d;
      let mean = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) mean += out[o + i * k + j] = images[base + (r + i) * width + c + j];
      mean = center ? mean / d : 0;
      for (let t = 0; t < d; t++) out[o + t] -= mean;
      p++;
    }
  }
}

export function patchGrid(height: number, width: number, k: number, stride: number): { rows: number; cols: number } {
  return { rows: Math.floor((height - k) / stride) + 1, cols: Math.floor((width - k) / stride) + 1 };
}

/** Rebuilds one image from its patches on a stride grid (uncentered), averaging where they overlap. */
export function reassemble(patches: Float64Array, height: number, width: number, k: number, stride: number): Float64Array {
  const { rows, cols } = patchGrid(height, width, k, stride);
  const sum = new Float64Array(height * width);
  const count = new Float64Array(height * width);
  for (let pr = 0; pr < rows; pr++) {
    for (let pc = 0; pc < cols; pc++) {
      const p = (pr * cols + pc) * k * k;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const at = (pr * stride + i) * width + pc * stride + j;
          sum[at] += patches[p + i * k + j];
          count[at]++;
        }
      }
    }
  }
  for (let i = 0; i < sum.length; i++) if (count[i] > 0) sum[i] /= count[i];
  return sum;
}
