import type { Split } from '../datasets/types.js';
import type { BackendChoice } from '../deep/backend-choice.js';
import { Meter, type MeterReading } from '../meter/meter.js';
import { estimateConstants, estimateEnergy } from '../meter/model.js';
import { NO_SENSORS, type IdleBaseline, type SensorSet } from '../meter/sensors.js';
import type { ResultEntry } from '../results/schema.js';
import { median } from '../report/stats.js';
import type { Runner, RunnerOptions, RunnerOutput } from '../runners/types.js';

/*
 * The measurement protocol the harness owns (after Zeus's begin/end windows and benchopt's
 * timed loop): one window around training, paused while the runner evaluates, a window of its
 * own per inference, single-item latency timed off the clock, and the FLOPs the sparse
 * kernels count taken from the window, not from the runner.
 */

/** What one window around a training measured. */
/** Inference on the test set, measured in windows of its own (see RunnerHooks.inference). */
export type Inference = NonNullable<ResultEntry['inference']>;

export interface Trained {
  readonly output: RunnerOutput;
  readonly reading: MeterReading;
  readonly inference?: Inference;
}

/**
 * fn(), then `done` once it has finished: at once for a value or a throw, when it settles
 * for a promise (work on the coding pool's threads), so a paused window spans async work.
 */
function settled<T>(fn: () => T, done: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    done();
    throw err;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

/** One training inside its own meter window: the unit every suite cell and benchmark runs. */
export async function meteredTrain(
  runner: Runner,
  split: Split,
  options: RunnerOptions,
  seed: number,
  backend: BackendChoice,
  progress?: (done: number, total: number, what: string) => void,
  sensors: SensorSet = NO_SENSORS,
  idle?: IdleBaseline,
): Promise<Trained> {
  const constants = estimateConstants();
  const meter = new Meter(constants, sensors, idle);
  let inference: Inference | undefined;
  let latency: Latency | undefined;
  meter.begin();
  const output = await runner.train(split, options, {
    seed,
    backend,
    elapsed: () => meter.elapsed(),
    untimed: (fn) => {
      meter.pause();
      return settled(fn, () => meter.resume());
    },
    inference: (fn, items) => {
      meter.pause();
      const window = new Meter(constants, sensors, idle);
      window.begin();
      const finish = (): void => {
        const m = window.end();
        inference = {
          items,
          seconds: (inference?.seconds ?? 0) + m.seconds,
          cpuSeconds: (inference?.cpuSeconds ?? 0) + m.cpuSeconds,
          joules: (inference?.joules ?? 0) + m.energy.joules,
          method: m.energy.method,
        };
        meter.resume();
      };
      return settled(fn, finish);
    },
    latency: (predictOne, count) =>
      meter.paused(() => {
        latency = measureLatency(predictOne, count);
      }),
    childUsage: (usage, trainSeconds, trainCpuSeconds) => meter.attributeChild(usage, trainSeconds, trainCpuSeconds),
    progress: (done, total, what) => {
      meter.sample();
      progress?.(done, total, what);
    },
  });
  const reading = meter.end();
  if (!inference && output.inference) {
    // reported by an external trainer: its energy is our estimate for that CPU time, labelled so
    const i = output.inference;
    const e = estimateEnergy(i.cpuSeconds, i.seconds, reading.peakRssBytes, constants, 1);
    inference = { items: i.items, seconds: i.seconds, cpuSeconds: i.cpuSeconds, joules: e.joules, method: `${e.method} (${i.source})` };
  }
  const lat = latency ?? output.inference?.latency;
  if (inference && lat) inference = { ...inference, latency: lat };
  return { output, reading, ...(inference ? { inference } : {}) };
}

type Latency = NonNullable<Inference['latency']>;

/** Warm-up calls before the timed ones: the first calls of a fresh model pay for compilation and caches. */
const LATENCY_WARMUP = 3;

/** Each of `count` single-item predictions timed alone: median and 95th percentile (nearest rank). */
export function measureLatency(predictOne: (i: number) => void, count: number): Latency {
  for (let i = 0; i < Math.min(LATENCY_WARMUP, count); i++) predictOne(i);
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    predictOne(i);
    times[i] = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  times.sort();
  // nearest rank
  const p95 = times[Math.min(count - 1, Math.max(0, Math.ceil(0.95 * count) - 1))];
  return { items: count, medianSeconds: median([...times]), p95Seconds: p95, source: 'measured in this process, one item per call' };
}
