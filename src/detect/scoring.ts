/**
 * Anomaly scores shared by every detector, so that they are judged the same way: a score
 * per k x k patch on a stride grid (the patch's mean squared reconstruction error), an
 * image score (a high quantile of its patch scores) and a pixel heat map (the mean score
 * of the patches covering each pixel).
 */

export interface PatchGeometry {
  readonly height: number;
  readonly width: number;
  /** Patch side. */
  readonly k: number;
  readonly stride: number;
}

export function gridOf(g: PatchGeometry): { rows: number; cols: number } {
  return { rows: Math.floor((g.height - g.k) / g.stride) + 1, cols: Math.floor((g.width - g.k) / g.stride) + 1 };
}

/**
 * Patch scores of one image from per-pixel squared errors: the mean over each window,
 * by a summed-area table (O(pixels), whatever the patch size). `sat` is scratch of
 * (height + 1) x (width + 1).
 */
export function windowMeans(err: ArrayLike<number>, g: PatchGeometry, out: Float64Array, sat: Float64Array = new Float64Array((g.height + 1) * (g.width + 1))): Float64Array {
  const w1 = g.width + 1;
  for (let y = 0; y < g.height; y++) {
    let row = 0;
    for (let x = 0; x < g.width; x++) {
      row += err[y * g.width + x];
      sat[(y + 1) * w1 + x + 1] = sat[y * w1 + x + 1] + row;
    }
  }
  const { rows, cols } = gridOf(g);
  const area = g.k * g.k;
  for (let r = 0; r < rows; r++) {
    const y0 = r * g.stride;
    for (let c = 0; c < cols; c++) {
      const x0 = c * g.stride;
      const s = sat[(y0 + g.k) * w1 + x0 + g.k] - sat[y0 * w1 + x0 + g.k] - sat[(y0 + g.k) * w1 + x0] + sat[y0 * w1 + x0];
      out[r * cols + c] = s / area;
    }
  }
  return out;
}

/** Heat map of one image: each pixel gets the mean score of the patches that cover it. */
export function heatMap(scores: ArrayLike<number>, g: PatchGeometry, out: Float64Array = new Float64Array(g.height * g.width)): Float64Array {
  const { rows, cols } = gridOf(g);
  const count = new Uint16Array(g.height * g.width);
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = scores[r * cols + c];
      for (let i = 0; i < g.k; i++) {
        const row = (r * g.stride + i) * g.width + c * g.stride;
        for (let j = 0; j < g.k; j++) {
          out[row + j] += s;
          count[row + j]++;
        }
      }
    }
  }
  // pixels no patch covers (a border the stride skips) take their nearest covered neighbour's value
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const p = y * g.width + x;
      if (count[p] > 0) out[p] /= count[p];
    }
  }
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const p = y * g.width + x;
      if (count[p] > 0) continue;
      const yy = Math.min(y, (rows - 1) * g.stride + g.k - 1);
      const xx = Math.min(x, (cols - 1) * g.stride + g.k - 1);
      out[p] = out[yy * g.width + xx];
    }
  }
  return out;
}

/** The q-quantile of one image's patch scores (linear interpolation between order statistics). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Area under the ROC curve of `scores` for `positive` labels: the probability that a
 * random positive scores above a random negative, ties counting one half (Mann-Whitney U).
 * The two classes' scores are sorted apart (native typed-array sorts) and merged: a pixel
 * AUROC ranks ~400,000 values, where one comparator sort of indices took most of a second.
 * NaN when either class is empty.
 */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`auroc: ${n} scores but ${positive.length} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) if (positive[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (positive[i]) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  pos.sort();
  neg.sort();
  // for each positive: the negatives below it, plus half of those equal to it
  let below = 0;
  let u = 0;
  for (let a = 0; a < positives; ) {
    const v = pos[a];
    while (below < negatives && neg[below] < v) below++;
    let equal = below;
    while (equal < negatives && neg[equal] === v) equal++;
    let same = a;
    while (same < positives && pos[same] === v) same++;
    u += (same - a) * (below + 0.5 * (equal - below));
    a = same;
  }
  return u / (positives * negatives);
}
