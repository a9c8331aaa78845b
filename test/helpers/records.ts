import { convert } from '../../src/meter/carbon.js';
import { estimateConstants, estimateEnergy } from '../../src/meter/model.js';
import { SCHEMA_VERSION, type RunRecord } from '../../src/results/schema.js';

/** Small, valid run records for tests of code that reads records (store, report, compare). */
export function entry(runner: 'cnn' | 'lasso', seconds: number, accuracy: number, repeat = 0): RunRecord['results'][number] {
  const energy = estimateEnergy(seconds, seconds, 1e8, estimateConstants('AMD EPYC'), 5);
  return {
    dataset: 'mnist',
    runner,
    family: runner === 'cnn' ? 'deep' : 'sparse',
    repeat,
    seed: 42 + repeat,
    split: { train: 100, test: 50, seed: 42 + repeat },
    accuracy,
    curve: [{ seconds, cpuSeconds: seconds, metric: accuracy, step: 1 }],
    metrics: {},
    config: { seed: 42 },
    measurement: { seconds, cpuSeconds: seconds, pausedSeconds: 0, peakRssBytes: 1e8 },
    energy,
    converted: convert(energy.joules),
  };
}

export function record(id: string, results = [entry('cnn', 10, 0.92), entry('lasso', 2, 0.85)]): RunRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id,
    createdAt: `2026-11-28T00:00:0${id.length % 10}.000Z`,
    suite: 'quick',
    seed: 42,
    repeats: 1,
    argv: [],
    environment: {
      cpuModel: 'AMD EPYC',
      logicalCores: 2,
      memoryBytes: 2 ** 34,
      platform: 'linux',
      arch: 'x64',
      osRelease: '6',
      node: 'v20',
      v8: '11',
      tfjs: '4.22.0',
      gitCommit: null,
      gitDirty: null,
      hostname: 'h',
    },
    conversion: { pue: 1.58, gCo2ePerKwh: 475, usdPerKwh: 0.15 },
    notes: [],
    sensors: { used: [], unavailable: ['RAPL: none'] },
    results,
  };
}

