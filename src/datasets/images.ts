import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { builtFile, packageRoot } from '../util/package-root.js';

/** Where decoded images are kept: datasets/cache/ in the package (git-ignored), or SPARSEBENCH_CACHE. */
export const imageCacheDir = (): string => process.env.SPARSEBENCH_CACHE ?? join(packageRoot(), 'datasets', 'cache');

/** File names sharp decodes that image folders may hold. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp', '.gif'] as const;

export const isImageFile = (name: string): boolean => IMAGE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** What the image child (image-child.ts) is asked to do. */
export type ImageJob =
  | { readonly op: 'decode'; readonly files: readonly string[]; readonly masks?: readonly (string | null)[]; readonly size: number; readonly out: string }
  | { readonly op: 'encode'; readonly files: readonly string[]; readonly width: number; readonly height: number; readonly in: string };

/** One file as the child read it: its size and colour channels (alpha not counted), or why not. */
export type DecodedInfo = { readonly width: number; readonly height: number; readonly channels: number } | { readonly error: string };

export interface DecodedImages {
  /** n x size x size grayscale bytes, in the order of the files (zeros where a file failed). */
  readonly pixels: Uint8Array;
  /** n x size x size bytes of 0 or 1 when masks were asked for (zeros where an image has none). */
  readonly masks?: Uint8Array;
  /** Each file's width, height and channels before decoding, or why it (or its mask) could not be read. */
  readonly info: readonly DecodedInfo[];
}

/** A file's size and mtime, or an error naming it. */
function stat(file: string): [number, number] {
  try {
    const s = statSync(file);
    return [s.size, s.mtimeMs];
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
}

function runChild(job: ImageJob, work: string): void {
  writeFileSync(join(work, 'job.json'), JSON.stringify(job));
  const child = builtFile(new URL('./image-child.js', import.meta.url), 'datasets/image-child.js', 'image decoder');
  const r = spawnSync(process.execPath, [child, join(work, 'job.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new UsageError(`images: the ${job.op === 'decode' ? 'decoder' : 'encoder'} failed (${r.error?.message ?? (r.stderr.trim().split('\n').pop() || `status ${r.status}`)}); is sharp installed (npm install)?`);
}

/**
 * Image files (and, where given, each one's defect mask) decoded with sharp (a well-kept
 * libvips binding, prebuilt on npm) to grayscale size x size bytes, outside every training
 * window: in a child process (image-child.ts), since sharp is asynchronous and datasets load
 * synchronously, and cached (imageCacheDir) keyed by every file's path, size and mtime and the
 * size asked, so a second run reads bytes. A file that cannot be read is reported in `info`,
 * not thrown: the caller names it, or skips it when asked to (--skip-bad).
 */
export function decodeImages(files: readonly string[], size: number, masks?: readonly (string | null)[]): DecodedImages {
  if (!Number.isInteger(size) || size < 4 || size > 1024) throw new UsageError(`image size must be an integer in [4, 1024], got ${size}`);
  const stamp = (f: string | null): unknown[] => (f === null ? [null] : [resolve(f), ...stat(f)]);
  const key = createHash('sha256')
    .update(JSON.stringify([size, files.map(stamp), masks ? masks.map(stamp) : null]))
    .digest('hex')
    .slice(0, 32);
  const cacheDir = imageCacheDir();
  const cached = join(cacheDir, `images-${key}`);
  if (!existsSync(`${cached}.json`)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'sparsebench-decode-'));
    // the decoder writes beside the cache entry (a rename within one directory), never into it
    const out = `${cached}.partial-${process.pid}`;
    try {
      runChild({ op: 'decode', files: files.map((f) => resolve(f)), ...(masks ? { masks: masks.map((m) => (m === null ? null : resolve(m))) } : {}), size, out }, work);
      // the pixels first, then the index that marks the entry complete
      renameSync(`${out}.bin`, `${cached}.bin`);
      if (masks) renameSync(`${out}.masks.bin`, `${cached}.masks.bin`);
      renameSync(`${out}.json`, `${cached}.json`);
    } finally {
      rmSync(work, { recursive: true, force: true });
      for (const part of ['.bin', '.masks.bin', '.json']) rmSync(`${out}${part}`, { force: true });
    }
  }
  const info = JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as DecodedInfo[];
  const pixels = new Uint8Array(readFileSync(`${cached}.bin`));
  const maskBytes = masks ? new Uint8Array(readFileSync(`${cached}.masks.bin`)) : undefined;
  const area = files.length * size * size;
  if (pixels.length !== area || info.length !== files.length || (maskBytes && maskBytes.length !== area)) throw new UsageError(`${cached}.bin: a damaged cache entry; delete it and run again`);
  return { pixels, info, ...(maskBytes ? { masks: maskBytes } : {}) };
}

/** Writes n width x height grayscale images (bytes, one after another) as PNG files, one per name, through sharp. */
export function encodePngFiles(files: readonly string[], bytes: Uint8Array, width: number, height: number): void {
  if (bytes.length !== files.length * width * height) throw new Error(`encodePngFiles: ${bytes.length} bytes for ${files.length} images of ${width}x${height}`);
  const work = mkdtempSync(join(tmpdir(), 'sparsebench-encode-'));
  try {
    writeFileSync(join(work, 'in.bin'), bytes);
    runChild({ op: 'encode', files: files.map((f) => resolve(f)), width, height, in: join(work, 'in.bin') }, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A file the loader left out (--skip-bad), and why. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/**
 * The images that decoded, as a keep-list: a failed file is an error naming it, or, with
 * skipBad, left out and listed. Colour channels must agree across a source (three in one file
 * and one in the rest is a stray image, not the same camera): the first file's count is the
 * source's, and a file that differs is bad data like an unreadable one.
 */
export function keepDecoded(files: readonly string[], info: readonly DecodedInfo[], skipBad: boolean): { keep: number[]; skipped: SkippedFile[] } {
  const keep: number[] = [];
  const skipped: SkippedFile[] = [];
  let channels: number | undefined;
  let first = '';
  info.forEach((x, i) => {
    let reason: string | undefined;
    if ('error' in x) reason = x.error.startsWith('its mask') ? x.error : `cannot decode this image: ${x.error}`;
    else if (channels !== undefined && x.channels !== channels) reason = `${x.channels} colour channel${x.channels === 1 ? '' : 's'}, where ${first} and the files before it have ${channels}`;
    else if (channels === undefined) [channels, first] = [x.channels, files[i]];
    if (reason === undefined) keep.push(i);
    else leaveOut(skipBad, skipped, files[i], reason);
  });
  return { keep, skipped };
}

/** A bad file: an error naming it, or with skipBad listed in `skipped` and left out. */
export function leaveOut(skipBad: boolean, skipped: SkippedFile[], file: string, reason: string): void {
  if (!skipBad) throw new UsageError(`${file}: ${reason} (--skip-bad leaves such files out and lists them)`);
  skipped.push({ file, reason });
}

/** The kept images' bytes (n x area each, in `pixels`) as intensities in [0, 1], in keep order. */
export function keptIntensities(pixels: Uint8Array, keep: readonly number[], area: number): Float32Array {
  const X = new Float32Array(keep.length * area);
  keep.forEach((src, i) => {
    for (let p = 0; p < area; p++) X[i * area + p] = pixels[src * area + p] / 255;
  });
  return X;
}

/** Distinct original sizes and how many images had each, most common first (the record keeps these). */
export function originalSizes(info: readonly DecodedInfo[], keep: readonly number[]): { width: number; height: number; count: number }[] {
  const counts = new Map<string, { width: number; height: number; count: number }>();
  for (const i of keep) {
    const x = info[i];
    if ('error' in x) continue;
    const k = `${x.width}x${x.height}`;
    const c = counts.get(k) ?? { width: x.width, height: x.height, count: 0 };
    c.count++;
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height);
}
