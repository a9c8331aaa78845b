import type { Split } from '../datasets/types.js';
import { convert, type Conversion } from '../meter/carbon.js';
import { pfsDays } from '../meter/flops.js';
import type { ResultEntry } from '../results/schema.js';
import { TEST_ACCURACY, type Family, type RunnerOutput, type Scalar } from '../runners/types.js';
import type { Trained } from './window.js';

/** The cell a result belongs to: which data, which runner, which repeat of which seed. */
export interface CellOf {
  readonly dataset: string;
  readonly runner: string;
  readonly family: Family;
  readonly repeat: number;
  readonly seed: number;
}

/** What the run measured once for all its cells. */
export interface RunContext {
  readonly calibrationSeconds: number;
  readonly threads: number;
  readonly conversion: Conversion;
}

/**
 * One record entry from a runner's typed output and its window's reading: the one place where
 * a result becomes a record. The runner's own figures go into `metrics` and `config` as they
 * are; FLOPs are the runner's analytic figure or the window's count, never a runner's
 * subtraction.
 */
export function entryOf(cell: CellOf, split: Split, trained: Trained, run: RunContext): ResultEntry {
  const { output: out, reading: m, inference } = trained;
  const flops = out.flops ?? (m.flops > 0 ? m.flops : undefined);
  return {
    dataset: cell.dataset,
    runner: cell.runner,
    family: cell.family,
    repeat: cell.repeat,
    seed: cell.seed,
    split: { train: split.yTrain.length, validation: split.yVal.length, test: split.yTest.length, seed: split.seed },
    accuracy: out.metric.value,
    ...(out.metric.name === TEST_ACCURACY ? {} : { metricName: out.metric.name }),
    // the report draws the first repeat's heat maps; the others would only swell the record
    ...(out.heatmaps && cell.repeat === 0 ? { heatmaps: { ...out.heatmaps, items: [...out.heatmaps.items] } } : {}),
    curve: [...out.curve],
    metrics: { ...out.metrics, ...(flops === undefined ? {} : { flops, pfsDays: pfsDays(flops) }) },
    config: recordedConfig(out.config),
    backend: out.backend ? { ...out.backend, customKernels: [...out.backend.customKernels], warnings: [...out.backend.warnings] } : undefined,
    ...(out.runtime ? { runtime: { ...out.runtime } } : {}),
    measurement: {
      seconds: m.seconds,
      cpuSeconds: m.cpuSeconds,
      pausedSeconds: m.pausedSeconds,
      peakRssBytes: m.peakRssBytes,
      peakRssMethod: m.peakRssMethod,
      ...(m.note ? { note: m.note } : {}),
      calibrationSeconds: run.calibrationSeconds,
      threads: run.threads,
    },
    energy: { ...m.energy },
    converted: convert(m.energy.joules, run.conversion),
    ...(inference ? { inference } : {}),
  };
}

/** The runner's read-only configuration as the record's plain values (arrays copied). */
function recordedConfig(config: RunnerOutput['config']): ResultEntry['config'] {
  const out: ResultEntry['config'] = {};
  for (const [k, v] of Object.entries(config)) out[k] = isScalarList(v) ? [...v] : v;
  return out;
}

const isScalarList = (v: Scalar | readonly Scalar[]): v is readonly Scalar[] => Array.isArray(v);
