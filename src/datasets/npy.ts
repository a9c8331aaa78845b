import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Reading NumPy's .npy files (format versions 1, 2 and 3): a magic string, a header that is
 * a Python dict literal ({'descr': '<f4', 'fortran_order': False, 'shape': (n, h, w)}), then
 * the raw array. Written here rather than taken from npm: the format is a page of NumPy's
 * documentation (numpy.lib.format), and the packages that read it either pull in a
 * browser fetch layer or read only a few dtypes. Every value comes back as a float64.
 */
export interface NpyArray {
  readonly shape: readonly number[];
  /** The dtype as NumPy names it in the header, e.g. '<f4', '|u1'. */
  readonly descr: string;
  /** True for integer and boolean dtypes. */
  readonly integral: boolean;
  readonly values: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes per value and how to read one, by dtype kind and size. */
const READERS: Record<string, { bytes: number; integral: boolean; read: (v: DataView, at: number, little: boolean) => number }> = {
  b1: { bytes: 1, integral: true, read: (v, at) => (v.getUint8(at) ? 1 : 0) },
  u1: { bytes: 1, integral: true, read: (v, at) => v.getUint8(at) },
  i1: { bytes: 1, integral: true, read: (v, at) => v.getInt8(at) },
  u2: { bytes: 2, integral: true, read: (v, at, le) => v.getUint16(at, le) },
  i2: { bytes: 2, integral: true, read: (v, at, le) => v.getInt16(at, le) },
  u4: { bytes: 4, integral: true, read: (v, at, le) => v.getUint32(at, le) },
  i4: { bytes: 4, integral: true, read: (v, at, le) => v.getInt32(at, le) },
  u8: { bytes: 8, integral: true, read: (v, at, le) => Number(v.getBigUint64(at, le)) },
  i8: { bytes: 8, integral: true, read: (v, at, le) => Number(v.getBigInt64(at, le)) },
  f2: { bytes: 2, integral: false, read: (v, at, le) => half(v.getUint16(at, le)) },
  f4: { bytes: 4, integral: false, read: (v, at, le) => v.getFloat32(at, le) },
  f8: { bytes: 8, integral: false, read: (v, at, le) => v.getFloat64(at, le) },
};

export function readNpy(file: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseNpy(bytes, file);
}

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const bad = (why: string): UsageError => new UsageError(`${file}: not a NumPy .npy array we can read: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('no \\x93NUMPY magic at the start');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw bad('the header runs past the end of the file');
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`header without descr, fortran_order or shape: ${header.trim()}`);
  if (fortran === 'True') throw bad('Fortran (column-major) order; save it with np.ascontiguousarray first');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`shape (${shapeText})`);
  const m = /^([<>|=])([biuf])(\d+)$/.exec(descr);
  const reader = m ? READERS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !reader) throw bad(`dtype '${descr}' (numbers and booleans only: b1, i1-i8, u1-u8, f2, f4, f8)`);
  // '=' is the writer's native order: every NumPy platform we know is little-endian
  const little = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  if (dataStart + count * reader.bytes > bytes.length) throw bad(`${count} values of ${descr} need ${count * reader.bytes} bytes after the header, the file has ${bytes.length - dataStart}`);
  const values = new Float64Array(count);
  for (let i = 0, at = dataStart; i < count; i++, at += reader.bytes) values[i] = reader.read(view, at, little);
  return { shape, descr, integral: reader.integral, values };
}

/** An IEEE half-precision value from its bits. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A .npy file (version 1) of float64 or uint8 values, as NumPy writes it (the tests write their arrays with it). */
export function npyBytes(shape: readonly number[], values: Float64Array | Uint8Array): Uint8Array {
  const descr = values instanceof Float64Array ? '<f8' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // the data starts on a multiple of 64 bytes; the header ends with a newline
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + header.length);
  return out;
}
