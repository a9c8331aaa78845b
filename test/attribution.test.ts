import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/datasets/mnist.js';
import { makeSplit } from '../src/datasets/split.js';
import { cpuBetween } from '../src/meter/child.js';
import { makeExternalRunner } from '../src/runners/external.js';
import { findPython, peerSpecs } from '../src/runners/peers.js';
import { measureLatency, meteredTrain } from '../src/suite/window.js';
import { getRunner } from '../src/runners/registry.js';
import { TEST_ACCURACY, type Runner } from '../src/runners/types.js';

describe('an external trainer\'s reported training intervals', () => {
  it('read the CPU gained between two instants off the sampled series, linearly, clamped to it', () => {
    const series = [
      { t: 0, cpu: 0 },
      { t: 100, cpu: 0.1 },
      { t: 200, cpu: 0.3 },
    ];
    expect(cpuBetween(series, 50, 150)).toBeCloseTo(0.05 + 0.1, 12);
    expect(cpuBetween(series, -100, 1000)).toBeCloseTo(0.3, 12);
    expect(cpuBetween(series, 150, 120)).toBe(0);
  });

  it('are charged the CPU the trainer used inside them, not a uniform share of its lifetime', async () => {
    const split = makeSplit(loadMnist(), { trainSize: 50, testSize: 20, seed: 1 });
    const runner = makeExternalRunner({ name: 'windowed', family: 'deep', command: `${process.execPath} test/fixtures/windowed-trainer.mjs {split}` });
    const { reading, output } = await meteredTrain(runner, split, {}, 1, 'auto');
    // 0.5 s of user CPU inside the window (plus a little system time and the 10 Hz edges)
    expect(reading.cpuSeconds).toBeGreaterThanOrEqual(0.45);
    expect(reading.cpuSeconds).toBeLessThan(0.75);
    // (the uniform share it replaces, process CPU x training time / lifetime, comes to about
    // 0.6 x 0.5 / 1.7 = 0.18 s on an idle machine; how far below depends on load, so it is not asserted)
    expect(reading.note).toMatch(/charged the [\d.]+ s CPU its tree used in the reported training intervals/);
    expect(output.config.curveCpuSeconds).toMatch(/inside the reported training intervals/);
  }, 60_000);
});

describe('single-item latency', () => {
  it('times each call alone after warm-up: median and nearest-rank 95th percentile', () => {
    let calls = 0;
    const l = measureLatency(() => {
      calls++;
    }, 20);
    // 3 untimed warm-up calls, then 20 timed ones
    expect(calls).toBe(23);
    expect(l.items).toBe(20);
    expect(l.p95Seconds).toBeGreaterThanOrEqual(l.medianSeconds);
  });

  it('a classifier records it beside batch inference, outside the training window', async () => {
    const split = makeSplit(loadMnist(), { trainSize: 200, testSize: 50, seed: 1 });
    const { output, inference } = await meteredTrain(getRunner('lasso'), split, {}, 1, 'auto');
    expect(output.metric.value).toBeGreaterThan(0.5);
    expect(inference?.latency?.items).toBe(50);
    expect(inference?.latency?.medianSeconds).toBeGreaterThan(0);
    expect(inference?.latency?.source).toMatch(/one item per call/);
  }, 60_000);
});

describe('inference windows', () => {
  it('an async inference (work on the coding pool\'s threads) is charged when it settles, outside training', async () => {
    const split = makeSplit(loadMnist(), { trainSize: 50, testSize: 20, seed: 1 });
    const burn = (cpuSeconds: number): void => {
      const t = process.cpuUsage();
      for (;;) {
        const u = process.cpuUsage(t);
        if (u.user + u.system >= cpuSeconds * 1e6) break;
      }
    };
    const runner: Runner = {
      name: 'async-inference',
      family: 'sparse',
      task: 'classification',
      description: 'burns CPU in training, then in an async inference',
      async train(_split, _options, hooks) {
        burn(0.1);
        await hooks.inference(async () => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          burn(0.3);
        }, 20);
        return { metric: { name: TEST_ACCURACY, value: 0.5 }, curve: [{ ...hooks.elapsed(), metric: 0.5, step: 1 }], metrics: {}, config: {} };
      },
    };
    const { reading, inference } = await meteredTrain(runner, split, {}, 1, 'auto');
    // the CPU burned after the await lands in the inference window, not in training
    expect(inference?.cpuSeconds).toBeGreaterThanOrEqual(0.29);
    expect(reading.cpuSeconds).toBeLessThan(0.29);
    expect(reading.pausedSeconds).toBeGreaterThanOrEqual(inference?.seconds ?? Infinity);
  }, 60_000);
});

describe('the PyTorch CNN peer\'s learning curve', () => {
  it('has ten points inside the first epoch, then one per epoch, in training seconds that only grow', async (ctx) => {
    if (!findPython('torch')) ctx.skip();
    // 640 digits in batches of 64: ten steps an epoch, so a point after every step of the first
    const split = makeSplit(loadMnist(), { trainSize: 640, testSize: 100, seed: 1 });
    const spec = peerSpecs('torch').find((s) => s.name === 'torch')!;
    const { output } = await meteredTrain(makeExternalRunner(spec), split, { epochs: 2 }, 1, 'auto');
    expect(output.curve.map((p) => Math.round(p.step * 10) / 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2]);
    for (let i = 1; i < output.curve.length; i++) expect(output.curve[i].seconds).toBeGreaterThan(output.curve[i - 1].seconds);
    expect(output.config.firstEpochPoints).toBe(10);
  }, 60_000);
});
