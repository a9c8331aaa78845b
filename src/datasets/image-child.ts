/**
 * Decodes and encodes image files for images.ts in a child process: sharp is asynchronous
 * and dataset loading is synchronous, so the parent runs this once (spawnSync) and reads what
 * it wrote. argv[2] is a JSON job (ImageJob in images.ts):
 * - decode { files, masks?, size, out }: each file becomes size x size grayscale bytes (8-bit
 *   whatever its depth; resized to fill, as every runner takes square images) in out.bin, in
 *   order; a mask file (any depth: a pixel is defective where it is non-zero) must have its
 *   image's width and height, and becomes size x size bytes of 0 or 1 in out.masks.bin (a
 *   pixel is defective when half or more of its area is). out.json holds each file's original
 *   width, height and colour channels, or why it (or its mask) could not be read.
 * - encode { files, width, height, in }: the n images of in.bin (width x height bytes each)
 *   become 8-bit grayscale PNG files, one per name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import sharp, { type Metadata } from 'sharp';
import type { DecodedInfo, ImageJob } from './images.js';

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
  const info: DecodedInfo[] = [];
  // one file after another: libvips already spreads each decode and resize over its own threads
  for (let i = 0; i < job.files.length; i++) {
    const file = job.files[i];
    let meta: Metadata;
    try {
      const image = sharp(file, { failOn: 'error' });
      meta = await image.metadata();
      const { data } = await image.toColourspace('b-w').resize(job.size, job.size, { fit: 'fill' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      if (data.length !== area) throw new Error(`decoded to ${data.length} bytes, not ${job.size} x ${job.size}`);
      pixels.set(data, i * area);
    } catch (err) {
      info.push({ error: (err as Error).message.split('\n')[0] });
      continue;
    }
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    const channels = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0);
    const maskFile = job.masks?.[i];
    if (maskFile) {
      try {
        const mask = sharp(maskFile, { failOn: 'error' });
        const m = await mask.metadata();
        if (m.width !== width || m.height !== height) throw new Error(`is ${m.width}x${m.height} and its image ${width}x${height}; a mask must match its image's size`);
        // any depth: read 16 bits, so a 16-bit mask's small values still count as defective
        const wide = await mask.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
        const values = new Uint16Array(wide.buffer, wide.byteOffset, width * height);
        const binary = Buffer.from(Uint8Array.from(values, (v) => (v > 0 ? 255 : 0)));
        const small = await sharp(binary, { raw: { width, height, channels: 1 } }).resize(job.size, job.size, { fit: 'fill' }).toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer();
        const out = masks.subarray(i * area, (i + 1) * area);
        for (let p = 0; p < area; p++) out[p] = small[p] >= 128 ? 1 : 0;
      } catch (err) {
        info.push({ error: `its mask ${maskFile}: ${(err as Error).message.split('\n')[0]}` });
        continue;
      }
    }
    info.push({ width, height, channels });
  }
  writeFileSync(`${job.out}.bin`, pixels);
  if (job.masks) writeFileSync(`${job.out}.masks.bin`, masks);
  writeFileSync(`${job.out}.json`, JSON.stringify(info));
}
