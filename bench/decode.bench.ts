/**
 * `npm run bench:decode`: how fast your own images load. 1,000 PNG files of 128x128 (crops of
 * scikit-image's photographs where python3-skimage is installed, else seeded noise) decoded
 * by the loader (images.ts: a child process running sharp, then the cache written), cold
 * (empty cache) and warm (the cache read back), to 128x128 (mvtec:'s default) and resized to
 * 28x28 (folder:'s). Beside it, the same files through Pillow in Python (what a peer script
 * would use), timed inside its loop and as a whole process, so the ratio compares like with
 * like on this machine in this run. Medians of 3 rounds, interleaved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImages, encodePngFiles } from '../src/datasets/images.js';
import { skimageDataDir, TEXTURES } from '../src/datasets/textures.js';
import { median } from '../src/report/stats.js';
import { Rng } from '../src/util/rng.js';

const N = 1000;
const SIDE = 128;
const ROUNDS = 3;

function sources(): { bytes: Uint8Array; what: string } {
  const bytes = new Uint8Array(N * SIDE * SIDE);
  const rng = new Rng(11);
  const photos = TEXTURES.names.map((n) => join(skimageDataDir(), `${n}.png`));
  if (photos.every(existsSync)) {
    const side = 512;
    const { pixels } = decodeImages(photos, side);
    for (let i = 0; i < N; i++) {
      const photo = pixels.subarray((i % 3) * side * side, (i % 3 + 1) * side * side);
      const [x0, y0] = [rng.nextInt(side - SIDE + 1), rng.nextInt(side - SIDE + 1)];
      for (let y = 0; y < SIDE; y++) bytes.set(photo.subarray((y0 + y) * side + x0, (y0 + y) * side + x0 + SIDE), (i * SIDE + y) * SIDE);
    }
    return { bytes, what: `crops of ${TEXTURES.names.join(', ')}.png` };
  }
  for (let p = 0; p < bytes.length; p++) bytes[p] = Math.floor(rng.nextFloat() * 256);
  return { bytes, what: 'seeded noise (python3-skimage not installed)' };
}

const cacheRoot = mkdtempSync(join(tmpdir(), 'sb-decode-bench-'));
const dir = join(cacheRoot, 'images');
const { bytes, what } = sources();
const files = Array.from({ length: N }, (_, i) => join(dir, `${String(i).padStart(4, '0')}.png`));
spawnSync('mkdir', ['-p', dir]);
encodePngFiles(files, bytes, SIDE, SIDE);

/** Seconds to decode every file to size x size: cold (a fresh cache) then warm (the same cache again). */
function sparsebench(size: number, round: number): { cold: number; warm: number } {
  process.env.SPARSEBENCH_CACHE = join(cacheRoot, `cache-${size}-${round}`);
  let t = process.hrtime.bigint();
  const first = decodeImages(files, size);
  const cold = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  const again = decodeImages(files, size);
  const warm = Number(process.hrtime.bigint() - t) / 1e9;
  if (first.info.some((x) => 'error' in x) || again.pixels.length !== N * size * size) throw new Error('decode failed');
  return { cold, warm };
}

const PILLOW = `
import sys, time
import numpy as np
from PIL import Image
size = int(sys.argv[1]); files = sys.argv[2:]
t = time.perf_counter()
out = np.empty((len(files), size, size), np.uint8)
for i, f in enumerate(files):
    im = Image.open(f).convert('L')
    if im.size != (size, size): im = im.resize((size, size), Image.BILINEAR)
    out[i] = np.asarray(im)
print(time.perf_counter() - t)
`;

function pillow(size: number): { loop: number; process: number } | undefined {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/python3', ['-c', PILLOW, String(size), ...files], { encoding: 'utf8' });
  const whole = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) return undefined;
  return { loop: Number(r.stdout.trim()), process: whole };
}

process.stdout.write(`decoding ${N} PNG files of ${SIDE}x${SIDE} (${what}); medians of ${ROUNDS} rounds\n\n`);
process.stdout.write('| to | sparsebench cold, images/s | sparsebench warm (cache), images/s | Pillow loop, images/s | Pillow process, images/s | cold vs Pillow process |\n| --- | --- | --- | --- | --- | --- |\n');
for (const size of [SIDE, 28]) {
  const ours: { cold: number; warm: number }[] = [];
  const theirs: { loop: number; process: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(sparsebench(size, round));
    const p = pillow(size);
    if (p) theirs.push(p);
  }
  const rate = (s: number): string => (N / s).toFixed(0);
  const cold = median(ours.map((x) => x.cold));
  const warm = median(ours.map((x) => x.warm));
  const pl = theirs.length ? median(theirs.map((x) => x.loop)) : NaN;
  const pp = theirs.length ? median(theirs.map((x) => x.process)) : NaN;
  process.stdout.write(
    `| ${size}x${size} | ${rate(cold)} | ${rate(warm)} | ${theirs.length ? rate(pl) : 'n/a (no Pillow)'} | ${theirs.length ? rate(pp) : 'n/a'} | ${theirs.length ? `${(pp / cold).toFixed(2)}x` : 'n/a'} |\n`,
  );
}
process.stdout.write('\nsparsebench cold: the loader as a run sees it (child process start, sharp, the cache written); Pillow process: python3 start, imports and loop.\n');
rmSync(cacheRoot, { recursive: true, force: true });
