import type { TopLevelSpec } from 'vega-lite';
import { pointLabel } from '../results/cells.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { joulesIn, type EnergyView } from './claims.js';
import { mdTable, sig } from './format.js';

/**
 * Expected best validation score after n trials drawn at random (with replacement) from the
 * N observed ones: the expected maximum of Dodge et al. 2019 ("Show Your Work"), for sorted
 * values v_1 <= ... <= v_N, sum_i v_i ((i/N)^n - ((i-1)/N)^n).
 */
export function expectedMax(values: readonly number[], n: number): number {
  const v = [...values].sort((a, b) => a - b);
  const N = v.length;
  let e = 0;
  for (let i = 1; i <= N; i++) e += v[i - 1] * ((i / N) ** n - ((i - 1) / N) ** n);
  return e;
}

/** A trial: one training at one setting of a runner's own space, scored on the validation images. */
export interface Trial {
  readonly setting: string;
  readonly validation: number;
  readonly seconds: number;
  readonly joules: number;
}

/** One runner's cost to a tuned model on one dataset. */
export interface TuningCurve {
  readonly dataset: string;
  readonly runner: string;
  readonly family: 'deep' | 'sparse';
  /** What was tuned: the sweep's axes of this runner. */
  readonly space: string;
  readonly trials: readonly Trial[];
  /** Best validation score among the trials. */
  readonly best: number;
  /** For n = 1..N trials: expected best validation score, and the expected cumulative training cost (n x the mean trial). */
  readonly curve: readonly { readonly n: number; readonly expectedBest: number; readonly seconds: number; readonly joules: number }[];
  /** The fewest trials whose expected best is within TUNED_WITHIN of `best`, and their cost. */
  readonly tuned: { readonly n: number; readonly seconds: number; readonly joules: number };
}

/** "Within 1 point of the family's best": the tuned model the cost is counted to. */
export const TUNED_WITHIN = 0.01;

/**
 * Every runner a sweep varied over its own settings (axes runner.parameter, or epochs for a
 * deep-learning runner): each (point, seed) is a trial scored by its final validation point
 * (the curve reads the validation images; the test images play no part in tuning).
 */
export function tuningCurves(record: RunRecord, view: EnergyView = 'runner'): TuningCurve[] {
  const axes = record.sweep?.axes ?? [];
  const out: TuningCurve[] = [];
  const groups = new Map<string, ResultEntry[]>();
  for (const r of record.results) {
    const key = `${r.dataset}\u0000${r.runner}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, rs] of groups) {
    const [dataset, runner] = key.split('\u0000');
    const own = axes.filter((a) => a.name.startsWith(`${runner}.`) || (a.name === 'epochs' && rs[0].family === 'deep')).map((a) => a.name);
    if (own.length === 0) continue;
    const trials = rs
      .filter((r) => r.curve.length > 0)
      .map((r) => ({
        setting: pointLabel(Object.fromEntries(own.map((a) => [a, r.point?.[a] ?? '']))),
        validation: r.curve[r.curve.length - 1].metric,
        seconds: r.measurement.seconds,
        joules: joulesIn(r, view),
      }));
    if (new Set(trials.map((t) => t.setting)).size < 2) continue;
    const values = trials.map((t) => t.validation);
    const best = Math.max(...values);
    const mean = (f: (t: Trial) => number): number => trials.reduce((s, t) => s + f(t), 0) / trials.length;
    const [sec, joules] = [mean((t) => t.seconds), mean((t) => t.joules)];
    const curve = trials.map((_, k) => ({ n: k + 1, expectedBest: expectedMax(values, k + 1), seconds: (k + 1) * sec, joules: (k + 1) * joules }));
    const reached = curve.find((p) => p.expectedBest >= best - TUNED_WITHIN) ?? curve[curve.length - 1];
    out.push({ dataset, runner, family: rs[0].family, space: own.join(' x '), trials, best, curve, tuned: { n: reached.n, seconds: reached.seconds, joules: reached.joules } });
  }
  return out.sort((a, b) => a.dataset.localeCompare(b.dataset) || a.runner.localeCompare(b.runner));
}

/** results/README.md's "Cost to a tuned model": per dataset, each tuned runner's expected best against its cumulative cost. */
export function tuningSection(records: readonly RunRecord[], view: EnergyView = 'runner'): string[] {
  const curves = records.flatMap((r) => tuningCurves(r, view).map((c) => ({ c, r })));
  if (curves.length === 0) return [];
  const lines = [
    '## Cost to a tuned model',
    '',
    'Strubell et al.\'s point: tuning, not one training, is what a model costs. Each runner\'s trials are its sweep\'s points over its own settings, every seed a trial, scored on the validation images only. ' +
      'Expected best after n trials is the expected maximum of n draws from the observed trials (Dodge et al. 2019, "Show Your Work"); its cost is n times the mean trial\'s training time and energy. ' +
      `"Tuned" is within ${TUNED_WITHIN * 100} point of the runner's best trial.`,
    '',
  ];
  for (const { c, r } of curves) {
    const method = [...new Set(r.results.filter((x) => x.runner === c.runner && x.dataset === c.dataset).map((x) => x.energy.method))].join(', ');
    // every n up to 16 trials (the tuned n among them), then powers of two
    const shown = c.curve.length <= 16 ? c.curve : c.curve.filter((p) => p.n === 1 || p.n === c.curve.length || p.n === c.tuned.n || (p.n & (p.n - 1)) === 0);
    lines.push(`**${c.dataset}: ${c.runner}** (${c.family}; ${c.trials.length} trials over ${c.space}, sweep \`${r.id}\`): best validation ${sig(c.best)}; tuned (expected best >= ${sig(c.best - TUNED_WITHIN)}) after ${c.tuned.n} trial${c.tuned.n === 1 ? '' : 's'}, ${sig(c.tuned.seconds)} s and ${sig(c.tuned.joules)} J (${method}) of training.`, '');
    lines.push(mdTable(['trials n', 'expected best validation', 'cumulative training s', `cumulative J (${method})`], shown.map((p) => [String(p.n), sig(p.expectedBest), sig(p.seconds), sig(p.joules)])), '');
  }
  return lines;
}

/** One plot per dataset: expected best validation score against cumulative training seconds (log), a line per tuned runner. */
export function tuningPlotSpecs(records: readonly RunRecord[], view: EnergyView = 'runner'): { name: string; title: string; spec: TopLevelSpec }[] {
  const curves = records.flatMap((r) => tuningCurves(r, view));
  return [...new Set(curves.map((c) => c.dataset))].map((dataset) => ({
    name: `tuning-${dataset}`,
    title: `${dataset}: expected best validation score against cumulative training time (Dodge et al. 2019)`,
    spec: {
      width: 420,
      height: 260,
      background: 'white',
      config: { font: 'DejaVu Sans' },
      title: `${dataset}: expected best validation score after n trials`,
      data: { values: curves.filter((c) => c.dataset === dataset).flatMap((c) => c.curve.map((p) => ({ runner: c.runner, seconds: p.seconds, best: p.expectedBest }))) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'cumulative training seconds (log)', scale: { type: 'log' } },
        y: { field: 'best', type: 'quantitative', title: 'expected best validation score', scale: { zero: false } },
        color: { field: 'runner', type: 'nominal' },
      },
    },
  }));
}

/** For each (dataset, runner) a sweep tuned, the newest such sweep (oldest first). */
export function newestTunings(records: readonly RunRecord[]): RunRecord[] {
  const kept = new Set<RunRecord>();
  const seen = new Set<string>();
  for (const r of [...records].reverse()) {
    for (const c of r.sweep ? tuningCurves(r) : []) {
      const key = `${c.dataset}\u0000${c.runner}`;
      if (seen.has(key)) continue;
      seen.add(key);
      kept.add(r);
    }
  }
  return records.filter((r) => kept.has(r));
}
