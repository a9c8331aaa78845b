/**
 * Decodes image files for images.ts in a child process: sharp is asynchronous and dataset
 * loading is synchronous, so the parent runs this once (spawnSync) and reads what it wrote.
 * argv[2] is a JSON job: { files, size, out }. Each file becomes size x size grayscale bytes
 * (8-bit whatever its depth; resized to fill, as every runner takes square images) in out.bin,
 * in order; out.json holds each file's original width and height, or why it could not be read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';

interface Job {
  readonly files: readonly string[];
  readonly size: number;
  readonly out: string;
}

const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Job;
const pixels = new Uint8Array(job.files.length * job.size * job.size);
const info: ({ width: number; height: number } | { error: string })[] = [];
// one file after another: libvips already spreads each decode and resize over its own threads
for (let i = 0; i < job.files.length; i++) {
  const file = job.files[i];
  try {
    const image = sharp(file, { failOn: 'error' });
    const meta = await image.metadata();
    const { data } = await image.toColourspace('b-w').resize(job.size, job.size, { fit: 'fill' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (data.length !== job.size * job.size) throw new Error(`decoded to ${data.length} bytes, not ${job.size} x ${job.size}`);
    pixels.set(data, i * job.size * job.size);
    info.push({ width: meta.width ?? 0, height: meta.height ?? 0 });
  } catch (err) {
    info.push({ error: (err as Error).message.split('\n')[0] });
  }
}
writeFileSync(`${job.out}.bin`, pixels);
writeFileSync(`${job.out}.json`, JSON.stringify(info));
