/**
 * Centered second moments of a row-major design, the inputs of covariance-mode
 * coordinate descent: G = Xc^T Xc (p x p, symmetric, row-major) and column means.
 *
 * Rows are scanned once and only their nonzeros are multiplied (image data is mostly
 * zeros: an MNIST digit has ~150 of 784), then the rank-one centering correction
 * G = X^T X - n m m^T is applied. Dense data costs n p^2 / 2 multiply-adds, like a
 * plain kernel; sparse rows cost nnz^2 / 2 each.
 */
export function centeredGram(X: Float32Array | Float64Array, n: number, p: number): { gram: Float64Array; mean: Float64Array } {
  if (X.length !== n * p) throw new RangeError(`centeredGram: X has ${X.length} values, expected ${n} x ${p}`);
  const gram = new Float64Array(p * p);
  const mean = new Float64Array(p);
  const idx = new Int32Array(p);
  const val = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const base = i * p;
    let nnz = 0;
    for (let j = 0; j < p; j++) {
      const v = X[base + j];
      if (v !== 0) {
        idx[nnz] = j;
        val[nnz] = v;
        nnz++;
        mean[j] += v;
      }
    }
    // upper triangle only: row index j <= column index k since idx is increasing
    for (let a = 0; a < nnz; a++) {
      const va = val[a];
      const row = idx[a] * p;
      for (let b = a; b < nnz; b++) gram[row + idx[b]] += va * val[b];
    }
  }
  for (let j = 0; j < p; j++) mean[j] /= n;
  for (let j = 0; j < p; j++) {
    const mj = mean[j] * n;
    for (let k = j; k < p; k++) {
      const g = gram[j * p + k] - mj * mean[k];
      gram[j * p + k] = g;
      gram[k * p + j] = g;
    }
  }
  return { gram, mean };
}

/** Column-major copy of a row-major design with each column centered on `mean`. */
export function centeredColumns(X: Float32Array | Float64Array, n: number, p: number, mean: Float64Array): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const base = i * p;
    for (let j = 0; j < p; j++) out[j * n + i] = X[base + j] - mean[j];
  }
  return out;
}
