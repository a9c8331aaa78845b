import type { TopLevelSpec } from 'vega-lite';
import { pointLabel } from '../results/cells.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { CLAIM, claims, type Claim, type ClaimPart, type EnergyView } from './claims.js';
import { mdTable, sig } from './format.js';
import { pairedLogRatio } from './paired.js';
import { median, type Interval } from './stats.js';
import { per1000 } from './tables.js';

/** One point of a sweep for one (dataset, sparse runner): its axis value and the claim judged there. */
export interface SweepPoint {
  readonly value: number | string;
  readonly claim: Claim;
  /** Inference seconds per 1,000 test items, paired by seed: DL over sparse (absent where a side has no inference window). */
  readonly inference?: { readonly sparseSecondsPer1000: number; readonly ratio: Interval };
}

/** Inference at one point, paired by seed: the sparse runner's seconds per 1,000 test items and DL/sparse. */
function inferenceAt(results: readonly ResultEntry[], c: Claim): SweepPoint['inference'] {
  const pairs = c.seeds.flatMap((seed) => {
    const d = results.find((r) => r.runner === c.deep && r.seed === seed);
    const s = results.find((r) => r.runner === c.sparse && r.seed === seed);
    return d?.inference && s?.inference ? [{ d, s }] : [];
  });
  if (pairs.length === 0 || pairs.length !== c.seeds.length) return undefined;
  return {
    sparseSecondsPer1000: median(pairs.map((p) => per1000(p.s, 'seconds'))),
    ratio: pairedLogRatio(pairs.map((p) => per1000(p.d, 'seconds') / per1000(p.s, 'seconds'))),
  };
}

/** Where the claim holds for one (dataset, sparse runner), along a sweep's first axis at one value of the others. */
export interface SweepFinding {
  readonly dataset: string;
  readonly sparse: string;
  readonly axis: string;
  /** The other axes' values ("lasso.alpha=0.001"), empty for a one-axis sweep. */
  readonly at: string;
  readonly points: readonly SweepPoint[];
  readonly crossovers: Readonly<Record<ClaimPart, string>>;
}

const PARTS: readonly ClaimPart[] = ['speed', 'energy', 'accuracy'];

/** What each part says, for the crossover sentences. */
const PART_TEXT: Record<ClaimPart, string> = {
  speed: `sparse at least ${CLAIM.speed}x faster`,
  energy: `sparse on about 1% of the energy (at most ${CLAIM.energyShare * 100}%)`,
  accuracy: `accuracy within ${CLAIM.accuracyPoints} points`,
};

/**
 * Where along an axis a part of the claim holds, from each point's judgement (true holds,
 * false fails, null undecided: its interval spans the threshold or too few pairs). The
 * crossover is bracketed by the grid: between the last point where it holds and the first
 * where it fails; points in between are named as undecided.
 */
export function crossover(part: string, axis: string, values: readonly (number | string)[], holds: readonly (boolean | null)[]): string {
  const at = (want: boolean | null): (number | string)[] => values.filter((_, i) => holds[i] === want);
  const [yes, no, open] = [at(true), at(false), at(null)];
  const range = `${axis} ${values[0]}..${values[values.length - 1]}`;
  const undecided = open.length ? `; undecided at ${open.join(', ')}` : '';
  if (yes.length === values.length) return `${part}: holds at every point (${range}): no crossover in range`;
  if (no.length === values.length) return `${part}: fails at every point (${range}): no crossover in range`;
  if (yes.length === 0 && no.length === 0) return `${part}: undecided at every point (${range}): no crossover can be stated`;
  const numeric = values.every((v) => typeof v === 'number');
  if (numeric && yes.length && no.length) {
    const [y, n] = [yes as number[], no as number[]];
    if (Math.max(...y) < Math.min(...n)) return `${part}: holds at ${axis} <= ${Math.max(...y)}, fails from ${Math.min(...n)}: crossover in [${Math.max(...y)}, ${Math.min(...n)}]${undecided}`;
    if (Math.min(...y) > Math.max(...n)) return `${part}: holds at ${axis} >= ${Math.min(...y)}, fails up to ${Math.max(...n)}: crossover in [${Math.max(...n)}, ${Math.min(...y)}]${undecided}`;
  }
  if (yes.length === 0) return `${part}: never shown to hold (${range}); fails at ${no.join(', ')}${undecided}: no crossover can be stated`;
  if (no.length === 0) return `${part}: never shown to fail (${range}); holds at ${yes.join(', ')}${undecided}: no crossover can be stated`;
  return `${part}: no single crossover: holds at ${yes.join(', ')}, fails at ${no.join(', ')}${undecided}`;
}

/** A result's values of the given axes, in words: which slice of a sweep it belongs to. */
const keyOf = (point: Readonly<Record<string, number | string>>, axes: readonly string[]): string => pointLabel(Object.fromEntries(axes.map((a) => [a, point[a]])));

/** The claim at every point of a sweep record, per (dataset, sparse runner, other axes' values), with each part's crossover. */
export function sweepFindings(record: RunRecord, view: EnergyView = 'runner'): SweepFinding[] {
  const axes = record.sweep?.axes ?? [];
  if (axes.length === 0) return [];
  const [first, ...others] = axes;
  const otherNames = others.map((a) => a.name);
  const slices = [...new Set(record.results.map((r) => keyOf(r.point ?? {}, otherNames)))];
  const out: SweepFinding[] = [];
  for (const at of slices) {
    const byValue = first.values.map((value) => {
      const results = record.results.filter((r) => r.point?.[first.name] === value && keyOf(r.point ?? {}, otherNames) === at);
      return { value, results, claims: claims({ ...record, sweep: undefined, results }, undefined, view) };
    });
    const pairs = new Set(byValue.flatMap((p) => p.claims.map((c) => `${c.dataset}\u0000${c.sparse}`)));
    for (const pair of pairs) {
      const [dataset, sparse] = pair.split('\u0000');
      const points = byValue.flatMap((p) =>
        p.claims.filter((c) => c.dataset === dataset && c.sparse === sparse).map((claim) => {
          const inference = inferenceAt(p.results, claim);
          return { value: p.value, claim, ...(inference ? { inference } : {}) };
        }),
      );
      const crossovers = Object.fromEntries(
        PARTS.map((part) => [part, crossover(PART_TEXT[part], first.name, points.map((p) => p.value), points.map((p) => p.claim.parts[part]))]),
      ) as Record<ClaimPart, string>;
      out.push({ dataset, sparse, axis: first.name, at, points, crossovers });
    }
  }
  return out.sort((a, b) => a.dataset.localeCompare(b.dataset) || a.sparse.localeCompare(b.sparse) || a.at.localeCompare(b.at));
}

const mark = (h: boolean | null): string => (h === true ? 'holds' : h === false ? 'fails' : 'undecided');
const interval = (v: { value: number; low: number; high: number }, pct = false): string => {
  const f = (x: number): string => (pct ? `${sig(x * 100)}%` : `${sig(x)}x`);
  return `${f(v.value)} [${f(v.low)}, ${f(v.high)}]`;
};

/** results/README.md's "Where the claim holds": per finding, a table over the axis and the crossover of each part. */
export function sweepSection(sweeps: readonly RunRecord[], view: EnergyView = 'runner'): string[] {
  if (sweeps.length === 0) return [];
  const lines = [
    '## Where the claim holds',
    '',
    'From `sparsebench sweep` (`npm run bench:sweep`): the paired comparison of the claims above, repeated at every point of an axis, on one test set and one validation set for every training size (drawn before the training images). ' +
      'Each part of the claim is judged at each point as the verdicts are (speed and energy need their whole interval past the threshold); a crossover is bracketed by the grid, between the last point where a part holds and the first where it fails. ' +
      'Intervals: t-intervals on paired log ratios (speed, energy, inference) and paired differences (accuracy) over the seeds, 95%, their N the pairs column; fewer than 5 pairs give the range and judge nothing. Inference: the trained model on the test set in a window of its own (median seconds per 1,000 items of the sparse runner; the ratio DL/sparse).',
    '',
  ];
  for (const record of sweeps) {
    const findings = sweepFindings(record, view);
    lines.push(`### Sweep \`${record.id}\` (suite \`${record.suite}\`, axes ${record.sweep?.axes.map((a) => `${a.name} = ${a.values.join(', ')}`).join('; ')})`, '');
    lines.push(`Command: \`sparsebench ${record.argv.join(' ')}\`.`, '');
    if (findings.length === 0) lines.push('No (dataset, deep-learning runner, sparse runner) triple in this sweep: nothing to compare.', '');
    for (const f of findings) {
      lines.push(`**${f.dataset}: ${f.sparse} against the fastest deep-learning runner${f.at ? `, at ${f.at}` : ''}**`, '');
      lines.push(...PARTS.map((p) => `- ${f.crossovers[p]}`), '');
      lines.push(
        mdTable(
          [f.axis, 'DL runner', 'pairs', 'speed DL/sparse (claim >= 4x)', 'energy sparse/DL (claim ~1%)', 'accuracy DL - sparse, points', 'inference s per 1k items, sparse (DL/sparse)', 'speed', 'energy', 'accuracy', 'verdict'],
          f.points.map(({ value, claim: c, inference: inf }) => [
            String(value),
            c.deep,
            String(c.pairs),
            `${interval(c.speed)} (${c.judgedOn})`,
            `${interval(c.energy, true)}${c.energy.estimated ? ', **estimated**' : ', measured'}`,
            `${sig(c.accuracy.gap.value)} [${sig(c.accuracy.gap.low)}, ${sig(c.accuracy.gap.high)}]`,
            inf ? `${sig(inf.sparseSecondsPer1000)} (${interval(inf.ratio)})` : 'n/a',
            mark(c.parts.speed),
            mark(c.parts.energy),
            mark(c.parts.accuracy),
            `**${c.verdict}**`,
          ]),
        ),
        '',
      );
    }
  }
  return lines;
}

/** The plots of a sweep: the speed ratio and the accuracy gap against the axis (log scale for sizes), with the claim's thresholds. */
export function sweepPlotSpecs(record: RunRecord, view: EnergyView = 'runner'): { name: string; title: string; spec: TopLevelSpec }[] {
  const common = { width: 420, height: 260, background: 'white', config: { font: 'DejaVu Sans' } } as const;
  return sweepFindings(record, view).map((f) => {
    const numeric = f.points.every((p) => typeof p.value === 'number');
    const x = { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: f.axis, ...(numeric ? { scale: { type: 'log' } } : {}) } as const;
    const values = f.points.map((p) => ({ x: p.value, speed: p.claim.speed.value, low: p.claim.speed.low, high: p.claim.speed.high, gap: p.claim.accuracy.gap.value, gapLow: p.claim.accuracy.gap.low, gapHigh: p.claim.accuracy.gap.high }));
    const name = `sweep-${f.dataset}-${f.sparse}${f.at ? `-${f.at.replace(/[^A-Za-z0-9.-]+/g, '_')}` : ''}`;
    const panel = (y: string, low: string, high: string, title: string, threshold: number) => ({
      width: 420,
      height: 200,
      layer: [
        { data: { values }, mark: { type: 'errorbar' }, encoding: { x, y: { field: low, type: 'quantitative', title, scale: y === 'speed' ? { type: 'log' } : { zero: false } }, y2: { field: high } } },
        { data: { values }, mark: { type: 'line', point: true }, encoding: { x, y: { field: y, type: 'quantitative' } } },
        { data: { values: [{ t: threshold }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { field: 't', type: 'quantitative' } } },
      ],
    });
    return {
      name,
      title: `${f.dataset}: ${f.sparse} against the fastest DL runner along ${f.axis}${f.at ? ` (${f.at})` : ''}`,
      spec: {
        ...common,
        title: `${f.dataset}: ${f.sparse} vs fastest DL along ${f.axis} (t 95% over paired seeds; dashed: the claim)`,
        vconcat: [panel('speed', 'low', 'high', 'speed DL/sparse (log)', CLAIM.speed), panel('gap', 'gapLow', 'gapHigh', 'accuracy DL - sparse, points', CLAIM.accuracyPoints)],
      } as TopLevelSpec,
    };
  });
}

/**
 * For each dataset, the newest sweep that compared both families on it (oldest first): what
 * "Where the claim holds" shows. A tuning sweep of one runner compares nothing and is skipped.
 */
export function newestSweeps(records: readonly RunRecord[]): RunRecord[] {
  const sweeps = records.filter((r) => r.sweep && new Set(r.results.map((x) => x.family)).size === 2);
  const kept = new Set<RunRecord>();
  for (const dataset of new Set(sweeps.flatMap((r) => r.results.map((x) => x.dataset)))) {
    const newest = sweeps.filter((r) => r.results.some((x) => x.dataset === dataset)).at(-1);
    if (newest) kept.add(newest);
  }
  return sweeps.filter((r) => kept.has(r));
}
