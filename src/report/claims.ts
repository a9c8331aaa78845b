import type { ResultEntry, RunRecord } from '../results/schema.js';
import { joulesToAccuracy, secondsToAccuracy } from './accuracy-target.js';
import { bootstrapMedian, bootstrapRatio, type Interval } from './bootstrap.js';
import { sig } from './format.js';
import { atTarget, metricLabel } from './metric.js';

/** The claim under test: sparse trains 4-5x faster, on about 1% of the energy, as accurately. */
export const CLAIM = {
  /** Sparse at least this many times faster. */
  speed: 4,
  /** Sparse energy at most this share of DL's ("about 1%": within a factor of two). */
  energyShare: 0.02,
  /** Accuracy comparable: DL ahead by at most this many points. */
  accuracyPoints: 2,
} as const;

export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive';
type Finding = { readonly holds: boolean | undefined; readonly reason: string };

export interface Claim {
  readonly dataset: string;
  readonly deep: string;
  readonly deepRunners: readonly string[];
  readonly sparse: string;
  /** Accuracy both runners must reach for time- and energy-to-accuracy. */
  readonly target: number;
  readonly speed: Interval & { readonly basis: string };
  readonly energy: Interval & { readonly basis: string; readonly estimated: boolean };
  readonly accuracy: { readonly deep: Interval; readonly sparse: Interval; readonly gapPoints: number };
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
}

function group(record: RunRecord): Map<string, ResultEntry[]> {
  const m = new Map<string, ResultEntry[]>();
  for (const r of record.results) m.set(`${r.dataset}\u0000${r.runner}`, [...(m.get(`${r.dataset}\u0000${r.runner}`) ?? []), r]);
  return m;
}

const medianOf = (xs: number[]): number => bootstrapMedian(xs).value;

/**
 * Per dataset and sparse runner, against the fastest deep-learning runner: the speed
 * ratio (time to a common accuracy when both curves reach it, else training time), the
 * energy share, the accuracy gap, each with its bootstrap interval over the repeats, and
 * a verdict with its reasons in words.
 */
export function claims(record: RunRecord, targetOverride?: number): Claim[] {
  const groups = group(record);
  const out: Claim[] = [];
  for (const dataset of [...new Set(record.results.map((r) => r.dataset))].sort()) {
    const here = [...groups.entries()].filter(([k]) => k.startsWith(`${dataset}\u0000`)).map(([, rs]) => rs);
    const deeps = here.filter((rs) => rs[0].family === 'deep').sort((a, b) => medianOf(a.map((r) => r.measurement.seconds)) - medianOf(b.map((r) => r.measurement.seconds)));
    if (deeps.length === 0) continue;
    const deep = deeps[0];
    for (const sparse of here.filter((rs) => rs[0].family === 'sparse')) {
      out.push(claimFor(dataset, deep, deeps.map((d) => d[0].runner), sparse, targetOverride));
    }
  }
  return out;
}

function claimFor(dataset: string, deep: ResultEntry[], deepRunners: string[], sparse: ResultEntry[], targetOverride?: number): Claim {
  const accDeep = bootstrapMedian(deep.map((r) => r.accuracy), 11);
  const accSparse = bootstrapMedian(sparse.map((r) => r.accuracy), 12);
  const target = targetOverride ?? Math.min(accDeep.value, accSparse.value) - 0.01;
  const label = metricLabel([...deep, ...sparse]);
  const goal = atTarget(label, target, sig);
  const tta = (rs: ResultEntry[]): number[] | undefined => {
    const xs = rs.map((r) => secondsToAccuracy(r.curve, target));
    return xs.every((x) => x !== undefined && x > 0) ? (xs as number[]) : undefined;
  };
  const eta = (rs: ResultEntry[]): number[] | undefined => {
    const xs = rs.map((r) => joulesToAccuracy(r, target));
    return xs.every((x) => x !== undefined && x > 0) ? (xs as number[]) : undefined;
  };
  const [dT, sT] = [tta(deep), tta(sparse)];
  const byTarget = dT !== undefined && sT !== undefined;
  const speed = byTarget
    ? { ...bootstrapRatio(dT, sT, 21), basis: `time to ${goal}` }
    : { ...bootstrapRatio(deep.map((r) => r.measurement.seconds), sparse.map((r) => r.measurement.seconds), 21), basis: 'training time' };
  const [dE, sE] = [eta(deep), eta(sparse)];
  const estimated = [...deep, ...sparse].some((r) => r.energy.method.startsWith('estimated:'));
  const energy = {
    ...(dE !== undefined && sE !== undefined
      ? { ...bootstrapRatio(sE, dE, 22), basis: `energy to ${goal}` }
      : { ...bootstrapRatio(sparse.map((r) => r.energy.joules), deep.map((r) => r.energy.joules), 22), basis: 'training energy' }),
    estimated,
  };
  const gapPoints = (accDeep.value - accSparse.value) * 100;
  const repeats = Math.min(deep.length, sparse.length);
  const deepEntry = deep[0];
  const findings: Finding[] = [];
  const caveats: string[] = [];
  if (!byTarget) caveats.push(`a learning curve never reached ${goal}: compared on training time instead`);
  if (repeats < 2) findings.push({ holds: undefined, reason: 'one repeat: no interval, run with --repeats 3 or more' });
  // speed
  const fast = `${deepEntry.runner} / ${sparse[0].runner} ${sig(speed.value)}x [${sig(speed.low)}, ${sig(speed.high)}] on ${speed.basis}`;
  if (deepEntry.backend?.name === 'cpu') findings.push({ holds: undefined, reason: 'deep learning ran on the pure-JS cpu backend, far from full speed' });
  else if (deepEntry.backend && speed.low >= CLAIM.speed) {
    findings.push({ holds: undefined, reason: `${fast}, but the fastest deep-learning runner is TensorFlow.js (${deepEntry.backend.name}), several times slower than a native framework on this CPU: add --peer torch` });
  } else if (speed.low >= CLAIM.speed) findings.push({ holds: true, reason: `sparse is at least ${CLAIM.speed}x faster: ${fast}` });
  else if (speed.high < CLAIM.speed) findings.push({ holds: false, reason: `sparse is not ${CLAIM.speed}x faster: ${fast}` });
  else findings.push({ holds: undefined, reason: `the interval spans ${CLAIM.speed}x: ${fast}` });
  // energy
  const share = `sparse/DL ${sig(energy.value * 100)}% [${sig(energy.low * 100)}%, ${sig(energy.high * 100)}%] on ${energy.basis}`;
  if (estimated) findings.push({ holds: undefined, reason: `energy estimated, not measured (${share}; an estimate charged per CPU second restates the time ratio)` });
  else if (energy.high <= CLAIM.energyShare) findings.push({ holds: true, reason: `about 1% of the energy or less: ${share}` });
  else if (energy.low > CLAIM.energyShare) findings.push({ holds: false, reason: `not about 1% of the energy: ${share}` });
  else findings.push({ holds: undefined, reason: `the interval spans ${CLAIM.energyShare * 100}%: ${share}` });
  // accuracy
  if (gapPoints <= CLAIM.accuracyPoints) {
    findings.push({ holds: true, reason: `comparable ${label}: ${gapPoints >= 0 ? `DL ahead by ${sig(gapPoints)}` : `sparse ahead by ${sig(-gapPoints)}`} points` });
  }
  else findings.push({ holds: false, reason: `not comparable ${label}: DL ahead by ${sig(gapPoints)} points (${sig(accDeep.value * 100)} against ${sig(accSparse.value * 100)})` });
  const verdict: Verdict = findings.some((f) => f.holds === false) ? 'not reproduced' : findings.every((f) => f.holds === true) ? 'reproduced' : 'inconclusive';
  const ordered = [...findings.filter((f) => f.holds === false), ...findings.filter((f) => f.holds === undefined), ...findings.filter((f) => f.holds === true)];
  return {
    dataset,
    deep: deepEntry.runner,
    deepRunners,
    sparse: sparse[0].runner,
    target,
    speed,
    energy,
    accuracy: { deep: accDeep, sparse: accSparse, gapPoints },
    verdict,
    reasons: [...ordered.map((f) => f.reason), ...caveats],
  };
}
