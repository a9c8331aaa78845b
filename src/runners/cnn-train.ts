import * as tf from '@tensorflow/tfjs';
import type { Split } from '../datasets/types.js';
import { adam } from '../deep/adam.js';
import { selectBackend } from '../deep/backend.js';
import { accuracy, buildCnn, CNN_ARCHS, DEFAULT_CNN, gatherBatch, trainableVariables, trainStep, type CnnConfig, type ImageShape } from '../deep/cnn.js';
import { cnnFlops } from '../meter/flops.js';
import { Rng } from '../util/rng.js';
import { CNN_SETTINGS, curveMarks, FIRST_EPOCH_POINTS } from './cnn.js';
import { LATENCY_ITEMS, TEST_ACCURACY, type CurvePoint, type RunnerHooks, type RunnerOptions, type RunnerOutput } from './types.js';

/** The CNN runner's training, loaded with TensorFlow.js only when a CNN cell trains (see cnn.ts). */
export async function trainCnn(split: Split, options: RunnerOptions, hooks: RunnerHooks): Promise<RunnerOutput> {
  const backend = await selectBackend(hooks.backend);
  const { arch: archName } = CNN_SETTINGS.parse(options.settings ?? {});
  const arch = CNN_ARCHS[archName];
  const cfg: CnnConfig = { ...DEFAULT_CNN, epochs: options.epochs ?? DEFAULT_CNN.epochs, filters: [...arch.filters], dense: arch.dense, learningRate: arch.learningRate };
  const rng = new Rng(hooks.seed);
  const shape: ImageShape = split;
  const features = split.features;
  const n = split.yTrain.length;
  const model = buildCnn(shape, cfg, rng.fork());
  const optimizer = adam(cfg.learningRate);
  const variables = trainableVariables(model);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const shuffle = rng.fork();
  const xBuf = new Float32Array(cfg.batchSize * features);
  const yBuf = new Float32Array(cfg.batchSize * split.classes);
  const steps = Math.ceil(n / cfg.batchSize);
  // the curve (hence every time to a target) reads the validation images; test is scored once, at the end
  const evaluate = (): number => hooks.untimed(() => accuracy(model, split.XVal, split.yVal, shape));
  const curve: CurvePoint[] = [{ ...hooks.elapsed(), metric: evaluate(), step: 0 }];
  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      shuffle.shuffle(order);
      const marks = curveMarks(epoch, steps, cfg.epochs);
      for (let s = 0; s < steps; s++) {
        const from = s * cfg.batchSize;
        const to = Math.min(n, from + cfg.batchSize);
        gatherBatch(split.XTrain, split.yTrain, features, split.classes, order, from, to, xBuf, yBuf);
        const b = to - from;
        const xs = tf.tensor4d(xBuf.subarray(0, b * features), [b, shape.height, shape.width, shape.channels]);
        const ys = tf.tensor2d(yBuf.subarray(0, b * split.classes), [b, split.classes]);
        trainStep(model, optimizer, xs, ys, variables);
        xs.dispose();
        ys.dispose();
        hooks.progress((epoch - 1) * steps + s + 1, cfg.epochs * steps, `cnn epoch ${epoch}/${cfg.epochs}`);
        if (marks.has(s + 1)) curve.push({ ...hooks.elapsed(), metric: evaluate(), step: epoch - 1 + (s + 1) / steps });
      }
    }
    // inference: the trained model classifying the test set (batched, as accuracy() predicts),
    // which is also the one scoring of the test set
    const testAccuracy = hooks.inference(() => accuracy(model, split.XTest, split.yTest, shape), split.yTest.length);
    // one image per call, as a service answering single requests would
    hooks.latency((i) => accuracy(model, split.XTest.subarray(i * features, (i + 1) * features), split.yTest.subarray(i, i + 1), shape), Math.min(LATENCY_ITEMS, split.yTest.length));
    const trainingFlops = cnnFlops(shape, cfg).trainingPerSample * n * cfg.epochs;
    return {
      metric: { name: TEST_ACCURACY, value: testAccuracy },
      curve,
      metrics: {
        parameters: model.countParams(),
        steps: steps * cfg.epochs,
        trainSamples: n,
      },
      flops: trainingFlops,
      config: {
        epochs: cfg.epochs,
        firstEpochPoints: FIRST_EPOCH_POINTS,
        batchSize: cfg.batchSize,
        learningRate: cfg.learningRate,
        optimizer: optimizer.name,
        arch: archName,
        filters: [...cfg.filters],
        dense: cfg.dense,
        loss: 'softmax cross-entropy from logits',
        seed: hooks.seed,
      },
      backend,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
