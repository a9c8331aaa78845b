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

export interface DecodedImages {
  /** n x size x size grayscale bytes, in the order of the files. */
  readonly pixels: Uint8Array;
  /** Each file's width and height before resizing. */
  readonly originals: readonly { width: number; height: number }[];
}

/**
 * Image files decoded with sharp (a well-kept libvips binding, prebuilt on npm) to grayscale
 * size x size bytes, outside every training window: in a child process (decode-child.ts), since
 * sharp is asynchronous and datasets load synchronously, and cached (imageCacheDir) keyed
 * by every file's path, size and mtime and the size asked, so a second run reads bytes. A file
 * sharp cannot read is an error naming it.
 */
/** A file's size and mtime, or an error naming it. */
function stat(file: string): [number, number] {
  try {
    const s = statSync(file);
    return [s.size, s.mtimeMs];
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
}

export function decodeImages(files: readonly string[], size: number): DecodedImages {
  if (!Number.isInteger(size) || size < 4 || size > 1024) throw new UsageError(`image size must be an integer in [4, 1024], got ${size}`);
  const key = createHash('sha256')
    .update(JSON.stringify([size, ...files.map((f) => [resolve(f), ...stat(f)])]))
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
      writeFileSync(join(work, 'job.json'), JSON.stringify({ files: files.map((f) => resolve(f)), size, out }));
      const child = builtFile(new URL('./decode-child.js', import.meta.url), 'datasets/decode-child.js', 'image decoder');
      const r = spawnSync(process.execPath, [child, join(work, 'job.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new UsageError(`decoding images: the decoder failed (${r.error?.message ?? (r.stderr.trim().split('\n').pop() || `status ${r.status}`)}); is sharp installed (npm install)?`);
      const info = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as ({ width: number; height: number } | { error: string })[];
      const bad = info.findIndex((x) => 'error' in x);
      if (bad >= 0) throw new UsageError(`${files[bad]}: cannot decode this image: ${(info[bad] as { error: string }).error}`);
      // the pixels first, then the index that marks the entry complete
      renameSync(`${out}.bin`, `${cached}.bin`);
      renameSync(`${out}.json`, `${cached}.json`);
    } finally {
      rmSync(work, { recursive: true, force: true });
      rmSync(`${out}.bin`, { force: true });
      rmSync(`${out}.json`, { force: true });
    }
  }
  const originals = JSON.parse(readFileSync(`${cached}.json`, 'utf8')) as { width: number; height: number }[];
  const pixels = new Uint8Array(readFileSync(`${cached}.bin`));
  if (pixels.length !== files.length * size * size || originals.length !== files.length) throw new UsageError(`${cached}.bin: a damaged cache entry; delete it and run again`);
  return { pixels, originals };
}
