/**
 * Decodes and encodes image files for images.ts in a child process: sharp is asynchronous
 * and dataset loading is synchronous, so the parent runs this once (spawnSync) and reads what
 * it wrote. argv[2] is a JSON job (ImageJob in images.ts):
 * - decode { files, masks?, size, out }: each file (several at a time) becomes size x size
 *   grayscale bytes (8-bit whatever its depth; resized by area to fill, as every runner takes
 *   square images: resample.ts) in out.bin, in order; a mask file (any depth: a pixel is
 *   defective where it is non-zero) must have its image's width and height, and becomes size x
 *   size bytes of 0 or 1 in out.masks.bin (a pixel is defective when half or more of its area
 *   is). out.json holds each file's original width, height and colour channels, or why it (or
 *   its mask) could not be read.
 * - encode { files, width, height, in }: the n images of in.bin (width x height bytes each)
 *   become 8-bit grayscale PNG files, one per name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { DecodedInfo, ImageJob } from './images.js';
import { resizeArea } from './resample.js';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ImageJob;

if (job.op === 'encode') {
  const bytes = readFileSync(job.in);
  const area = job.width * job.height;
  for (let i = 0; i < job.files.length; i++) {
    const raw = bytes.subarray(i * area, (i + 1) * area);
    await sharp(raw, { raw: { width: job.width, height: job.height, channels: 1 } }).toColourspace('b-w').png().toFile(job.files[i]);
  }
} else {
  const area = job.size * job.size;
  const pixels = new Uint8Array(job.files.length * area);
  const masks = new Uint8Array(job.masks ? job.files.length * area : 0);
  const info: DecodedInfo[] = new Array(job.files.length);
  let next = 0;
  // many small images: each on one libvips thread, several at a time (sharp's advice for
  // throughput), rather than one after another each spread over every thread
  sharp.concurrency(1);
  sharp.cache(false);
  const lanes = Math.max(4, Math.min(16, 4 * availableParallelism()));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = next++; i < job.files.length; i = next++) info[i] = await decodeOne(i, area, pixels, masks);
    }),
  );
  writeFileSync(`${job.out}.bin`, pixels);
  if (job.masks) writeFileSync(`${job.out}.masks.bin`, masks);
  writeFileSync(`${job.out}.json`, JSON.stringify(info));
}

async function decodeOne(i: number, area: number, pixels: Uint8Array, masks: Uint8Array): Promise<DecodedInfo> {
  if (job.op !== 'decode') throw new Error('decodeOne: not a decode job');
  const file = job.files[i];
  let width: number;
  let height: number;
  let channels: number;
  try {
    const image = sharp(await readFile(file), { failOn: 'error' });
    const meta = await image.metadata();
    // decoded by sharp at its own size, resized by area here (resample.ts says why)
    const { data, info } = await image.toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    [width, height] = [info.width, info.height];
    if (data.length !== width * height) throw new Error(`decoded to ${data.length} bytes, not ${width} x ${height}`);
    resizeArea(data, width, height, pixels.subarray(i * area, (i + 1) * area), job.size, job.size);
    channels = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0);
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
  const maskFile = job.masks?.[i];
  if (maskFile) {
    try {
      // any depth: read 16 bits, so a 16-bit mask's small values still count as defective
      const { data, info } = await sharp(await readFile(maskFile), { failOn: 'error' }).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      if (info.width !== width || info.height !== height) throw new Error(`is ${info.width}x${info.height} and its image ${width}x${height}; a mask must match its image's size`);
      const values = new Uint16Array(data.buffer, data.byteOffset, width * height);
      const out = masks.subarray(i * area, (i + 1) * area);
      // a resized pixel is defective when half or more of its area was
      resizeArea(Uint8Array.from(values, (v) => (v > 0 ? 255 : 0)), width, height, out, job.size, job.size);
      for (let p = 0; p < area; p++) out[p] = out[p] >= 128 ? 1 : 0;
    } catch (err) {
      return { error: `its mask ${maskFile}: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return { width, height, channels };
}
