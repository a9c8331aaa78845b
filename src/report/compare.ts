import { UsageError } from '../errors.js';
import { byCell } from '../results/cells.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { mdTable, sig } from './format.js';
import { median } from './stats.js';

/** How a metric is judged: each kind has its own direction and its own gate. */
export type Gate =
  | { readonly kind: 'absolute'; readonly tolerance: number }
  | { readonly kind: 'ratio'; readonly max: number }
  | { readonly kind: 'exact' }
  /** Shown, never judged. */
  | { readonly kind: 'informative' };

export interface MetricDef {
  readonly name: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower' | 'neither';
  readonly gate: Gate;
  readonly value: (rs: readonly ResultEntry[]) => number | undefined;
}

export interface Gates {
  /** Largest accuracy drop tolerated (absolute, runs are seeded). */
  readonly accuracy: number;
  /** Largest tolerated ratio current/baseline for calibrated time and energy. */
  readonly time: number;
  readonly energy: number;
  /**
   * Gate calibrated time and energy across machines (the old design). Off by default: a
   * calibration workload moves differently from the runners between machines and on one
   * noisy machine, so these figures are informative; `compare --against` judges time and
   * energy from paired rounds on one machine instead (report/ab.ts).
   */
  readonly crossMachine?: boolean;
}

export const DEFAULT_GATES: Gates = { accuracy: 0.01, time: 1.5, energy: 1.5, crossMachine: false };

/** Divides by the calibration time of the machine that trained, when both records have one. */
function perCalibration(rs: readonly ResultEntry[], f: (r: ResultEntry) => number): number | undefined {
  const values = rs.map((r) => (r.measurement.calibrationSeconds ? f(r) / r.measurement.calibrationSeconds : NaN));
  return values.some((v) => !Number.isFinite(v)) ? undefined : median(values);
}

const exactMetric = (key: string, unit: string): MetricDef => ({
  name: key,
  unit,
  better: 'neither',
  gate: { kind: 'exact' },
  value: (rs) => (rs.every((r) => r.metrics[key] !== undefined) ? median(rs.map((r) => r.metrics[key])) : undefined),
});

export function metricDefs(g: Gates): MetricDef[] {
  const timeGate = (max: number): Gate => (g.crossMachine ? { kind: 'ratio', max } : { kind: 'informative' });
  return [
    { name: 'accuracy', unit: 'fraction', better: 'higher', gate: { kind: 'absolute', tolerance: g.accuracy }, value: (rs) => median(rs.map((r) => r.accuracy)) },
    {
      name: 'time / calibration',
      unit: 'calibration units',
      better: 'lower',
      gate: timeGate(g.time),
      value: (rs) => perCalibration(rs, (r) => r.measurement.seconds),
    },
    {
      name: 'energy / calibration',
      unit: 'J per calibration second',
      better: 'lower',
      gate: timeGate(g.energy),
      value: (rs) => perCalibration(rs, (r) => r.energy.joules),
    },
    exactMetric('flops', 'FLOP'),
    exactMetric('passes', 'passes'),
    exactMetric('nonzeros', 'coefficients'),
    exactMetric('parameters', 'weights'),
  ];
}

/** A metric against its gate (compare --baseline); the claim's verdict is claims.ts' Verdict. */
export type GateVerdict = 'ok' | 'better' | 'regression' | 'changed' | 'missing' | 'new' | 'not comparable' | 'info';

export interface Row {
  readonly cell: string;
  readonly metric: string;
  readonly unit: string;
  readonly better: MetricDef['better'];
  readonly baseline?: number;
  readonly current?: number;
  readonly change?: string;
  readonly gate: string;
  readonly verdict: GateVerdict;
}

export interface Comparison {
  readonly rows: readonly Row[];
  readonly regressions: number;
  readonly notes: readonly string[];
}

function gateText(g: Gate, better: MetricDef['better']): string {
  if (g.kind === 'exact') return 'exact';
  if (g.kind === 'informative') return 'informative';
  if (g.kind === 'absolute') return `${better === 'higher' ? 'drop' : 'rise'} <= ${g.tolerance}`;
  return `x <= ${g.max}`;
}

/**
 * Compares a run with a baseline, metric by metric, over the seeds both ran: refuses records
 * of different suites or splits (exit 2 material), reports cells and metrics present on one
 * side only, and judges the rest by their own gates.
 */
export function compareRecords(baseline: RunRecord, current: RunRecord, gates: Gates = DEFAULT_GATES): Comparison {
  if (baseline.suite !== current.suite) {
    throw new UsageError(`records from different suites cannot be compared: baseline "${baseline.suite}", current "${current.suite}"`);
  }
  const b = byCell(baseline);
  const c = byCell(current);
  for (const [key, rs] of c) {
    for (const x of b.get(key) ?? []) {
      const same = rs.find((y) => y.seed === x.seed);
      if (same && JSON.stringify(same.split) !== JSON.stringify(x.split)) {
        throw new UsageError(`${key}: different splits for seed ${x.seed} (baseline ${JSON.stringify(x.split)}, current ${JSON.stringify(same.split)})`);
      }
    }
  }
  const notes: string[] = [];
  if (gates.crossMachine && (!baseline.calibration || !current.calibration)) notes.push('a record has no calibration: time and energy cannot be normalised and are not judged');
  const rows: Row[] = [];
  const defs = metricDefs(gates);
  for (const key of [...new Set([...b.keys(), ...c.keys()])].sort()) {
    const bAll = b.get(key);
    const cAll = c.get(key);
    if (!bAll || !cAll) {
      rows.push({ cell: key, metric: '(runner)', unit: '', better: 'neither', gate: '', verdict: bAll ? 'missing' : 'new' });
      continue;
    }
    // seeded runs are compared seed for seed: medians over the seeds both sides ran
    const seeds = new Set(bAll.map((x) => x.seed).filter((s) => cAll.some((y) => y.seed === s)));
    if (seeds.size === 0) {
      rows.push({ cell: key, metric: '(seeds)', unit: '', better: 'neither', gate: '', verdict: 'not comparable' });
      notes.push(`${key}: no seed in common (baseline ${bAll.map((x) => x.seed).join(', ')}, current ${cAll.map((x) => x.seed).join(', ')})`);
      continue;
    }
    const bs = bAll.filter((x) => seeds.has(x.seed));
    const cs = cAll.filter((x) => seeds.has(x.seed));
    for (const d of defs) {
      const bv = d.value(bs);
      const cv = d.value(cs);
      if (bv === undefined && cv === undefined) continue;
      const base = { cell: key, metric: d.name, unit: d.unit, better: d.better, gate: gateText(d.gate, d.better) };
      if (bv === undefined || cv === undefined) {
        rows.push({ ...base, baseline: bv, current: cv, verdict: bv === undefined ? 'new' : 'missing' });
        continue;
      }
      rows.push({ ...base, baseline: bv, current: cv, change: change(d, bv, cv), verdict: judge(d, bv, cv) });
    }
  }
  return { rows, regressions: rows.filter((r) => r.verdict === 'regression' || r.verdict === 'changed').length, notes };
}

function change(d: MetricDef, b: number, c: number): string {
  if (d.gate.kind === 'absolute') return `${c - b >= 0 ? '+' : ''}${sig(c - b)}`;
  if (b === 0) return c === 0 ? '0' : 'from 0';
  return `x${sig(c / b)}`;
}

function judge(d: MetricDef, b: number, c: number): GateVerdict {
  const g = d.gate;
  if (g.kind === 'exact') return b === c ? 'ok' : 'changed';
  if (g.kind === 'informative') return 'info';
  if (g.kind === 'absolute') {
    const worse = d.better === 'higher' ? b - c : c - b;
    if (worse > g.tolerance) return 'regression';
    return worse < -g.tolerance ? 'better' : 'ok';
  }
  const ratio = c / b;
  const worse = d.better === 'lower' ? ratio : 1 / ratio;
  if (worse > g.max) return 'regression';
  return worse < 1 / g.max ? 'better' : 'ok';
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : sig(v, 4));

export function comparisonMarkdown(c: Comparison, baselineLabel: string, currentLabel: string): string {
  const head = c.regressions
    ? `**${c.regressions} regression${c.regressions > 1 ? 's' : ''}** against ${baselineLabel}`
    : `No regression against ${baselineLabel}`;
  return [
    `${head} (current: ${currentLabel}).`,
    '',
    mdTable(
      ['cell', 'metric', 'baseline', 'current', 'change', 'gate', 'verdict'],
      c.rows.map((r) => [r.cell, r.metric, fmt(r.baseline), fmt(r.current), r.change ?? '', r.gate, r.verdict === 'regression' || r.verdict === 'changed' ? `**${r.verdict}**` : r.verdict]),
    ),
    ...c.notes.map((n) => `\nNote: ${n}.`),
    '',
  ].join('\n');
}

/** github-action-benchmark's customSmallerIsBetter / customBiggerIsBetter inputs. */
export function githubBenchmark(c: Comparison): { smaller: object[]; bigger: object[] } {
  const entries = (better: 'lower' | 'higher'): object[] =>
    c.rows.filter((r) => r.better === better && r.current !== undefined).map((r) => ({ name: `${r.cell} ${r.metric}`, unit: r.unit, value: r.current }));
  return { smaller: entries('lower'), bigger: entries('higher') };
}
