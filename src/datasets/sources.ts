import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { readNpy } from './npy.js';
import type { Dataset } from './types.js';

/**
 * The user's own data, named by a URI wherever a dataset name goes (run, datasets check,
 * datasets export, the library): `npy:X.npy,y.npy` (images n x h x w, n x h x w x 1, or n x d
 * with d a square; labels: n integers) and `csv:FILE` (a header row, then one sample a row:
 * the label in the column `label`, or the one SPARSEBENCH_LABEL_COLUMN names; the other
 * columns the pixels of a square image, row by row). Values are intensities: integer arrays
 * are read as 0-255 and divided by 255; fractions must lie in [0, 1]. Anything else is an
 * error naming the file (and the row or value), raised before any work.
 */
export const SOURCE_SCHEMES = ['npy', 'csv'] as const;

export function isSourceUri(name: string): boolean {
  return SOURCE_SCHEMES.some((s) => name.startsWith(`${s}:`));
}

/** What the registry needs of a source: the data and where it came from. */
export interface SourceData {
  readonly data: Dataset;
  readonly files: readonly string[];
  /** Each file's size and mtime when read: a later change is reported by verify. */
  readonly stamps: readonly string[];
}

export function readSource(uri: string): SourceData {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  if (rest.length === 0) throw new UsageError(`--dataset ${uri}: no path after "${scheme}:"`);
  const files = scheme === 'npy' ? rest.split(',') : [rest];
  if (scheme === 'npy' && files.length !== 2) throw new UsageError(`--dataset ${uri}: npy: takes two files, X.npy,y.npy`);
  const data = scheme === 'npy' ? fromNpy(uri, files[0], files[1]) : fromCsv(uri, files[0], process.env.SPARSEBENCH_LABEL_COLUMN ?? 'label');
  return { data, files: files.map((f) => resolve(f)), stamps: files.map(stampOf) };
}

export function stampOf(file: string): string {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

function fromNpy(uri: string, xFile: string, yFile: string): Dataset {
  const X = readNpy(xFile);
  const y = readNpy(yFile);
  const n = X.shape[0];
  if (X.shape.length < 2 || X.shape.length > 4 || (X.shape.length === 4 && X.shape[3] !== 1)) {
    throw new UsageError(`${xFile}: shape (${X.shape.join(', ')}): images need (n, height, width), (n, height, width, 1) or (n, pixels) with pixels a square`);
  }
  const [height, width] = X.shape.length === 2 ? squareSide(xFile, X.shape[1]) : [X.shape[1], X.shape[2]];
  if (y.shape.length !== 1 || y.shape[0] !== n) throw new UsageError(`${yFile}: shape (${y.shape.join(', ')}): labels need (${n},), one per image of ${xFile}`);
  return dataset(uri, intensities(X.values, X.integral, (i) => `${xFile}: value ${i} (image ${Math.floor(i / (height * width))})`), labels(y.values, yFile, (i) => `${yFile}: label ${i}`), height, width);
}

function fromCsv(uri: string, file: string, labelColumn: string): Dataset {
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
  if (at < 0 || at >= header.length) throw new UsageError(`${file}: no label column "${labelColumn}" in the header (${header.slice(0, 6).join(', ')}${header.length > 6 ? ', ...' : ''}); name it with SPARSEBENCH_LABEL_COLUMN`);
  const pixels = header.length - 1;
  const [height, width] = squareSide(file, pixels);
  const n = lines.length - 1;
  const values = new Float64Array(n * pixels);
  const y = new Float64Array(n);
  let integral = true;
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) throw new UsageError(`${file}: row ${r + 2} has ${cells.length} fields, the header ${header.length}`);
    for (let c = 0, p = 0; c < cells.length; c++) {
      const text = cells[c].trim();
      const v = text === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) throw new UsageError(`${file}: row ${r + 2}, column "${header[c]}": "${cells[c]}" is not a number`);
      if (c === at) y[r] = v;
      else {
        if (!Number.isInteger(v)) integral = false;
        values[r * pixels + p++] = v;
      }
    }
  }
  return dataset(uri, intensities(values, integral, (i) => `${file}: row ${Math.floor(i / pixels) + 2}, pixel ${i % pixels}`), labels(y, file, (i) => `${file}: row ${i + 2}, column "${header[at]}"`), height, width);
}

function squareSide(file: string, pixels: number): [number, number] {
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) throw new UsageError(`${file}: ${pixels} pixels a sample is not a square image; give (n, height, width) arrays`);
  return [side, side];
}

/** Intensities in [0, 1]: integers as 0-255, fractions as they are; NaN or out of range is an error naming the value. */
function intensities(values: Float64Array, integral: boolean, where: (i: number) => string): Float32Array {
  const out = new Float32Array(values.length);
  const scale = integral ? 1 / 255 : 1;
  const high = integral ? 255 : 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= high)) {
      throw new UsageError(`${where(i)} is ${v}: ${integral ? 'integer intensities must lie in 0-255' : 'intensities must lie in [0, 1] (divide by 255, or by the maximum, first)'}`);
    }
    out[i] = v * scale;
  }
  return out;
}

/** Labels 0..C-1 with every class present, and C. */
function labels(values: Float64Array, file: string, where: (i: number) => string): { y: Uint8Array; classes: number } {
  const y = new Uint8Array(values.length);
  let classes = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new UsageError(`${where(i)} is ${v}: labels must be integers 0-255`);
    y[i] = v;
    classes = Math.max(classes, v + 1);
  }
  const counts = new Array<number>(classes).fill(0);
  for (const v of y) counts[v]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new UsageError(`${file}: class ${empty} has no samples (labels must run 0..${classes - 1} without gaps)`);
  if (classes < 2) throw new UsageError(`${file}: one class only; classification needs two or more`);
  return { y, classes };
}

function dataset(name: string, X: Float32Array, { y, classes }: { y: Uint8Array; classes: number }, height: number, width: number): Dataset {
  return { name, source: name, height, width, channels: 1, classes, X, y };
}
