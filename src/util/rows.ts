type RowArray = Float32Array | Float64Array | Uint8Array;

/**
 * The rows `index` (in that order) of a row-major array of `width` values per row, copied
 * into a new array of the same type: how splits, detectors and scorers pick their images.
 */
export function gatherRows<T extends RowArray>(src: T, index: ArrayLike<number>, width: number): T {
  const out = new (src.constructor as new (length: number) => T)(index.length * width);
  for (let r = 0; r < index.length; r++) out.set(src.subarray(index[r] * width, (index[r] + 1) * width), r * width);
  return out;
}
