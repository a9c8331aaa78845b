/**
 * Coordinate descent for the elastic net in scikit-learn's scaling, on centered data:
 *
 *   (1/(2n)) ||y - Xw||^2 + alpha l1Ratio ||w||_1 + (alpha (1 - l1Ratio) / 2) ||w||^2
 *
 * Kernels work on the objective multiplied by n (penalties l1 = n alpha l1Ratio,
 * l2 = n alpha (1 - l1Ratio)), as scikit-learn's _cd_fast does, and stop when the
 * duality gap is <= tol ||y||^2, i.e. gap / n <= tol ||y||^2 / n in the scaling above.
 *
 * Two update modes:
 *  - gram: keeps q = X^T y - G w; a coordinate costs O(p) only when it changes. For n > p.
 *  - naive: keeps the residual r = y - X w on column-major X; a coordinate costs O(n).
 */

export interface CdOptions {
  readonly alpha: number;
  readonly l1Ratio: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly positive: boolean;
  /** Called after each full pass with the pass number and its duality gap (n-scaled), if computed. */
  readonly onPass?: (pass: number, gap: number | undefined) => void;
}

export const DEFAULT_CD: Omit<CdOptions, 'alpha'> = { l1Ratio: 1, tol: 1e-4, maxIter: 1000, positive: false };

export interface CdResult {
  /** Coordinate passes made. */
  readonly passes: number;
  /** Duality gap in scikit-learn's scaling (divided by n). */
  readonly gap: number;
  readonly converged: boolean;
  /** Primal objective in scikit-learn's scaling. */
  readonly objective: number;
}

/**
 * Duality gap of the n-scaled elastic net from O(p) summaries, the same bound
 * scikit-learn computes: the dual point is the residual rescaled into the dual ball.
 */
function dualityGap({ rNorm2, yDotR, dualNorm, l1Norm, wNorm2 }: Summary, l1: number, l2: number): number {
  let gap: number;
  let c: number;
  if (dualNorm > l1) {
    c = l1 / dualNorm;
    gap = 0.5 * (rNorm2 + rNorm2 * c * c);
  } else {
    c = 1;
    gap = rNorm2;
  }
  return gap + l1 * l1Norm - c * yDotR + 0.5 * l2 * (1 + c * c) * wNorm2;
}

function penalties(n: number, o: CdOptions): [number, number] {
  return [n * o.alpha * o.l1Ratio, n * o.alpha * (1 - o.l1Ratio)];
}

function update(z: number, l1: number, denom: number, positive: boolean): number {
  if (positive && z < 0) return 0;
  if (z > l1) return (z - l1) / denom;
  if (z < -l1) return (z + l1) / denom;
  return 0;
}

/**
 * Covariance-mode CD for one target. `w` is the warm start and is updated in place;
 * `q` must equal X^T y - G w for that `w` on entry and is kept consistent.
 */
export function cdGram(
  gram: Float64Array,
  xty: Float64Array,
  yNorm2: number,
  n: number,
  w: Float64Array,
  q: Float64Array,
  o: CdOptions,
): CdResult {
  const p = xty.length;
  const [l1, l2] = penalties(n, o);
  const tolGap = o.tol * yNorm2;
  let gap = Infinity;
  let pass = 0;
  let converged = false;
  while (pass < o.maxIter) {
    pass++;
    for (let j = 0; j < p; j++) {
      const gjj = gram[j * p + j];
      if (gjj === 0) continue;
      const wj = w[j];
      const wNew = update(q[j] + gjj * wj, l1, gjj + l2, o.positive);
      if (wNew !== wj) {
        const d = wNew - wj;
        const col = j * p;
        for (let k = 0; k < p; k++) q[k] -= d * gram[col + k];
        w[j] = wNew;
      }
    }
    // The gap is O(p) here, cheaper than a pass, so it is checked after every pass.
    const st = gramSummary(xty, yNorm2, w, q, l2, o.positive);
    gap = dualityGap(st, l1, l2);
    o.onPass?.(pass, gap);
    if (gap <= tolGap) {
      converged = true;
      break;
    }
  }
  const st = gramSummary(xty, yNorm2, w, q, l2, o.positive);
  return { passes: pass, gap: gap / n, converged, objective: primalObjective(st.rNorm2, st.l1Norm, st.wNorm2, n, o) };
}

interface Summary {
  readonly rNorm2: number;
  readonly yDotR: number;
  readonly dualNorm: number;
  readonly l1Norm: number;
  readonly wNorm2: number;
}

/**
 * ||r||^2, y.r, the dual norm of X^T r - l2 w, ||w||_1 and ||w||^2 in O(p) from q = X^T r:
 * with G w = X^T y - q, ||r||^2 = ||y||^2 - w.X^T y - w.q.
 */
function gramSummary(xty: Float64Array, yNorm2: number, w: Float64Array, q: Float64Array, l2: number, positive: boolean): Summary {
  let wq = 0;
  let wXty = 0;
  let l1Norm = 0;
  let wNorm2 = 0;
  let dualNorm = 0;
  for (let j = 0; j < w.length; j++) {
    const wj = w[j];
    wq += wj * q[j];
    wXty += wj * xty[j];
    l1Norm += Math.abs(wj);
    wNorm2 += wj * wj;
    // positive: only the upper face of the dual ball binds (as scikit-learn)
    const c = q[j] - l2 * wj;
    const a = positive ? c : Math.abs(c);
    if (a > dualNorm) dualNorm = a;
  }
  // rounding can push a near-perfect fit's residual norm just below zero
  return { rNorm2: Math.max(0, yNorm2 - wXty - wq), yDotR: yNorm2 - wXty, dualNorm, l1Norm, wNorm2 };
}

/** The objective in scikit-learn's scaling. */
function primalObjective(rNorm2: number, l1Norm: number, wNorm2: number, n: number, o: CdOptions): number {
  return rNorm2 / (2 * n) + o.alpha * o.l1Ratio * l1Norm + 0.5 * o.alpha * (1 - o.l1Ratio) * wNorm2;
}

/**
 * Residual-mode CD for one target on column-major centered X (n x p).
 * `w` is the warm start; `r` must equal y - X w on entry.
 */
export function cdNaive(
  Xc: Float64Array,
  n: number,
  colNorm2: Float64Array,
  y: Float64Array,
  w: Float64Array,
  r: Float64Array,
  o: CdOptions,
): CdResult {
  const p = colNorm2.length;
  const [l1, l2] = penalties(n, o);
  let yNorm2 = 0;
  for (let i = 0; i < n; i++) yNorm2 += y[i] * y[i];
  const tolGap = o.tol * yNorm2;
  let gap = Infinity;
  let pass = 0;
  let converged = false;
  while (pass < o.maxIter) {
    pass++;
    let wMax = 0;
    let dMax = 0;
    for (let j = 0; j < p; j++) {
      const nj = colNorm2[j];
      if (nj === 0) continue;
      const col = j * n;
      const wj = w[j];
      let dot = 0;
      for (let i = 0; i < n; i++) dot += Xc[col + i] * r[i];
      const wNew = update(dot + nj * wj, l1, nj + l2, o.positive);
      if (wNew !== wj) {
        const d = wNew - wj;
        for (let i = 0; i < n; i++) r[i] -= d * Xc[col + i];
        w[j] = wNew;
        if (Math.abs(d) > dMax) dMax = Math.abs(d);
      }
      if (Math.abs(wNew) > wMax) wMax = Math.abs(wNew);
    }
    // The gap costs a full X^T r (as much as a pass): only when the iterate has settled.
    const settled = wMax === 0 || dMax / wMax < o.tol || pass === o.maxIter;
    if (!settled) {
      o.onPass?.(pass, undefined);
      continue;
    }
    const st = naiveSummary(Xc, n, y, w, r, l2, o.positive);
    gap = dualityGap(st, l1, l2);
    o.onPass?.(pass, gap);
    if (gap <= tolGap) {
      converged = true;
      break;
    }
  }
  const st = naiveSummary(Xc, n, y, w, r, l2, o.positive);
  if (!Number.isFinite(gap)) gap = dualityGap(st, l1, l2);
  return { passes: pass, gap: gap / n, converged, objective: primalObjective(st.rNorm2, st.l1Norm, st.wNorm2, n, o) };
}

/** The same summaries from the residual; X^T r costs a full O(np) sweep. */
function naiveSummary(Xc: Float64Array, n: number, y: Float64Array, w: Float64Array, r: Float64Array, l2: number, positive: boolean): Summary {
  const p = w.length;
  let rNorm2 = 0;
  let yDotR = 0;
  for (let i = 0; i < n; i++) {
    rNorm2 += r[i] * r[i];
    yDotR += y[i] * r[i];
  }
  let dualNorm = 0;
  let l1Norm = 0;
  let wNorm2 = 0;
  for (let j = 0; j < p; j++) {
    const col = j * n;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += Xc[col + i] * r[i];
    const c = dot - l2 * w[j];
    const a = positive ? c : Math.abs(c);
    if (a > dualNorm) dualNorm = a;
    l1Norm += Math.abs(w[j]);
    wNorm2 += w[j] * w[j];
  }
  return { rNorm2, yDotR, dualNorm, l1Norm, wNorm2 };
}

/** Smallest alpha at which every coefficient is zero: max_j |X_j^T y| / (n l1Ratio). */
export function alphaMax(xty: Float64Array, n: number, l1Ratio: number): number {
  let m = 0;
  for (let j = 0; j < xty.length; j++) m = Math.max(m, Math.abs(xty[j]));
  return m / (n * l1Ratio);
}

/** nAlphas values log-spaced from `from` down to `to` (inclusive). */
export function geometricGrid(from: number, to: number, nAlphas: number): Float64Array {
  const out = new Float64Array(nAlphas);
  if (nAlphas === 1) {
    out[0] = to;
    return out;
  }
  const ratio = Math.log(to / from) / (nAlphas - 1);
  for (let i = 0; i < nAlphas; i++) out[i] = from * Math.exp(ratio * i);
  out[nAlphas - 1] = to;
  return out;
}
