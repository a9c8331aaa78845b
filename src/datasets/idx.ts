import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../errors.js';

/** An IDX array (LeCun's MNIST format): its dimensions and its unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses IDX bytes (gzip-compressed or not): magic 0x00 0x00, type 0x08 (unsigned byte),
 * the number of dimensions, each a big-endian 32-bit size, then the data. Every problem
 * is an error naming `name`: a wrong magic number, another element type, a truncated file.
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (err) {
      throw new UsageError(`${name}: not a valid gzip file (${(err as Error).message})`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) {
    throw new UsageError(`${name}: wrong magic number ${[...b.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ')} (an IDX file starts 00 00 08 <ndims>)`);
  }
  if (b[2] !== 0x08) throw new UsageError(`${name}: element type 0x${b[2].toString(16)} is not unsigned byte (0x08)`);
  const ndims = b[3];
  if (ndims < 1 || b.length < 4 + 4 * ndims) throw new UsageError(`${name}: truncated header (${ndims} dimensions, ${b.length} bytes)`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, d) => a * d, 1);
  const start = 4 + 4 * ndims;
  if (b.length - start < size) throw new UsageError(`${name}: truncated: dimensions ${dims.join(' x ')} need ${size} bytes of data, the file has ${b.length - start}`);
  if (b.length - start > size) throw new UsageError(`${name}: ${b.length - start - size} bytes after the ${dims.join(' x ')} data`);
  return { dims, data: b.subarray(start, start + size) };
}

export function readIdx(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseIdx(bytes, file);
}
