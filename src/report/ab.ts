import { byCell } from '../results/cells.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import type { Comparison } from './compare.js';
import { mdTable, sig } from './format.js';
import { pairedLogRatio, type PairedRatio } from './paired.js';
import { median, MIN_N_FOR_INTERVAL } from './stats.js';

/**
 * Same-machine A/B: the base (A) and the change (B) run the same cells on the same seeds in
 * interleaved rounds (AB, BA, AB, ...), so machine drift and load hit both alike. Each time
 * and energy metric is judged by its per-round ratio B/A: a regression only when the whole
 * interval lies beyond the gate, i.e. the slowdown is both practically large and not noise.
 */
export interface AbRound {
  readonly round: number;
  /** Which side ran first in this round. */
  readonly order: 'AB' | 'BA';
  readonly seed: number;
  readonly base: RunRecord;
  readonly change: RunRecord;
}

export interface AbGates {
  /** Largest tolerated ratio change/base of training time (wall and CPU). */
  readonly time: number;
  readonly energy: number;
  /** Confidence level of the per-metric intervals. */
  readonly level: number;
}

/**
 * Set from measurements on this machine kind (README, CI section; 5 rounds, mnist cnn and
 * lasso, the shortest and noisiest cells): in 5 unchanged A/B runs the highest lower bound
 * of any interval was 0.95 (point ratios 0.83-1.02, log sd up to 0.25), while a 1.5x slower
 * LASSO runner gave lower bounds of 1.26-1.44 in every run. 1.2 sits between the two.
 */
export const DEFAULT_AB_GATES: AbGates = { time: 1.2, energy: 1.2, level: 0.95 };

export const DEFAULT_ROUNDS = 5;

/** Order of round r: alternate which side goes first, ABBA..., so a trend cancels. */
export const roundOrder = (r: number): 'AB' | 'BA' => (r % 2 === 0 ? 'AB' : 'BA');

interface AbMetric {
  readonly name: string;
  readonly unit: string;
  readonly gate: (g: AbGates) => number;
  readonly value: (e: ResultEntry) => number;
}

const AB_METRICS: readonly AbMetric[] = [
  { name: 'train seconds', unit: 's', gate: (g) => g.time, value: (e) => e.measurement.seconds },
  { name: 'CPU seconds', unit: 's', gate: (g) => g.time, value: (e) => e.measurement.cpuSeconds },
  { name: 'energy J', unit: 'J', gate: (g) => g.energy, value: (e) => e.energy.joules },
];

export type AbVerdict = 'ok' | 'better' | 'regression' | 'settings changed' | 'missing' | 'new' | 'not measured';

export interface AbRow {
  readonly cell: string;
  readonly metric: string;
  readonly unit: string;
  /** Medians over the rounds. */
  readonly base?: number;
  readonly change?: number;
  readonly interval?: PairedRatio;
  /** Energy method of the change side (estimated energy restates CPU time; say so). */
  readonly method?: string;
  readonly gate: number;
  readonly verdict: AbVerdict;
}

export interface AbComparison {
  readonly baseLabel: string;
  readonly changeLabel: string;
  readonly rounds: number;
  readonly orders: readonly string[];
  readonly rows: readonly AbRow[];
  readonly regressions: number;
  readonly notes: readonly string[];
  /** Deterministic figures of the change side against the committed baseline, when given. */
  readonly exact?: Comparison;
}

/** Config keys that differ by run, not by setting: the seed (the rounds' own), an external's command (its paths). */
const NOT_SETTINGS = new Set(['seed', 'command']);

/**
 * What a cell's settings changed from base to change: its config (minus NOT_SETTINGS) and its
 * training size, as "key a -> b". A cell whose settings changed runs another experiment, not
 * the same one slower or faster (asv versions a benchmark for the same reason): its time and
 * energy are shown, not judged, and the exact gates against the baseline still hold.
 */
export function changedSettings(a: ResultEntry, b: ResultEntry): string[] {
  const out: string[] = [];
  if (a.split.train !== b.split.train) out.push(`training size ${a.split.train} -> ${b.split.train}`);
  for (const key of [...new Set([...Object.keys(a.config), ...Object.keys(b.config)])].sort()) {
    if (NOT_SETTINGS.has(key)) continue;
    const [x, y] = [JSON.stringify(a.config[key] ?? null), JSON.stringify(b.config[key] ?? null)];
    if (x !== y) out.push(`${key} ${x} -> ${y}`);
  }
  return out;
}

/** A cell's figure in one record: the median of its entries (one per repeat). */
const figure = (rs: readonly ResultEntry[], m: AbMetric): number => median(rs.map(m.value));

/** Judges every (cell, metric) over the rounds; rounds must share cells to be paired. */
export function judgeRounds(rounds: readonly AbRound[], gates: AbGates = DEFAULT_AB_GATES, labels = { base: 'base', change: 'change' }): AbComparison {
  if (rounds.length === 0) throw new Error('judgeRounds: no rounds');
  const perRound = rounds.map((r) => ({ a: byCell(r.base), b: byCell(r.change) }));
  const keys = [...new Set(perRound.flatMap((p) => [...p.a.keys(), ...p.b.keys()]))].sort();
  const rows: AbRow[] = [];
  const notes: string[] = [];
  for (const cell of keys) {
    const inA = perRound.every((p) => p.a.has(cell));
    const inB = perRound.every((p) => p.b.has(cell));
    if (!inA || !inB) {
      rows.push({ cell, metric: '(runner)', unit: '', gate: gates.time, verdict: inA ? 'missing' : inB ? 'new' : 'not measured' });
      continue;
    }
    const changed = changedSettings((perRound[0].a.get(cell) as ResultEntry[])[0], (perRound[0].b.get(cell) as ResultEntry[])[0]);
    if (changed.length) notes.push(`${cell}: settings changed (${changed.join('; ')}): its time and energy are shown, not judged against the base`);
    for (const m of AB_METRICS) {
      const a = perRound.map((p) => figure(p.a.get(cell) as ResultEntry[], m));
      const b = perRound.map((p) => figure(p.b.get(cell) as ResultEntry[], m));
      const gate = m.gate(gates);
      const method = m.name === 'energy J' ? (perRound[0].b.get(cell) as ResultEntry[])[0].energy.method : undefined;
      if (a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) {
        rows.push({ cell, metric: m.name, unit: m.unit, base: median(a), change: median(b), gate, method, verdict: 'not measured' });
        continue;
      }
      const interval = pairedLogRatio(b.map((x, i) => x / a[i]), gates.level);
      const judged: AbVerdict = interval.level !== null && interval.low > gate ? 'regression' : interval.level !== null && interval.high < 1 / gate ? 'better' : 'ok';
      const verdict: AbVerdict = changed.length ? 'settings changed' : judged;
      rows.push({ cell, metric: m.name, unit: m.unit, base: median(a), change: median(b), interval, gate, method, verdict });
    }
  }
  if (rounds.length < MIN_N_FOR_INTERVAL) notes.push(`fewer than ${MIN_N_FOR_INTERVAL} rounds give no 95% interval (the brackets hold the range): time and energy are shown, not judged; run ${MIN_N_FOR_INTERVAL} rounds or more`);
  if (rows.some((r) => r.method?.startsWith('estimated'))) {
    notes.push('energy is estimated here (charged per CPU second), so its ratio restates the CPU-time ratio');
  }
  return {
    baseLabel: labels.base,
    changeLabel: labels.change,
    rounds: rounds.length,
    orders: rounds.map((r) => r.order),
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
    notes,
  };
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : sig(v, 4));

function intervalText(i: PairedRatio | undefined): string {
  if (!i) return '';
  return `x${sig(i.value)} [${sig(i.low)}, ${sig(i.high)}]`;
}

/** The A/B table: medians of each side, the paired ratio with its interval, its noise, the gate and the verdict. */
export function abMarkdown(c: AbComparison): string {
  const head = c.regressions
    ? `**${c.regressions} regression${c.regressions > 1 ? 's' : ''}** of ${c.changeLabel} against ${c.baseLabel}`
    : `No time or energy regression of ${c.changeLabel} against ${c.baseLabel}`;
  const method = c.rows.find((r) => r.interval)?.interval?.method ?? 'no interval';
  const lines = [
    `${head}: ${c.rounds} interleaved round${c.rounds === 1 ? '' : 's'} on this machine (${c.orders.join(' ')}; A = base, B = change), ratio B/A per round, ${method}.`,
    '',
    mdTable(
      ['cell', 'metric', 'base (median)', 'change (median)', 'ratio B/A [interval]', 'round-to-round noise', 'gate', 'verdict'],
      c.rows.map((r) => [
        r.cell,
        r.method ? `${r.metric} (${r.method})` : r.metric,
        fmt(r.base),
        fmt(r.change),
        intervalText(r.interval),
        r.interval ? `+/-${sig((Math.exp(r.interval.logSd) - 1) * 100, 2)}%` : '',
        r.interval ? `interval above x${r.gate}` : '',
        r.verdict === 'regression' ? '**regression**' : r.verdict,
      ]),
    ),
    ...c.notes.map((n) => `\nNote: ${n}.`),
    '',
  ];
  return lines.join('\n');
}

/** github-action-benchmark input for the change side: medians over the rounds, smaller is better. */
export function abGithubBenchmark(c: AbComparison): object[] {
  return c.rows.filter((r) => r.change !== undefined).map((r) => ({ name: `${r.cell} ${r.metric}`, unit: r.unit, value: r.change, range: intervalText(r.interval) }));
}
