/**
 * An example plug-in runner, the whole of it in one file: the nearest class mean. The
 * harness meters its training, times its inference and latency, writes its record; the runner
 * trains, and evaluates through its hooks (validation off the clock, test inside inference).
 */
import { defineRunner } from '../../src/runners/define.js';
import { LATENCY_ITEMS, TEST_ACCURACY } from '../../src/runners/types.js';

export const centroidRunner = defineRunner({
  name: 'centroid',
  family: 'sparse',
  task: 'classification',
  description: 'nearest class mean (an example plug-in runner: one file, one registerRunner line)',
  async train(split, _options, hooks) {
    const { features, classes } = split;
    const means = new Float64Array(classes * features);
    const counts = new Float64Array(classes);
    for (let i = 0; i < split.yTrain.length; i++) {
      const c = split.yTrain[i];
      counts[c]++;
      for (let p = 0; p < features; p++) means[c * features + p] += split.XTrain[i * features + p];
    }
    for (let c = 0; c < classes; c++) for (let p = 0; p < features; p++) means[c * features + p] /= Math.max(1, counts[c]);
    const trained = hooks.elapsed();
    const predict = (X: Float32Array, n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        let best = Infinity;
        for (let c = 0; c < classes; c++) {
          let d = 0;
          for (let p = 0; p < features; p++) d += (X[i * features + p] - means[c * features + p]) ** 2;
          if (d < best) [best, out[i]] = [d, c];
        }
      }
      return out;
    };
    const share = (predicted: Uint8Array, y: Uint8Array): number => predicted.reduce((a, v, i) => a + (v === y[i] ? 1 : 0), 0) / y.length;
    const validation = hooks.untimed(() => share(predict(split.XVal, split.yVal.length), split.yVal));
    const predicted = hooks.inference(() => predict(split.XTest, split.yTest.length), split.yTest.length);
    hooks.latency((i) => predict(split.XTest.subarray(i * features, (i + 1) * features), 1), Math.min(LATENCY_ITEMS, split.yTest.length));
    return {
      metric: { name: TEST_ACCURACY, value: share(predicted, split.yTest) },
      curve: [{ seconds: trained.seconds, cpuSeconds: trained.cpuSeconds, metric: validation, step: 1 }],
      metrics: { parameters: classes * features },
      config: { model: 'nearest class mean' },
    };
  },
});
