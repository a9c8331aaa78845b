import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic.js';
import { join } from 'node:path';
import type { Split } from './types.js';

export interface ExportedFile {
  readonly file: string;
  readonly dtype: 'float64' | 'uint8' | 'uint32';
  readonly shape: readonly number[];
  readonly sha256: string;
}

export interface ExportMeta {
  readonly format: 'sparsebench-split/2';
  readonly dataset: string;
  readonly seed: number;
  readonly classes: number;
  readonly image: { height: number; width: number; channels: number };
  readonly byteOrder: 'little-endian';
  readonly layout: 'row-major';
  readonly files: readonly ExportedFile[];
  /** Detection datasets: label 0 is defect-free, label c > 0 is kindNames[c - 1]; groups index groupNames. */
  readonly detection?: { readonly groupNames: readonly string[]; readonly kindNames: readonly string[] };
}

/** Every file an export may write: the arrays of both tasks and meta.json. */
export const EXPORT_FILES: readonly string[] = [
  'X_train.f64', 'y_train.u8', 'X_val.f64', 'y_val.u8', 'X_test.f64', 'y_test.u8', 'index_train.u32', 'index_val.u32', 'index_test.u32',
  'mask_val.u8', 'mask_test.u8', 'group_train.u8', 'group_val.u8', 'group_test.u8', 'meta.json',
];

/**
 * Writes the split exactly as the runners see it, as raw little-endian arrays plus
 * meta.json, so a peer in another language trains on identical data. Format 2 added the
 * validation part (*_val files): a peer's curve reads it, its reported figure reads test.
 * numpy: np.fromfile('X_train.f64', '<f8').reshape(n, features).
 */
export function exportSplit(split: Split, outDir: string): ExportMeta {
  const nTrain = split.yTrain.length;
  const nVal = split.yVal.length;
  const nTest = split.yTest.length;
  const arrays: [string, ExportedFile['dtype'], number[], ArrayBufferView][] = [
    ['X_train.f64', 'float64', [nTrain, split.features], Float64Array.from(split.XTrain)],
    ['y_train.u8', 'uint8', [nTrain], split.yTrain],
    ['X_val.f64', 'float64', [nVal, split.features], Float64Array.from(split.XVal)],
    ['y_val.u8', 'uint8', [nVal], split.yVal],
    ['X_test.f64', 'float64', [nTest, split.features], Float64Array.from(split.XTest)],
    ['y_test.u8', 'uint8', [nTest], split.yTest],
    ['index_train.u32', 'uint32', [nTrain], split.trainIndex],
    ['index_val.u32', 'uint32', [nVal], split.valIndex],
    ['index_test.u32', 'uint32', [nTest], split.testIndex],
  ];
  const det = split.detection;
  if (det) {
    const pixels = split.height * split.width;
    arrays.push(
      ['mask_val.u8', 'uint8', [nVal, pixels], det.maskVal],
      ['mask_test.u8', 'uint8', [nTest, pixels], det.maskTest],
      ['group_train.u8', 'uint8', [nTrain], det.groupTrain],
      ['group_val.u8', 'uint8', [nVal], det.groupVal],
      ['group_test.u8', 'uint8', [nTest], det.groupTest],
    );
  }
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('export: big-endian hosts are not supported');
  }
  const files: ExportedFile[] = arrays.map(([file, dtype, shape, view]) => {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    writeFileAtomic(join(outDir, file), bytes);
    return { file, dtype, shape, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const meta: ExportMeta = {
    format: 'sparsebench-split/2',
    dataset: split.dataset,
    seed: split.seed,
    classes: split.classes,
    image: { height: split.height, width: split.width, channels: split.channels },
    byteOrder: 'little-endian',
    layout: 'row-major',
    files,
    ...(det ? { detection: { groupNames: [...det.groupNames], kindNames: [...det.kindNames] } } : {}),
  };
  writeFileAtomic(join(outDir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}
