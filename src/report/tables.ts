import { byCell } from '../results/cells.js';
import { runtimeOf } from '../results/fields.js';
import type { ResultEntry, RunRecord } from '../results/schema.js';
import { mdTable, pct, sig } from './format.js';
import { median, medianInterval, type Interval } from './stats.js';
import { metricLabel } from './metric.js';

/** Medians over repeats of one (dataset, runner) cell. */
export interface CellSummary {
  readonly dataset: string;
  readonly runner: string;
  readonly family: 'deep' | 'sparse';
  readonly backend: string;
  readonly repeats: number;
  readonly accuracy: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly joules: number;
  readonly kwhWithPue: number;
  readonly co2eKg: number;
  readonly energyMethod: string;
  readonly peakRssBytes: number;
  /** CPU seconds per wall second over the training window (median), and the thread budget it was given. */
  readonly coresUsed: number;
  readonly threads?: number;
  /** Inference on the test set per 1,000 items (medians), with the energy's method; undefined where not measured. */
  readonly inference?: {
    readonly secondsPer1000: number;
    readonly joulesPer1000: number;
    readonly method: string;
    /** One item per call (classifiers): median of the repeats' medians, seconds; undefined where not measured. */
    readonly latencySeconds?: number;
  };
  /** Intervals of the medians over repeats, each naming its method and N (see stats.medianInterval). */
  readonly intervals: { readonly accuracy: Interval; readonly seconds: Interval; readonly joules: Interval };
  /** Counted (sparse) or analytic (CNN) floating-point operations of training; NaN if unknown. */
  readonly flops: number;
  readonly train: number;
  /** Absent on records before the validation split. */
  readonly validation?: number;
  readonly test: number;
}

/** DL/sparse time and sparse/DL energy, against the fastest deep-learning runner. */
export interface Ratios {
  readonly dataset: string;
  readonly deep: string;
  /** Every deep-learning runner of the dataset; `deep` is the fastest of them. */
  readonly deepRunners: readonly string[];
  readonly sparse: string;
  readonly timeDlOverSparse: number;
  readonly energySparseOverDl: number;
  readonly accuracyGap: number;
  readonly energyMethods: readonly string[];
}

/** An entry's inference seconds or joules per 1,000 test items. */
export const per1000 = (r: ResultEntry, what: 'seconds' | 'joules'): number => (r.inference ? (r.inference[what] / r.inference.items) * 1000 : NaN);

/** What ran a cell: the tfjs backend, the external trainer's framework, or our own kernels. */
function backendOf(r: ResultEntry): string {
  if (r.backend) return `tfjs ${r.backend.name}`;
  const runtime = runtimeOf(r);
  if (!runtime) return 'TypeScript, Float64Array';
  const threads = runtime.threads ? `, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}` : '';
  return `${runtime.framework} (external${threads})`;
}

export function summarise(record: RunRecord): CellSummary[] {
  return [...byCell(record).values()].map((rs) => {
    const first = rs[0];
    const m = (f: (r: ResultEntry) => number): number => median(rs.map(f));
    return {
      dataset: first.dataset,
      runner: first.runner,
      family: first.family,
      backend: backendOf(first),
      repeats: rs.length,
      accuracy: m((r) => r.accuracy),
      seconds: m((r) => r.measurement.seconds),
      cpuSeconds: m((r) => r.measurement.cpuSeconds),
      joules: m((r) => r.energy.joules),
      kwhWithPue: m((r) => r.converted.kwhWithPue),
      co2eKg: m((r) => r.converted.co2eKg),
      energyMethod: [...new Set(rs.map((r) => r.energy.method))].join(', '),
      peakRssBytes: Math.max(...rs.map((r) => r.measurement.peakRssBytes)),
      coresUsed: m((r) => (r.measurement.seconds > 0 ? r.measurement.cpuSeconds / r.measurement.seconds : NaN)),
      ...(rs.every((r) => r.inference)
        ? {
            inference: {
              secondsPer1000: m((r) => per1000(r, 'seconds')),
              joulesPer1000: m((r) => per1000(r, 'joules')),
              method: [...new Set(rs.map((r) => r.inference?.method ?? ''))].join(', '),
              ...(rs.every((r) => r.inference?.latency) ? { latencySeconds: m((r) => r.inference?.latency?.medianSeconds ?? NaN) } : {}),
            },
          }
        : {}),
      threads: first.measurement.threads,
      intervals: {
        accuracy: medianInterval(rs.map((r) => r.accuracy)),
        seconds: medianInterval(rs.map((r) => r.measurement.seconds)),
        joules: medianInterval(rs.map((r) => r.energy.joules)),
      },
      flops: m((r) => r.metrics.flops ?? NaN),
      train: first.split.train,
      ...(first.split.validation === undefined ? {} : { validation: first.split.validation }),
      test: first.split.test,
    };
  });
}

export function ratios(cells: readonly CellSummary[]): Ratios[] {
  const out: Ratios[] = [];
  for (const dataset of new Set(cells.map((c) => c.dataset))) {
    const here = cells.filter((c) => c.dataset === dataset);
    const deeps = here.filter((c) => c.family === 'deep').sort((a, b) => a.seconds - b.seconds);
    const deep = deeps[0];
    if (!deep) continue;
    for (const sparse of here.filter((c) => c.family === 'sparse')) {
      out.push({
        dataset,
        deep: deep.runner,
        deepRunners: deeps.map((d) => d.runner),
        sparse: sparse.runner,
        timeDlOverSparse: deep.seconds / sparse.seconds,
        energySparseOverDl: sparse.joules / deep.joules,
        accuracyGap: deep.accuracy - sparse.accuracy,
        energyMethods: [...new Set([deep.energyMethod, sparse.energyMethod])],
      });
    }
  }
  return out;
}

/** "median [low, high]" when there are repeats to draw an interval from; the table's caption names the method. */
function withInterval(i: Interval, f: (v: number) => string): string {
  return i.n > 1 ? `${f(i.value)} [${f(i.low)}, ${f(i.high)}]` : f(i.value);
}

/** What the brackets of a per-runner table are, in words, for its caption. */
export function bracketsCaption(cells: readonly CellSummary[]): string {
  const methods = [...new Set(cells.filter((c) => c.repeats > 1).map((c) => c.intervals.seconds.method))];
  return methods.length ? `Medians over the repeats; brackets: ${methods.join('; ')}.` : 'One repeat per runner: no brackets.';
}

/** The per-dataset tables of one run, in Markdown. */
export function datasetTables(record: RunRecord): string {
  const cells = summarise(record);
  const rs = ratios(cells);
  const parts: string[] = [];
  for (const dataset of new Set(cells.map((c) => c.dataset))) {
    const here = cells.filter((c) => c.dataset === dataset);
    const validation = here[0].validation === undefined ? '' : `, validation ${here[0].validation}`;
    parts.push(`### ${dataset} (train ${here[0].train}${validation}, test ${here[0].test})`);
    parts.push(
      mdTable(
        ['runner', 'family', 'backend', 'repeats', metricLabel(record.results.filter((r) => r.dataset === dataset)), 'train seconds', 'CPU seconds', 'cores used (threads given)', 'inference s per 1k items (J, method); one item alone, median', 'energy J', 'kWh x PUE', 'CO2e g', 'energy method', 'GFLOP', 'peak RSS MiB (see notes)'],
        here.map((c) => [
          c.runner,
          c.family,
          c.backend,
          String(c.repeats),
          withInterval(c.intervals.accuracy, (v) => v.toFixed(4)),
          withInterval(c.intervals.seconds, sig),
          sig(c.cpuSeconds),
          `${Number.isFinite(c.coresUsed) ? sig(c.coresUsed, 2) : 'n/a'}${c.threads !== undefined ? ` (${c.threads})` : ''}`,
          c.inference
            ? `${sig(c.inference.secondsPer1000)} (${sig(c.inference.joulesPer1000)} J, ${c.inference.method})` +
              (c.inference.latencySeconds !== undefined ? `; one item ${sig(c.inference.latencySeconds * 1000)} ms` : '')
            : 'not measured',
          withInterval(c.intervals.joules, sig),
          sig(c.kwhWithPue),
          sig(c.co2eKg * 1000),
          c.energyMethod,
          Number.isFinite(c.flops) ? sig(c.flops / 1e9) : 'n/a',
          sig(c.peakRssBytes / 2 ** 20),
        ]),
      ),
    );
    parts.push(bracketsCaption(here));
    for (const r of rs.filter((x) => x.dataset === dataset)) {
      parts.push(
        `Ratios of medians (${r.deep} vs ${r.sparse}${r.deepRunners.length > 1 ? `; ${r.deep} is the fastest deep-learning runner of ${r.deepRunners.join(', ')}` : ''}), ` +
          'plain whole-training figures for orientation (the claims table judges paired per-seed ratios, to a common accuracy where reached): ' +
          `DL/sparse training time ${sig(r.timeDlOverSparse)}x; ` +
          `sparse/DL energy ${pct(r.energySparseOverDl)} (${r.energyMethods.join(', ')}); ` +
          `accuracy gap DL - sparse ${sig(r.accuracyGap * 100)} points.`,
      );
    }
    const detection = detectionTable(record.results.filter((r) => r.dataset === dataset));
    if (detection) parts.push(detection);
  }
  return parts.join('\n\n');
}

/**
 * Detectors' figures beyond the headline: pixel-level AUROC, and image AUROC per texture
 * and per defect kind (medians over repeats), from the `imageAuroc.*` metrics.
 */
function detectionTable(rs: readonly ResultEntry[]): string | undefined {
  const detectors = rs.filter((r) => r.metrics.imageAuroc !== undefined);
  if (detectors.length === 0) return undefined;
  const keys = [...new Set(detectors.flatMap((r) => Object.keys(r.metrics).filter((k) => /^(image|pixel)Auroc(\.|$)/.test(k))))];
  const order = (k: string): number => (k === 'imageAuroc' ? 0 : k === 'pixelAuroc' ? 1 : k.startsWith('pixel') ? 3 : 2);
  keys.sort((a, b) => order(a) - order(b));
  const runners = [...new Set(detectors.map((r) => r.runner))];
  const head = keys.map((k) => k.replace(/^imageAuroc$/, 'image AUROC').replace(/^pixelAuroc$/, 'pixel AUROC').replace(/^imageAuroc\.(.*)$/, 'image $1').replace(/^pixelAuroc\.(.*)$/, 'pixel $1'));
  return [
    'Detection (medians over repeats): image AUROC per texture (one model each) and per defect kind against the defect-free images, pixel AUROC of the heat maps against the true masks.',
    '',
    mdTable(
      ['runner', ...head],
      runners.map((runner) => {
        const mine = detectors.filter((r) => r.runner === runner);
        return [runner, ...keys.map((k) => (mine.every((r) => r.metrics[k] !== undefined) ? median(mine.map((r) => r.metrics[k])).toFixed(3) : 'n/a'))];
      }),
    ),
  ].join('\n');
}
