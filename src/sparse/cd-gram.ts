import type { Rng } from '../util/rng.js';
import type { CholeskyFactor } from './cholesky.js';
import { flops } from './flops.js';
import { axpy, gatherDotsOver, type GatherDots } from './vec.js';
import { dualityGap, penalties, primalObjective, score, update, type CdOptions, type CdResult, type Summary } from './cd-common.js';

/** KKT violators brought onto the Newton face per step, strongest first. */
const MAX_ENTERING = 4;

/** Iterates combined by one Anderson extrapolation (celer's default). */
const ANDERSON_K = 5;

/**
 * Scratch for cdGram, allocated once per design and reused by every target and alpha,
 * so the solver's loops never allocate.
 */
export class GramWorkspace {
  readonly all: Int32Array;
  readonly inW: Uint8Array;
  readonly mark: Uint8Array;
  /** Sign of each W member on the Newton face (0: off the face). */
  readonly sign: Int8Array;
  /** Compact position of each feature in W, or -1. */
  readonly pos: Int32Array;
  readonly W: Int32Array;
  readonly wStart: Float64Array;
  /** The working set's Gram block, m x m contiguous, built when CD passes need it. */
  readonly GW: Float64Array;
  /** m of the block in GW, or -1 when stale. */
  blockSize = -1;
  readonly wW: Float64Array;
  readonly qW: Float64Array;
  readonly xtyW: Float64Array;
  readonly diag: Float64Array;
  readonly history: Float64Array;
  readonly wAcc: Float64Array;
  readonly qAcc: Float64Array;
  readonly faceIdx: Int32Array;
  readonly delta: Float64Array;
  readonly changedIdx: Int32Array;
  readonly changedDelta: Float64Array;
  /** Rows and results of one batch of gathered dot products (GatherDots). */
  readonly dotRows: Int32Array;
  readonly dots: Float64Array;
  readonly system: Float64Array;

  constructor(readonly p: number) {
    this.all = new Int32Array(p);
    for (let j = 0; j < p; j++) this.all[j] = j;
    this.inW = new Uint8Array(p);
    this.mark = new Uint8Array(p);
    this.sign = new Int8Array(p);
    this.pos = new Int32Array(p);
    this.W = new Int32Array(p);
    this.wStart = new Float64Array(p);
    this.GW = new Float64Array(p * p);
    this.wW = new Float64Array(p);
    this.qW = new Float64Array(p);
    this.xtyW = new Float64Array(p);
    this.diag = new Float64Array(p);
    this.history = new Float64Array((ANDERSON_K + 1) * p);
    this.wAcc = new Float64Array(p);
    this.qAcc = new Float64Array(p);
    this.faceIdx = new Int32Array(p);
    this.delta = new Float64Array(p);
    this.changedIdx = new Int32Array(p);
    this.changedDelta = new Float64Array(p);
    this.dotRows = new Int32Array(p);
    this.dots = new Float64Array(p);
    this.system = new Float64Array(ANDERSON_K * (ANDERSON_K + 1));
  }
}

/**
 * Covariance-mode CD for one target. `w` is the warm start and is updated in place;
 * `q` must equal X^T y - G w for that `w` on entry, and does again on return.
 *
 * Work is confined to a working set W, seeded by the strong rule (Tibshirani et al. 2012)
 * and the support. On W: with a factor (the default on paths), active-set Newton steps
 * first (see newtonStep), which finish most warm-started alphas outright; then CD passes
 * on a contiguous copy of G's W x W block (a change costs O(|W|)), with an Anderson
 * extrapolation tried every K passes (Bertrand & Massias 2021) and a Newton step
 * whenever a pass leaves the support and signs unchanged. When W's problem meets tol, q
 * outside W is brought up to date, the full duality gap is taken, and KKT violators join
 * W. A "pass" is one sweep over W.
 */
export function cdGram(
  gram: Float64Array,
  xty: Float64Array,
  yNorm2: number,
  n: number,
  w: Float64Array,
  q: Float64Array,
  o: CdOptions,
  ws: GramWorkspace = new GramWorkspace(xty.length),
  factor?: SupportFactor,
  /** The gathered products over `gram` (vec.ts); a Gram in WebAssembly memory brings its own. */
  dots: GatherDots = gatherDotsOver(gram, xty.length),
): CdResult {
  const p = xty.length;
  if (ws.p !== p) throw new Error(`cdGram: workspace for ${ws.p} features, problem has ${p}`);
  const flopsAtStart = flops.value;
  const [l1, l2] = penalties(n, o);
  const tolGap = o.tol * yNorm2;
  if (o.selection === 'random' && !o.rng) throw new Error('cdGram: selection "random" needs an rng');
  const { all, inW, pos, W, wStart, wW, qW, xtyW, diag } = ws;

  // Strong rule: with l1Prev the dual norm at the warm start (= the previous penalty when w
  // solves the previous problem of a path), |q_j| < 2 l1 - l1Prev predicts w_j = 0.
  const l1Prev = Math.max(l1, summarise(all, p, xty, yNorm2, w, q, l2, o.positive).dualNorm);
  const threshold = o.screening === 'none' ? -Infinity : 2 * l1 - l1Prev;
  let m = 0;
  for (let j = 0; j < p; j++) {
    inW[j] = 0;
    pos[j] = -1;
    if (gram[j * p + j] > 0 && (w[j] !== 0 || score(q[j], o.positive) >= threshold)) {
      inW[j] = 1;
      W[m++] = j;
    }
  }
  wStart.set(w);
  let gap = Infinity;
  let pass = 0;
  let converged = false;
  if (factor && factor.l2 !== l2) {
    factor.cholesky.clear();
    factor.l2 = l2;
  }
  const newton: NewtonContext | undefined = factor !== undefined && o.newton !== false ? { factor: factor.cholesky, gram, p, steps: 0, dots } : undefined;
  while (pass < o.maxIter) {
    // compact copy of the working set's problem; its Gram block only if CD passes need it
    for (let a = 0; a < m; a++) {
      const j = W[a];
      pos[j] = a;
      wW[a] = w[j];
      qW[a] = q[j];
      xtyW[a] = xty[j];
      diag[a] = gram[j * p + j];
    }
    ws.blockSize = -1;
    const inner = solveWorkingSet(ws, m, yNorm2, l1, l2, tolGap, o, pass, newton, gram);
    pass = inner.pass;
    // scatter back and bring q up to date outside W: q_k -= sum_j G_kj (w_j - wStart_j),
    // one gathered dot per outside coordinate (zero-variance columns have G_k. = 0)
    const { changedIdx, changedDelta } = ws;
    let changed = 0;
    for (let a = 0; a < m; a++) {
      const j = W[a];
      const d = wW[a] - wStart[j];
      w[j] = wW[a];
      q[j] = qW[a];
      if (d === 0) continue;
      changedIdx[changed] = j;
      changedDelta[changed++] = d;
      wStart[j] = w[j];
    }
    if (changed > 0) {
      const { dotRows, dots: out } = ws;
      let count = 0;
      for (let k = 0; k < p; k++) if (inW[k] === 0 && gram[k * p + k] !== 0) dotRows[count++] = k;
      dots(dotRows, count, changedIdx, changedDelta, changed, out);
      for (let i = 0; i < count; i++) q[dotRows[i]] -= out[i];
    }
    gap = dualityGap(summarise(all, p, xty, yNorm2, w, q, l2, o.positive), l1, l2);
    if (inner.reason === 'maxIter') break;
    if (gap <= tolGap) {
      converged = true;
      break;
    }
    // KKT violated outside W (else the full gap would equal W's): grow W and go on.
    const before = m;
    for (let k = 0; k < p; k++) {
      if (inW[k] === 0 && gram[k * p + k] > 0 && score(q[k], o.positive) > l1) {
        inW[k] = 1;
        W[m++] = k;
      }
    }
    if (m === before) {
      // only rounding separates the two gaps: W's problem met tol
      converged = true;
      break;
    }
  }
  const st = summarise(all, p, xty, yNorm2, w, q, l2, o.positive);
  return {
    passes: pass,
    newtonSteps: newton?.steps ?? 0,
    flops: flops.value - flopsAtStart,
    gap: gap / n,
    converged,
    objective: primalObjective(st.rNorm2, st.l1Norm, st.wNorm2, n, o),
  };
}

/**
 * Duality gap (scikit-learn's scaling) of coefficients w for which q = X^T y - G w, in
 * O(p): the figure cdGram stops on, exposed for checks and benchmarks.
 */
export function gramDualityGap(xty: Float64Array, yNorm2: number, n: number, w: Float64Array, q: Float64Array, o: CdOptions): number {
  const [l1, l2] = penalties(n, o);
  const all = new Int32Array(xty.length);
  for (let j = 0; j < all.length; j++) all[j] = j;
  return dualityGap(summarise(all, all.length, xty, yNorm2, w, q, l2, o.positive), l1, l2) / n;
}

/** CD passes on the compact working-set problem until its gap meets tol or maxIter. */
function solveWorkingSet(
  ws: GramWorkspace,
  m: number,
  yNorm2: number,
  l1: number,
  l2: number,
  tolGap: number,
  o: CdOptions,
  passesSoFar: number,
  newton: NewtonContext | undefined,
  gram: Float64Array,
): { pass: number; reason: 'converged' | 'maxIter' } {
  const { all, GW, wW, qW, xtyW, diag, history } = ws;
  const random = o.selection === 'random';
  const rng = o.rng as Rng;
  let pass = passesSoFar;
  // Warm start on a path: the previous support and signs are the best guess, so try the
  // Newton step first. When nothing enters or leaves, it solves W's problem outright;
  // otherwise the passes that follow only move what enters or leaves.
  if (newton && !newtonSteps(ws, m, l1, l2, o.positive, newton)) newton = undefined;
  if (newton && dualityGap(summarise(all, m, xtyW, yNorm2, wW, qW, l2, o.positive), l1, l2) <= tolGap) {
    return { pass, reason: 'converged' };
  }
  history.set(wW.subarray(0, m), 0);
  let stored = 1;
  if (pass < o.maxIter) buildBlock(ws, m, gram);
  while (pass < o.maxIter) {
    pass++;
    let supportMoved = false;
    for (let s = 0; s < m; s++) {
      const a = random ? rng.nextInt(m) : s;
      const gaa = diag[a];
      const wa = wW[a];
      const wNew = update(qW[a] + gaa * wa, l1, gaa + l2, o.positive);
      const d = wNew - wa;
      // a move at rounding level (after a Newton step, say) is not worth an O(m) update
      if (d !== 0 && (wNew === 0 || wa === 0 || Math.abs(d) > 1e-14 * Math.abs(wa))) {
        axpy(qW, -d, GW, a * m, m);
        wW[a] = wNew;
        if (wa * wNew <= 0) supportMoved = true;
      }
    }
    // CD has settled the support and signs: jump to the minimiser on that face.
    if (newton && !supportMoved && !newtonSteps(ws, m, l1, l2, o.positive, newton)) newton = undefined;
    // The working set's gap costs O(m), less than a pass: checked after every pass.
    const gap = dualityGap(summarise(all, m, xtyW, yNorm2, wW, qW, l2, o.positive), l1, l2);
    o.onPass?.(pass, gap);
    if (gap <= tolGap) return { pass, reason: 'converged' };
    history.set(wW.subarray(0, m), stored * m);
    stored++;
    if (stored === ANDERSON_K + 1) {
      extrapolate(ws, m, yNorm2, l1, l2, o.positive);
      history.set(wW.subarray(0, m), 0);
      stored = 1;
    }
  }
  return { pass, reason: 'maxIter' };
}

/** Per-target Newton state kept across the alphas of a path: a factor of G_SS + l2 I. */
export interface SupportFactor {
  readonly cholesky: CholeskyFactor;
  l2: number;
}

/** Copies G's W x W block into the workspace, contiguous, for CD passes. */
function buildBlock(ws: GramWorkspace, m: number, gram: Float64Array): void {
  if (ws.blockSize === m) return;
  const { GW, W, p } = ws;
  for (let a = 0; a < m; a++) {
    const row = W[a] * p;
    const out = a * m;
    for (let b = 0; b < m; b++) GW[out + b] = gram[row + W[b]];
  }
  ws.blockSize = m;
}

/**
 * Newton steps until one lands on its face's minimiser (or a few have been tried): each
 * partial step drops one coordinate, as an active-set method does. False if one failed.
 */
function newtonSteps(ws: GramWorkspace, m: number, l1: number, l2: number, positive: boolean, ctx: NewtonContext): boolean {
  for (let i = 0; i < 64; i++) {
    // The first step keeps the current face: violators judged at the old point would
    // mostly bounce back out once the face has moved to the new penalty.
    const result = newtonStep(ws, m, l1, l2, positive, ctx, i === 0 ? 0 : MAX_ENTERING);
    if (result === 'failed') return false;
    if (result === 'exact') break;
  }
  return true;
}

interface NewtonContext {
  readonly factor: CholeskyFactor;
  readonly gram: Float64Array;
  readonly p: number;
  steps: number;
  /** The gathered products over `gram` (cdGram's `dots`). */
  readonly dots: GatherDots;
}

/**
 * Active-set Newton step on W. The face is the support with its signs plus the zero
 * coordinates that violate KKT (|q_a| > l1), entering with the sign of q_a: z solves
 * (G_SS + l2 I) z = X_S^T y - l1 s. An entering coordinate that z gives the wrong sign is
 * dropped and z re-solved. Then w moves towards z, stopping where a coordinate first
 * reaches zero (it leaves the support), so the objective never rises. q stays consistent
 * on W. 'partial' when a coordinate left on the way; 'failed' when a support column is
 * (nearly) dependent on the others.
 */
function newtonStep(
  ws: GramWorkspace,
  m: number,
  l1: number,
  l2: number,
  positive: boolean,
  ctx: NewtonContext,
  maxEntering: number,
): 'exact' | 'partial' | 'failed' {
  const { mark, sign, pos, W, wW, qW, xtyW, diag, wAcc: rhs, qAcc: z } = ws;
  const { factor: f, gram, p } = ctx;
  ctx.steps++;
  // The face: the support, plus the strongest KKT violators among W's zeros (adding every
  // violator at once makes most of them bounce straight back out).
  let violators = 0;
  for (let a = 0; a < m; a++) {
    const wa = wW[a];
    sign[a] = wa !== 0 ? (wa > 0 ? 1 : -1) : 0;
    if (wa === 0 && score(qW[a], positive) > l1) violators++;
  }
  const entering = Math.min(violators, maxEntering);
  for (let e = 0; e < entering; e++) {
    let best = -1;
    let bestScore = l1;
    for (let a = 0; a < m; a++) {
      if (wW[a] !== 0 || sign[a] !== 0) continue;
      const sc = score(qW[a], positive);
      if (sc > bestScore) {
        bestScore = sc;
        best = a;
      }
    }
    sign[best] = qW[best] > 0 ? 1 : -1;
  }
  // sync the factor with the face: drop rows that left it, add the newcomers
  for (let k = f.size - 1; k >= 0; k--) {
    const a = pos[f.index(k)];
    if (a < 0 || sign[a] === 0) f.removeAt(k);
  }
  for (let k = 0; k < f.size; k++) mark[f.index(k)] = 1;
  let ok = true;
  for (let a = 0; a < m; a++) {
    const j = W[a];
    if (sign[a] === 0 || mark[j] === 1) continue;
    if (!f.add(j, gram, j * p, diag[a] + l2)) {
      if (wW[a] !== 0) ok = false;
      sign[a] = 0; // an entering column that depends on the face stays out
    }
    if (!ok) break;
  }
  for (let k = 0; k < f.size; k++) mark[f.index(k)] = 0;
  if (!ok) return 'failed';
  for (;;) {
    const r = f.size;
    for (let k = 0; k < r; k++) {
      const a = pos[f.index(k)];
      rhs[k] = xtyW[a] - l1 * sign[a];
    }
    f.solve(rhs, z);
    let dropped = false;
    for (let k = r - 1; k >= 0; k--) {
      const a = pos[f.index(k)];
      if (wW[a] === 0 && z[k] * sign[a] <= 0) {
        f.removeAt(k);
        sign[a] = 0;
        dropped = true;
      }
    }
    if (!dropped) break;
  }
  const r = f.size;
  let t = 1;
  let limiting = -1;
  for (let k = 0; k < r; k++) {
    const a = pos[f.index(k)];
    const wa = wW[a];
    const zk = z[k];
    if (wa !== 0 && zk * sign[a] <= 0) {
      const tk = wa / (wa - zk);
      if (tk < t) {
        t = tk;
        limiting = k;
      }
    }
  }
  // q is affine in w, and on the face q(z) = X_S^T y - G_SS z = l1 s + l2 z, so the face's
  // own entries cost O(1) each; only W's members off the face need G_aS (w_new - w)_S.
  const { faceIdx, delta } = ws;
  for (let k = 0; k < r; k++) {
    const a = pos[f.index(k)];
    faceIdx[k] = f.index(k);
    const wNew = k === limiting ? 0 : wW[a] + t * (z[k] - wW[a]);
    delta[k] = wNew - wW[a];
    wW[a] = wNew;
    qW[a] = (1 - t) * qW[a] + t * (l1 * sign[a] + l2 * z[k]);
  }
  const { dotRows, dots: out } = ws;
  let count = 0;
  for (let a = 0; a < m; a++) if (sign[a] === 0) dotRows[count++] = W[a];
  ctx.dots(dotRows, count, faceIdx, delta, r, out);
  for (let a = 0, i = 0; a < m; a++) if (sign[a] === 0) qW[a] -= out[i++];
  return limiting < 0 && violators === entering ? 'exact' : 'partial';
}

/**
 * Anderson extrapolation: with U the K differences of the last K+1 iterates, solve
 * (U^T U) z = 1, c = z / sum z, and try w = sum c_i w_(i+1); keep it if the objective drops.
 * Costs one m x m product, about one pass.
 */
function extrapolate(ws: GramWorkspace, m: number, yNorm2: number, l1: number, l2: number, positive: boolean): void {
  const { history: h, system: A, wAcc, qAcc, GW, wW, qW, xtyW, all } = ws;
  const K = ANDERSON_K;
  const cols = K + 1;
  // A = [U^T U | 1], U_i = h_(i+1) - h_i
  for (let i = 0; i < K; i++) {
    for (let k = i; k < K; k++) {
      let s = 0;
      const ui = (i + 1) * m;
      const li = i * m;
      const uk = (k + 1) * m;
      const lk = k * m;
      for (let a = 0; a < m; a++) s += (h[ui + a] - h[li + a]) * (h[uk + a] - h[lk + a]);
      A[i * cols + k] = s;
      A[k * cols + i] = s;
    }
    A[i * cols + K] = 1;
  }
  if (!solveInPlace(A, K)) return;
  let sum = 0;
  for (let i = 0; i < K; i++) sum += A[i * cols + K];
  if (!Number.isFinite(sum) || sum === 0) return;
  wAcc.fill(0, 0, m);
  for (let i = 0; i < K; i++) {
    const c = A[i * cols + K] / sum;
    const base = (i + 1) * m;
    for (let a = 0; a < m; a++) wAcc[a] += c * h[base + a];
  }
  if (positive) for (let a = 0; a < m; a++) if (wAcc[a] < 0) return;
  // q at the extrapolated point: xty_W - G_WW wAcc
  qAcc.set(xtyW.subarray(0, m));
  for (let a = 0; a < m; a++) if (wAcc[a] !== 0) axpy(qAcc, -wAcc[a], GW, a * m, m);
  const now = summarise(all, m, xtyW, yNorm2, wW, qW, l2, positive);
  const acc = summarise(all, m, xtyW, yNorm2, wAcc, qAcc, l2, positive);
  const objective = (s: Summary): number => 0.5 * s.rNorm2 + l1 * s.l1Norm + 0.5 * l2 * s.wNorm2;
  if (objective(acc) < objective(now)) {
    wW.set(wAcc.subarray(0, m));
    qW.set(qAcc.subarray(0, m));
  }
}

/** Gaussian elimination with partial pivoting on [A | b] (K x K+1); b becomes the solution. */
function solveInPlace(A: Float64Array, K: number): boolean {
  const cols = K + 1;
  let scale = 0;
  for (let i = 0; i < K; i++) scale = Math.max(scale, Math.abs(A[i * cols + i]));
  if (!(scale > 0)) return false;
  for (let c = 0; c < K; c++) {
    let piv = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r * cols + c]) > Math.abs(A[piv * cols + c])) piv = r;
    if (Math.abs(A[piv * cols + c]) <= 1e-14 * scale) return false;
    if (piv !== c) {
      for (let k = 0; k < cols; k++) {
        const t = A[c * cols + k];
        A[c * cols + k] = A[piv * cols + k];
        A[piv * cols + k] = t;
      }
    }
    for (let r = 0; r < K; r++) {
      if (r === c) continue;
      const f = A[r * cols + c] / A[c * cols + c];
      if (f === 0) continue;
      for (let k = c; k < cols; k++) A[r * cols + k] -= f * A[c * cols + k];
    }
  }
  for (let i = 0; i < K; i++) A[i * cols + K] /= A[i * cols + i];
  return true;
}

/**
 * ||r||^2, y.r, the dual norm of X^T r - l2 w, ||w||_1 and ||w||^2 from q = X^T r over the
 * coordinates idx[0..m), w being zero elsewhere: with G w = X^T y - q,
 * ||r||^2 = ||y||^2 - w.X^T y - w.q. O(m).
 */
function summarise(
  idx: Int32Array,
  m: number,
  xty: Float64Array,
  yNorm2: number,
  w: Float64Array,
  q: Float64Array,
  l2: number,
  positive: boolean,
): Summary {
  let wq = 0;
  let wXty = 0;
  let l1Norm = 0;
  let wNorm2 = 0;
  let dualNorm = 0;
  for (let a = 0; a < m; a++) {
    const j = idx[a];
    const wj = w[j];
    wq += wj * q[j];
    wXty += wj * xty[j];
    l1Norm += Math.abs(wj);
    wNorm2 += wj * wj;
    // positive: only the upper face of the dual ball binds (as scikit-learn)
    const c = score(q[j] - l2 * wj, positive);
    if (c > dualNorm) dualNorm = c;
  }
  // rounding can push a near-perfect fit's residual norm just below zero
  return { rNorm2: Math.max(0, yNorm2 - wXty - wq), yDotR: yNorm2 - wXty, dualNorm, l1Norm, wNorm2 };
}
