import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
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
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) b = gunzipBounded(b, name);
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

/** Most bytes an IDX file may decompress to, whatever its header says: 4 GiB. */
const MAX_IDX_BYTES = 2 ** 32;

/**
 * Decompresses an IDX file no further than its header allows: the header is inflated from
 * the first bytes alone and checked, and the whole is then inflated with the size it
 * states as the limit, so a gzip bomb is refused before it fills memory.
 */
function gunzipBounded(gz: Uint8Array, name: string): Uint8Array {
  let head: Uint8Array;
  try {
    // a truncated stream, flushed: whatever the first compressed bytes hold (at most ~1,000x as much)
    head = gunzipSync(gz.subarray(0, Math.min(gz.length, 1024)), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw new UsageError(`${name}: not a valid gzip file (${(err as Error).message})`);
  }
  let limit = MAX_IDX_BYTES;
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head.length >= 4 + 4 * head[3]) {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const size = Array.from({ length: head[3] }, (_, i) => view.getUint32(4 + 4 * i, false)).reduce((a, d) => a * d, 1);
    if (4 + 4 * head[3] + size > MAX_IDX_BYTES) throw new UsageError(`${name}: its header states ${size} bytes of data, more than the ${MAX_IDX_BYTES} an IDX file may hold here`);
    // one byte more than the header allows, so that trailing bytes are seen (and named) below
    limit = 4 + 4 * head[3] + size + 1;
  }
  try {
    return gunzipSync(gz, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new UsageError(`${name}: decompresses to more than the ${limit - 1} bytes its header states (a gzip bomb or a corrupt file)`);
    throw new UsageError(`${name}: not a valid gzip file (${(err as Error).message})`);
  }
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
