import { byCell } from '../results/cells.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { joulesToAccuracy, secondsToAccuracy } from './accuracy-target.js';
import { sig } from './format.js';
import { atTarget, metricLabel } from './metric.js';
import { pairedDifference, pairedLogRatio } from './paired.js';
import { median, medianInterval, MIN_N_FOR_INTERVAL, type Interval } from './stats.js';
import { per1000 } from './tables.js';

/** The claim under test: sparse trains 4-5x faster, on about 1% of the energy, as accurately. */
export const CLAIM = {
  /** Sparse at least this many times faster. */
  speed: 4,
  /** Sparse energy at most this share of DL's ("about 1%": within a factor of two). */
  energyShare: 0.02,
  /** Accuracy comparable: DL ahead by at most this many points. */
  accuracyPoints: 2,
} as const;

/**
 * Sides that used core counts this far apart (ratio of CPU seconds per wall second) are
 * judged on CPU time: on wall time, the one that used more cores would be credited for
 * hardware, not for its method.
 */
export const CORES_APART = 1.2;
/** A runner is flagged when it used more cores than its thread budget by this factor. */
export const OVER_BUDGET = 1.1;

export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive';
type Finding = { readonly holds: boolean | undefined; readonly reason: string; readonly part?: ClaimPart };

export type Figure = Interval & { readonly basis: string };

export interface Claim {
  readonly dataset: string;
  readonly deep: string;
  readonly deepRunners: readonly string[];
  readonly sparse: string;
  /** Repeats paired by seed (one split each): the N of every interval below. */
  readonly pairs: number;
  readonly seeds: readonly number[];
  /** Accuracy both runners must reach for time- and energy-to-accuracy. */
  readonly target: number;
  /** The speed ratio DL/sparse the verdict judged: on CPU time when the sides used different core counts, else wall time. */
  readonly speed: Figure;
  readonly speedWall: Figure;
  readonly speedCpu: Figure;
  readonly judgedOn: 'wall time' | 'CPU time';
  /** Median cores used (CPU seconds / wall seconds over the training window). */
  readonly cores: { readonly deep: number; readonly sparse: number };
  /** Repeats of each side whose curve never reached the target (standing in with their whole training). */
  readonly censored: { readonly deep: number; readonly sparse: number };
  /** The energy share judged, on the view's basis (see EnergyView), and the other view's beside it. */
  readonly energy: Figure & { readonly estimated: boolean; readonly view: EnergyView };
  readonly energyOtherView: Figure & { readonly view: EnergyView };
  /** What idle draw was measured, and whom the view charged it to: a sentence, absent when no idle was measured. */
  readonly idle?: string;
  readonly accuracy: { readonly deep: Interval; readonly sparse: Interval; readonly gapPoints: number; readonly gap: Interval };
  readonly verdict: Verdict;
  /** Each part of the claim on its own: holds, fails, or undecided (undefined); a sweep states where each crosses. */
  readonly parts: Readonly<Record<ClaimPart, boolean | null>>;
  readonly reasons: readonly string[];
}

export type ClaimPart = 'speed' | 'energy' | 'accuracy';

/**
 * Whom a device's idle draw is charged to. runner (the default): each runner is charged only
 * what it drew above the idle measured before the suite (net of idle), so an idle GPU beside
 * a CPU-only sparse runner is charged to no runner; machine: each runner is charged the whole
 * machine's draw while it trained (gross), idle boards included, which is what the meter of
 * a machine dedicated to the job would bill. Estimates charge busy cores only: they are net
 * already and the same in both views.
 */
export const ENERGY_VIEWS = ['runner', 'machine'] as const;

type IdleWatts = NonNullable<RunRecord['idle']>['watts'];
export type EnergyView = (typeof ENERGY_VIEWS)[number];

const VIEW_BASIS: Record<EnergyView, string> = {
  runner: 'net of idle (runner view: idle draw charged to no runner)',
  machine: 'gross (machine view: idle draw charged to every runner)',
};

/** A cell's joules in a view: net of the measured idle in the runner view, gross in the machine view. */
export function joulesIn(r: ResultEntry, view: EnergyView): number {
  return view === 'runner' && r.energy.netJoules !== undefined ? Math.max(0, r.energy.netJoules) : r.energy.joules;
}

const cores = (r: ResultEntry): number => (r.measurement.seconds > 0 ? r.measurement.cpuSeconds / r.measurement.seconds : 1);

/**
 * Per dataset and sparse runner, against the fastest deep-learning runner: the speed ratio
 * (time to a common accuracy, a repeat that never reaches it censored against its side; training time only when no pair reaches it) on
 * wall and on CPU time, the energy share and the accuracy gap, each computed per seed (the
 * two runners of a seed share its split) with an interval honest for the number of pairs,
 * and a verdict with its reasons in words: measure -> judge (CLAIM_RULES) -> describe.
 */
export function claims(record: RunRecord, targetOverride?: number, view: EnergyView = 'runner'): Claim[] {
  const cells = [...byCell(record).values()];
  const out: Claim[] = [];
  for (const dataset of [...new Set(record.results.map((r) => r.dataset))].sort()) {
    const here = cells.filter((rs) => rs[0].dataset === dataset);
    const deeps = here.filter((rs) => rs[0].family === 'deep').sort((a, b) => median(a.map((r) => r.measurement.seconds)) - median(b.map((r) => r.measurement.seconds)));
    if (deeps.length === 0) continue;
    const deep = deeps[0];
    for (const sparse of here.filter((rs) => rs[0].family === 'sparse')) {
      const m = measure(dataset, deep, deeps.map((d) => d[0].runner), sparse, targetOverride, view, record.idle?.watts);
      if (m) out.push(describe(m, judge(m)));
    }
  }
  return out;
}

/** Entries of the two runners with the same seed, in seed order. */
function pairsBySeed(deep: readonly ResultEntry[], sparse: readonly ResultEntry[]): { d: ResultEntry; s: ResultEntry }[] {
  const pairs: { d: ResultEntry; s: ResultEntry }[] = [];
  for (const d of [...deep].sort((a, b) => a.seed - b.seed)) {
    const s = sparse.find((x) => x.seed === d.seed);
    if (s) pairs.push({ d, s });
  }
  return pairs;
}

const ratioText = (f: Interval, pct = false): string => {
  const v = (x: number): string => (pct ? `${sig(x * 100)}%` : `${sig(x)}x`);
  return `${v(f.value)} [${v(f.low)}, ${v(f.high)}] (${f.method})`;
};

/**
 * Everything a claim rests on, measured from one (dataset, fastest DL, sparse) pair of runners:
 * per seed (the two runners of a seed share its split), time and energy to a common accuracy
 * read off the validation curves, summarised with intervals honest for the number of pairs.
 * No judgement here: judge() reads it through CLAIM_RULES, describe() words it.
 */
interface Measured {
  readonly dataset: string;
  readonly pairs: readonly { d: ResultEntry; s: ResultEntry }[];
  readonly deep: readonly ResultEntry[];
  readonly sparse: readonly ResultEntry[];
  readonly deepRunners: readonly string[];
  readonly target: number;
  readonly label: string;
  /** The target in words ("validation image AUROC 0.915"). */
  readonly goal: string;
  /** Whether some pair has both sides at the target (else training time and energy stand in). */
  readonly reached: boolean;
  readonly censored: { readonly deep: number; readonly sparse: number };
  readonly censoredText: string;
  readonly speed: Figure;
  readonly speedWall: Figure;
  readonly speedCpu: Figure;
  readonly judgedOn: 'wall time' | 'CPU time';
  readonly apart: boolean;
  readonly cores: { readonly deep: number; readonly sparse: number };
  readonly energy: Figure & { readonly estimated: boolean; readonly view: EnergyView };
  readonly energyOtherView: Figure & { readonly view: EnergyView };
  readonly idleMeasured: boolean;
  readonly idle?: string;
  readonly accuracy: { readonly deep: Interval; readonly sparse: Interval; readonly gapPoints: number; readonly gap: Interval };
  /** Enough pairs for an interval (MIN_N_FOR_INTERVAL): else speed and energy are not judged. */
  readonly judged: boolean;
}

function measure(
  dataset: string,
  deepAll: ResultEntry[],
  deepRunners: string[],
  sparseAll: ResultEntry[],
  targetOverride: number | undefined,
  view: EnergyView,
  idleWatts: IdleWatts | undefined,
): Measured | undefined {
  const pairs = pairsBySeed(deepAll, sparseAll);
  if (pairs.length === 0) return undefined;
  const deep = pairs.map((p) => p.d);
  const sparse = pairs.map((p) => p.s);
  // the target is read off the curves, which read validation (records before the validation
  // split: test): never the test figures, so that no choice of the report touches the test set
  const final = (rs: ResultEntry[]): number => median(rs.map((r) => r.curve[r.curve.length - 1]?.metric ?? r.accuracy));
  const target = targetOverride ?? Math.min(final(deep), final(sparse)) - 0.01;
  const onValidation = [...deep, ...sparse].every((r) => r.split.validation !== undefined);
  const label = metricLabel([...deep, ...sparse]);
  const goal = atTarget(label, target, sig, onValidation);
  // per seed: time (wall, CPU) and energy to the target, measured on that seed's own curve
  const hits = (r: ResultEntry): boolean => (secondsToAccuracy(r.curve, target) ?? 0) > 0 && (joulesToAccuracy(r, target) ?? 0) > 0;
  // A repeat whose curve never reaches the target is censored: it stands in with its whole
  // training ("not reached in N s"), a bound in its own favour, so that side cannot win on a
  // metric that rests on it (see CLAIM_RULES). Only when no pair has both sides at the
  // target does the comparison fall back to plain training time, and the basis says so.
  const censored = { deep: pairs.filter((p) => !hits(p.d)).length, sparse: pairs.filter((p) => !hits(p.s)).length };
  const reached = pairs.some((p) => hits(p.d) && hits(p.s));
  const censoredText = (['deep', 'sparse'] as const)
    .filter((side) => censored[side] > 0)
    .map((side) => `${censored[side]} of ${pairs.length} ${side === 'deep' ? deepAll[0].runner : sparseAll[0].runner} repeats never reached it (their whole training stands in: a bound in their favour)`)
    .join('; ');
  const basis = (what: string): string => (reached ? `${what} to ${goal}${censoredText ? `; ${censoredText}` : ''}` : `training ${what}`);
  const toTarget = (r: ResultEntry, value: number | undefined, whole: number): number => (reached && hits(r) ? (value as number) : whole);
  const wall = (r: ResultEntry): number => toTarget(r, secondsToAccuracy(r.curve, target), r.measurement.seconds);
  const cpu = (r: ResultEntry): number => toTarget(r, secondsToAccuracy(r.curve, target, 'cpuSeconds'), r.measurement.cpuSeconds);
  const joulesFor = (v: EnergyView) => (r: ResultEntry): number => toTarget(r, joulesToAccuracy(r, target, joulesIn(r, v)), joulesIn(r, v));
  const speedWall: Figure = { ...pairedLogRatio(pairs.map((p) => wall(p.d) / wall(p.s))), basis: basis('wall time') };
  const cpuOk = pairs.every((p) => cpu(p.d) > 0 && cpu(p.s) > 0);
  const speedCpu: Figure = cpuOk ? { ...pairedLogRatio(pairs.map((p) => cpu(p.d) / cpu(p.s))), basis: basis('CPU time') } : { ...speedWall, basis: `${speedWall.basis} (no CPU time recorded)` };
  const coreUse = { deep: median(deep.map(cores)), sparse: median(sparse.map(cores)) };
  const apart = Math.max(coreUse.deep, coreUse.sparse) / Math.max(1e-9, Math.min(coreUse.deep, coreUse.sparse)) > CORES_APART;
  const judgedOn = apart && cpuOk ? 'CPU time' : 'wall time';
  const estimated = [...deep, ...sparse].some((r) => r.energy.method.startsWith('estimated:'));
  const idleMeasured = [...deep, ...sparse].some((r) => r.energy.idleJoules !== undefined);
  const shareIn = (v: EnergyView): Interval => {
    const j = joulesFor(v);
    return pairedLogRatio(pairs.map((p) => j(p.s) / Math.max(j(p.d), 1e-12)));
  };
  const viewBasis = (v: EnergyView): string => `${basis('energy')}, ${idleMeasured ? VIEW_BASIS[v] : 'no idle measured: as metered (estimates charge busy cores only)'}`;
  const other: EnergyView = view === 'runner' ? 'machine' : 'runner';
  const idle = idleMeasured && idleWatts ? idleSentence(idleWatts, view) : undefined;
  const gap = pairedDifference(pairs.map((p) => (p.d.accuracy - p.s.accuracy) * 100));
  return {
    dataset,
    pairs,
    deep,
    sparse,
    deepRunners,
    target,
    label,
    goal,
    reached,
    censored,
    censoredText,
    speed: judgedOn === 'CPU time' ? speedCpu : speedWall,
    speedWall,
    speedCpu,
    judgedOn,
    apart,
    cores: coreUse,
    energy: { ...shareIn(view), basis: viewBasis(view), estimated, view },
    energyOtherView: { ...shareIn(other), basis: viewBasis(other), view: other },
    idleMeasured,
    ...(idle ? { idle } : {}),
    accuracy: { deep: medianInterval(deep.map((r) => r.accuracy)), sparse: medianInterval(sparse.map((r) => r.accuracy)), gapPoints: gap.value, gap },
    judged: pairs.length >= MIN_N_FOR_INTERVAL,
  };
}

/** One rule of the verdict: the first of a part's rules whose `when` holds decides that part. */
interface Rule {
  readonly when: (m: Measured) => boolean;
  /** true: the part of the claim holds; false: it does not; undefined: not decided. */
  readonly holds: (m: Measured) => boolean | undefined;
  readonly reason: (m: Measured) => string;
}

/**
 * Censored repeats count against their side: a censored sparse repeat's time and energy are
 * lower bounds, so "sparse wins" cannot be concluded from them; a censored DL repeat's
 * likewise, so "DL wins" cannot. Nothing is concluded from fewer pairs than an interval needs.
 */
function bounded(m: Measured, holds: boolean): boolean | undefined {
  if (!m.judged) return undefined;
  const sparseMayWin = !m.reached || m.censored.sparse === 0;
  const deepMayWin = !m.reached || m.censored.deep === 0;
  return holds ? (sparseMayWin ? true : undefined) : deepMayWin ? false : undefined;
}

const boundNote = (m: Measured, holds: boolean): string =>
  bounded(m, holds) === undefined && m.judged ? ` (not concluded: ${holds ? 'sparse' : 'deep-learning'} repeats that never reached ${m.goal} stand in with bounds in their favour)` : '';
const fast = (m: Measured): string => `${m.deep[0].runner} / ${m.sparse[0].runner} ${ratioText(m.speed)} on ${m.speed.basis}`;
const share = (m: Measured): string => `sparse/DL ${ratioText(m.energy, true)} on ${m.energy.basis}`;
const gapText = (m: Measured): string => {
  const { gap, gapPoints } = m.accuracy;
  return `${gapPoints >= 0 ? `DL ahead by ${sig(gapPoints)}` : `sparse ahead by ${sig(-gapPoints)}`} points (DL - sparse ${sig(gap.value)} [${sig(gap.low)}, ${sig(gap.high)}], ${gap.method})`;
};

/** The verdict's rules, per part of the claim, in order: speed, energy, accuracy. */
export const CLAIM_RULES: Readonly<Record<'speed' | 'energy' | 'accuracy', readonly Rule[]>> = {
  speed: [
    { when: (m) => m.deep[0].backend?.name === 'cpu', holds: () => undefined, reason: () => 'deep learning ran on the pure-JS cpu backend, far from full speed' },
    {
      when: (m) => m.deep[0].backend !== undefined && m.speed.low >= CLAIM.speed,
      holds: () => undefined,
      reason: (m) => `${fast(m)}, but the fastest deep-learning runner is TensorFlow.js (${m.deep[0].backend?.name}), several times slower than a native framework on this CPU: add --peer torch`,
    },
    { when: (m) => m.speed.low >= CLAIM.speed, holds: (m) => bounded(m, true), reason: (m) => `sparse is at least ${CLAIM.speed}x faster: ${fast(m)}${boundNote(m, true)}` },
    { when: (m) => m.speed.high < CLAIM.speed, holds: (m) => bounded(m, false), reason: (m) => `sparse is not ${CLAIM.speed}x faster: ${fast(m)}${boundNote(m, false)}` },
    { when: () => true, holds: () => undefined, reason: (m) => `the interval spans ${CLAIM.speed}x: ${fast(m)}` },
  ],
  energy: [
    { when: (m) => m.energy.estimated, holds: () => undefined, reason: (m) => `energy estimated, not measured (${share(m)}; an estimate charged per CPU second restates the time ratio)` },
    { when: (m) => m.energy.high <= CLAIM.energyShare, holds: (m) => bounded(m, true), reason: (m) => `about 1% of the energy or less: ${share(m)}${boundNote(m, true)}` },
    { when: (m) => m.energy.low > CLAIM.energyShare, holds: (m) => bounded(m, false), reason: (m) => `not about 1% of the energy: ${share(m)}${boundNote(m, false)}` },
    { when: () => true, holds: () => undefined, reason: (m) => `the interval spans ${CLAIM.energyShare * 100}%: ${share(m)}` },
  ],
  // the mean paired gap against the 2-point margin
  accuracy: [
    { when: (m) => m.accuracy.gapPoints <= CLAIM.accuracyPoints, holds: () => true, reason: (m) => `comparable ${m.label}: ${gapText(m)}` },
    {
      when: () => true,
      holds: () => false,
      reason: (m) => `not comparable ${m.label}: ${gapText(m)} (${sig(m.accuracy.deep.value * 100)} against ${sig(m.accuracy.sparse.value * 100)})`,
    },
  ],
};

/** Each part of the claim through its rules, after a finding that too few pairs decide nothing. */
function judge(m: Measured): Finding[] {
  const n = m.pairs.length;
  const findings: Finding[] = m.judged
    ? []
    : [{ holds: undefined, reason: `${n} paired repeat${n === 1 ? '' : 's'}: fewer than ${MIN_N_FOR_INTERVAL}, so the brackets hold the range of ${n}, no 95% interval, and speed and energy are not judged; run with --repeats ${MIN_N_FOR_INTERVAL} or more` }];
  for (const part of ['speed', 'energy', 'accuracy'] as const) {
    const rule = CLAIM_RULES[part].find((r) => r.when(m)) as Rule;
    findings.push({ holds: rule.holds(m), reason: rule.reason(m), part });
  }
  return findings;
}

/** What the reader should know beside the findings: censoring, budgets, inference, core counts, idle draw. */
function caveats(m: Measured): string[] {
  const out: string[] = [];
  const [deepEntry, sparseEntry] = [m.deep[0], m.sparse[0]];
  if (!m.reached) out.push(`no pair of repeats both reached ${m.goal}: compared on training time and energy instead`);
  else if (m.censoredText) out.push(`censored at ${m.goal}: ${m.censoredText}`);
  for (const [who, c] of [[deepEntry, m.cores.deep], [sparseEntry, m.cores.sparse]] as const) {
    const budget = who.measurement.threads;
    if (budget !== undefined && c > budget * OVER_BUDGET) out.push(`${who.runner} used ${sig(c)} cores on a budget of ${budget} thread${budget === 1 ? '' : 's'} (--threads)`);
  }
  // inference, on its own window: what a deployed model costs per 1,000 test items
  const inferencePairs = m.pairs.filter((p) => p.d.inference && p.s.inference);
  if (inferencePairs.length === m.pairs.length) {
    const inf = pairedLogRatio(inferencePairs.map((p) => per1000(p.d, 'seconds') / per1000(p.s, 'seconds')));
    out.push(`inference per 1,000 test items: DL/sparse ${ratioText(inf)} on wall time (${sig(median(m.sparse.map((r) => per1000(r, 'seconds'))))} s for ${sparseEntry.runner}, ${sig(median(m.deep.map((r) => per1000(r, 'seconds'))))} s for ${deepEntry.runner})`);
    if (inferencePairs.every((p) => p.d.inference?.latency && p.s.inference?.latency)) {
      const lat = (r: ResultEntry): number => r.inference?.latency?.medianSeconds ?? NaN;
      const ratio = pairedLogRatio(inferencePairs.map((p) => lat(p.d) / lat(p.s)));
      out.push(`single-item latency (one test item per call, median): DL/sparse ${ratioText(ratio)} (${sig(median(m.sparse.map(lat)) * 1000)} ms for ${sparseEntry.runner}, ${sig(median(m.deep.map(lat)) * 1000)} ms for ${deepEntry.runner})`);
    }
  } else {
    const missing = [deepEntry, sparseEntry].filter((r) => !r.inference).map((r) => r.runner);
    out.push(`inference not measured for ${missing.join(' and ')} (its trainer reported no inference timing)`);
  }
  if (m.apart) out.push(`the sides used different core counts (${deepEntry.runner} ${sig(m.cores.deep)}, ${sparseEntry.runner} ${sig(m.cores.sparse)}): judged on CPU time (wall time ${ratioText(m.speedWall)})`);
  if (m.idle) out.push(m.idle);
  if (m.idleMeasured) {
    const side = (f: Interval): string => (f.high <= CLAIM.energyShare ? 'within' : f.low > CLAIM.energyShare ? 'beyond' : 'spanning');
    const moved = side(m.energy) !== side(m.energyOtherView);
    out.push(`in the ${m.energyOtherView.view} view the share is ${ratioText(m.energyOtherView, true)} on ${m.energyOtherView.basis}${moved ? `: the energy finding changes with the view (${side(m.energyOtherView)} the claim's ${CLAIM.energyShare * 100}% there, ${side(m.energy)} it here)` : ''}`);
  }
  return out;
}

/** The claim in words: the verdict (any part that fails fails it; all must hold to reproduce it) and its reasons, failures first. */
const partOf = (findings: readonly Finding[], part: ClaimPart): boolean | null => findings.find((f) => f.part === part)?.holds ?? null;

function describe(m: Measured, findings: readonly Finding[]): Claim {
  const verdict: Verdict = findings.some((f) => f.holds === false) ? 'not reproduced' : findings.every((f) => f.holds === true) ? 'reproduced' : 'inconclusive';
  const ordered = [...findings.filter((f) => f.holds === false), ...findings.filter((f) => f.holds === undefined), ...findings.filter((f) => f.holds === true)];
  return {
    dataset: m.dataset,
    deep: m.deep[0].runner,
    deepRunners: m.deepRunners,
    sparse: m.sparse[0].runner,
    pairs: m.pairs.length,
    seeds: m.pairs.map((p) => p.d.seed),
    target: m.target,
    speed: m.speed,
    speedWall: m.speedWall,
    speedCpu: m.speedCpu,
    judgedOn: m.judgedOn,
    cores: m.cores,
    censored: m.censored,
    energy: m.energy,
    energyOtherView: m.energyOtherView,
    ...(m.idle ? { idle: m.idle } : {}),
    accuracy: m.accuracy,
    verdict,
    parts: { speed: partOf(findings, 'speed'), energy: partOf(findings, 'energy'), accuracy: partOf(findings, 'accuracy') },
    reasons: [...ordered.map((f) => f.reason), ...caveats(m)],
  };
}

/** The idle draw measured before the suite, and whom this view charges it to. */
function idleSentence(w: IdleWatts, view: EnergyView): string {
  const parts = [w.cpu > 0 ? `CPU ${sig(w.cpu)} W` : '', w.dram > 0 ? `DRAM ${sig(w.dram)} W` : '', w.gpu > 0 ? `GPU ${sig(w.gpu)} W` : ''].filter(Boolean).join(', ');
  return view === 'runner'
    ? `idle draw measured before the suite (${parts}): charged to no runner (runner view; --energy-view machine charges it to every runner)`
    : `idle draw measured before the suite (${parts}): charged to every runner while it trained (machine view)`;
}
