import type { Rng } from '../util/rng.js';
import { flops } from './flops.js';
import { dualityGap, penalties, primalObjective, score, update, type CdOptions, type CdResult, type Summary } from './cd-common.js';

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
  const random = o.selection === 'random';
  if (random && !o.rng) throw new Error('cdNaive: selection "random" needs an rng');
  const flopsAtStart = flops.value;
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
    for (let a = 0; a < p; a++) {
      const j = random ? (o.rng as Rng).nextInt(p) : a;
      const nj = colNorm2[j];
      if (nj === 0) continue;
      const col = j * n;
      const wj = w[j];
      let dot = 0;
      for (let i = 0; i < n; i++) dot += Xc[col + i] * r[i];
      flops.value += 2 * n;
      const wNew = update(dot + nj * wj, l1, nj + l2, o.positive);
      if (wNew !== wj) {
        const d = wNew - wj;
        for (let i = 0; i < n; i++) r[i] -= d * Xc[col + i];
        flops.value += 2 * n;
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
  return { passes: pass, newtonSteps: 0, flops: flops.value - flopsAtStart, gap: gap / n, converged, objective: primalObjective(st.rNorm2, st.l1Norm, st.wNorm2, n, o) };
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
    const c = score(dot - l2 * w[j], positive);
    if (c > dualNorm) dualNorm = c;
    l1Norm += Math.abs(w[j]);
    wNorm2 += w[j] * w[j];
  }
  return { rNorm2, yDotR, dualNorm, l1Norm, wNorm2 };
}

