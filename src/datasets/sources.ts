import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parameterError, UsageError } from '../errors.js';
import { decodeImages, IMAGE_EXTENSIONS, isImageFile, keepDecoded, keptIntensities, originalSizes, type SkippedFile } from './images.js';
import { DEFAULT_MVTEC_SIZE, fromMvtec } from './mvtec.js';
import { readNpy } from './npy.js';
import type { Dataset } from './types.js';

/**
 * The user's own data, named by a URI wherever a dataset name goes (run, datasets check,
 * datasets export, the library): `npy:X.npy,y.npy` (images n x h x w, n x h x w x 1, or n x d
 * with d a square; labels: n integers) and `csv:FILE` (a header row, then one sample a row:
 * the label in the column `label`, or in the one `csv:FILE?label=NAME` names, which the CLI's
 * --label-column writes; the other columns the pixels of a square image, row by row), and
 * `folder:DIR` (one sub-folder per class, named as the classes are, in sorted order; PNG, JPEG,
 * TIFF, WebP or GIF images of any size and depth, decoded by sharp to grayscale and resized to
 * `folder:DIR?size=N`, 28 unless --image-size says otherwise: images.ts), and `mvtec:DIR`
 * (defect detection in the MVTec AD layout: mvtec.ts). Array and CSV values are intensities:
 * integers are read as 0-255 and divided by 255; fractions must lie in [0, 1]. Anything else
 * is an error naming the file (and the row or value), raised before any work; with
 * `?skip-bad=1` (--skip-bad) a bad image, row or file is left out and listed instead.
 */
export const SOURCE_SCHEMES = ['npy', 'csv', 'folder', 'mvtec'] as const;

export function isSourceUri(name: string): boolean {
  return SOURCE_SCHEMES.some((s) => name.startsWith(`${s}:`));
}

/** What the registry needs of a source: the data and where it came from. */
export interface SourceData {
  readonly data: Dataset;
  /** The files or folder named in the URI. */
  readonly location: string;
  /** Every file read, with its size and mtime then: a later change is reported by verify. */
  readonly files: readonly string[];
  readonly stamps: readonly string[];
}

const OPTIONS: Record<(typeof SOURCE_SCHEMES)[number], readonly string[]> = {
  npy: ['skip-bad'],
  csv: ['label', 'skip-bad'],
  folder: ['size', 'skip-bad'],
  mvtec: ['size', 'skip-bad'],
};

export function readSource(uri: string): SourceData {
  const { scheme, path, options } = parseSource(uri);
  if (path.length === 0) throw parameterError('dataset', ` ${uri}: no path after "${scheme}:"`);
  const named = scheme === 'npy' ? path.split(',') : [path];
  if (scheme === 'npy' && named.length !== 2) throw parameterError('dataset', ` ${uri}: npy: takes two files, X.npy,y.npy`);
  const known = OPTIONS[scheme as keyof typeof OPTIONS];
  const unknown = [...options.keys()].filter((k) => !known.includes(k));
  if (unknown.length) throw parameterError('dataset', ` ${uri}: unknown option ${unknown.join(', ')} (${scheme}: takes ${known.join(', ')})`);
  const skipBad = flagOption(uri, 'skip-bad', options.get('skip-bad'));
  const data =
    scheme === 'npy'
      ? fromNpy(uri, named[0], named[1], skipBad)
      : scheme === 'csv'
        ? fromCsv(uri, named[0], options.get('label') ?? 'label', skipBad)
        : scheme === 'folder'
          ? fromFolder(uri, named[0], sizeOption(uri, options.get('size'), DEFAULT_FOLDER_SIZE), skipBad)
          : fromMvtec(uri, named[0], sizeOption(uri, options.get('size'), DEFAULT_MVTEC_SIZE), skipBad);
  const files = (data.images?.files ?? named).map((f) => resolve(f));
  return { data, location: named.map((f) => resolve(f)).join(' and '), files, stamps: files.map(stampOf) };
}

function flagOption(uri: string, key: string, value: string | undefined): boolean {
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '' || value === '1' || value === 'true') return true;
  throw parameterError('dataset', ` ${uri}: ${key}=${value} is not 1 or 0`);
}

/** scheme:path?key=value&...: the query holds a source's options. */
export function parseSource(uri: string): { scheme: string; path: string; options: Map<string, string> } {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const options = new Map(q < 0 ? [] : [...new URLSearchParams(rest.slice(q + 1))]);
  return { scheme, path, options };
}

/** The URI with one option set (the CLI's flags write a source's options this way). */
export function withSourceOption(uri: string, key: string, value: string): string {
  const { scheme, path, options } = parseSource(uri);
  options.set(key, value);
  return `${scheme}:${path}?${new URLSearchParams([...options]).toString()}`;
}

export function stampOf(file: string): string {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

function fromNpy(uri: string, xFile: string, yFile: string, skipBad: boolean): Dataset {
  const X = readNpy(xFile);
  const y = readNpy(yFile);
  const n = X.shape[0];
  if (X.shape.length < 2 || X.shape.length > 4 || (X.shape.length === 4 && X.shape[3] !== 1)) {
    throw new UsageError(`${xFile}: shape (${X.shape.join(', ')}): images need (n, height, width), (n, height, width, 1) or (n, pixels) with pixels a square`);
  }
  const [height, width] = X.shape.length === 2 ? squareSide(xFile, X.shape[1]) : [X.shape[1], X.shape[2]];
  if (y.shape.length !== 1 || y.shape[0] !== n) throw new UsageError(`${yFile}: shape (${y.shape.join(', ')}): labels need (${n},), one per image of ${xFile}`);
  const pixels = height * width;
  const bad = new BadSamples(skipBad);
  intensities(X.values, X.integral, pixels, bad, (i) => `${xFile}: value ${i} (image ${Math.floor(i / pixels)})`, (s) => `${xFile}: image ${s}`);
  checkLabels(y.values, bad, (i) => `${yFile}: label ${i}`, (s) => `${xFile}: image ${s}`);
  return dataset(uri, X.values, X.integral, y.values, yFile, height, width, bad);
}

function fromCsv(uri: string, file: string, labelColumn: string, skipBad: boolean): Dataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length < 2) throw new UsageError(`${file}: a header row and at least one sample are needed`);
  const header = lines[0].split(',').map((h) => h.trim());
  const at = /^\d+$/.test(labelColumn) && !header.includes(labelColumn) ? Number(labelColumn) : header.indexOf(labelColumn);
  if (at < 0 || at >= header.length) throw new UsageError(`${file}: no label column "${labelColumn}" in the header (${header.slice(0, 6).join(', ')}${header.length > 6 ? ', ...' : ''}); name it with --label-column (csv:FILE?label=NAME)`);
  const pixels = header.length - 1;
  const [height, width] = squareSide(file, pixels);
  const n = lines.length - 1;
  const values = new Float64Array(n * pixels);
  const y = new Float64Array(n);
  let integral = true;
  const bad = new BadSamples(skipBad);
  const rowOf = (r: number): string => `${file}: row ${r + 2}`;
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) {
      bad.add(r, rowOf(r), rowOf(r), `${cells.length} fields, the header ${header.length}`);
      continue;
    }
    for (let c = 0, p = 0; c < cells.length; c++) {
      const text = cells[c].trim();
      const v = text === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) {
        bad.add(r, `${rowOf(r)}, column "${header[c]}"`, rowOf(r), `"${cells[c]}" is not a number`);
        break;
      }
      if (c === at) y[r] = v;
      else {
        if (!Number.isInteger(v) && !bad.has(r)) integral = false;
        values[r * pixels + p++] = v;
      }
    }
  }
  intensities(values, integral, pixels, bad, (i) => `${file}: row ${Math.floor(i / pixels) + 2}, pixel ${i % pixels}`, rowOf);
  checkLabels(y, bad, (i) => `${file}: row ${i + 2}, column "${header[at]}"`, rowOf);
  return dataset(uri, values, integral, y, file, height, width, bad);
}

/** The side images of a folder are resized to unless the URI (or --image-size) says otherwise. */
export const DEFAULT_FOLDER_SIZE = 28;

function sizeOption(uri: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 4 || n > 1024) throw parameterError('dataset', ` ${uri}: size=${value} is not an integer in [4, 1024] (--image-size)`);
  return n;
}

function fromFolder(uri: string, dir: string, size: number, skipBad: boolean): Dataset {
  let classes: string[];
  try {
    classes = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    throw new UsageError(`${dir}: cannot read this folder: ${(err as Error).message}`);
  }
  if (classes.length < 2) throw new UsageError(`${dir}: ${classes.length} class folder${classes.length === 1 ? '' : 's'}; classification needs a sub-folder of images per class, two or more`);
  if (classes.length > 255) throw new UsageError(`${dir}: ${classes.length} class folders, more than 255`);
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((c, label) => {
    const members = readdirSync(join(dir, c)).filter(isImageFile).sort();
    if (members.length === 0) throw new UsageError(`${join(dir, c)}: no images (${IMAGE_EXTENSIONS.join(', ')}): every class needs some`);
    for (const m of members) {
      files.push(join(dir, c, m));
      labels.push(label);
    }
  });
  const { pixels, info } = decodeImages(files, size);
  const { keep, skipped } = keepDecoded(files, info, skipBad);
  const X = keptIntensities(pixels, keep, size * size);
  const y = Uint8Array.from(keep, (i) => labels[i]);
  const empty = classes.findIndex((_, c) => !y.includes(c));
  if (empty >= 0) throw new UsageError(`${join(dir, classes[empty])}: every image was left out as bad (--skip-bad); a class needs some`);
  return {
    name: uri,
    source: `${uri} (classes ${classes.join(', ')}; resized to ${size}x${size})`,
    height: size,
    width: size,
    channels: 1,
    classes: classes.length,
    X,
    y,
    images: { files: keep.map((i) => files[i]), originalSizes: originalSizes(info, keep) },
    skipped,
  };
}

function squareSide(file: string, pixels: number): [number, number] {
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) throw new UsageError(`${file}: ${pixels} pixels a sample is not a square image; give (n, height, width) arrays`);
  return [side, side];
}

/**
 * Samples found bad while reading an array or CSV source: the first is an error naming where
 * (down to the value), or, with skipBad, each sample is left out and listed (as a SkippedFile:
 * the file and the row or image).
 */
class BadSamples {
  readonly skipped: SkippedFile[] = [];
  private readonly samples = new Set<number>();
  constructor(private readonly skipBad: boolean) {}
  add(sample: number, where: string, listedAs: string, reason: string): void {
    if (!this.skipBad) throw new UsageError(`${where}: ${reason} (--skip-bad leaves such samples out and lists them)`);
    if (this.samples.has(sample)) return;
    this.samples.add(sample);
    this.skipped.push({ file: listedAs, reason });
  }
  has(sample: number): boolean {
    return this.samples.has(sample);
  }
}

/** Intensities in [0, 1] (integers as 0-255, fractions as they are): NaN or out of range is bad data naming the value. */
function intensities(values: Float64Array, integral: boolean, perSample: number, bad: BadSamples, where: (i: number) => string, sampleAt: (s: number) => string): void {
  const high = integral ? 255 : 1;
  const why = integral ? 'integer intensities must lie in 0-255' : 'intensities must lie in [0, 1] (divide by 255, or by the maximum, first)';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const s = Math.floor(i / perSample);
    if (!(v >= 0 && v <= high) && !bad.has(s)) bad.add(s, `${where(i)} is ${v}`, sampleAt(s), why);
  }
}

/** Labels must be integers 0-255. */
function checkLabels(values: Float64Array, bad: BadSamples, where: (i: number) => string, sampleAt: (s: number) => string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((!Number.isInteger(v) || v < 0 || v > 255) && !bad.has(i)) bad.add(i, `${where(i)} is ${v}`, sampleAt(i), 'labels must be integers 0-255');
  }
}

/** The good samples as a dataset: labels 0..C-1 with every class present. */
function dataset(name: string, values: Float64Array, integral: boolean, labels: Float64Array, labelFile: string, height: number, width: number, bad: BadSamples): Dataset {
  const pixels = height * width;
  const keep: number[] = [];
  for (let s = 0; s < labels.length; s++) if (!bad.has(s)) keep.push(s);
  const scale = integral ? 1 / 255 : 1;
  const X = new Float32Array(keep.length * pixels);
  const y = new Uint8Array(keep.length);
  keep.forEach((src, i) => {
    for (let p = 0; p < pixels; p++) X[i * pixels + p] = values[src * pixels + p] * scale;
    y[i] = labels[src];
  });
  let classes = 0;
  for (const v of y) classes = Math.max(classes, v + 1);
  const counts = new Array<number>(classes).fill(0);
  for (const v of y) counts[v]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new UsageError(`${labelFile}: class ${empty} has no samples (labels must run 0..${classes - 1} without gaps)`);
  if (classes < 2) throw new UsageError(`${labelFile}: one class only; classification needs two or more`);
  return { name, source: name, height, width, channels: 1, classes, X, y, skipped: bad.skipped };
}
