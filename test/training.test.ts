import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedAdam, TfAdam, type StepOptimizer } from '../src/deep/adam.js';
import { selectBackend } from '../src/deep/backend.js';
import { buildCnn, DEFAULT_CNN, trainableVariables, trainStep } from '../src/deep/cnn.js';
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { Rng } from '../src/util/rng.js';

const shape = { height: 28, width: 28, channels: 1, classes: 10 };
const split = stratifiedSplit(loadMnist(), { trainSize: 64, testSize: 10, seed: 5 });

function batch(from: number, to: number): [tf.Tensor4D, tf.Tensor2D] {
  const x = tf.tensor4d(split.XTrain.subarray(from * 784, to * 784), [to - from, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from(split.yTrain.subarray(from, to)), 'int32'), 10) as tf.Tensor2D;
  return [x, y];
}

/** Loss before each of `steps` steps of batch 16, from the given initial weights. */
function train(weights: Float32Array[], makeOptimizer: () => StepOptimizer, steps: number): { losses: number[]; final: Float32Array[] } {
  const model = buildCnn(shape, DEFAULT_CNN, new Rng(1));
  model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const optimizer = makeOptimizer();
  const variables = trainableVariables(model);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const from = (s * 16) % 64;
    const [x, y] = batch(from, from + 16);
    losses.push(tf.tidy(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor2D).dataSync()[0]));
    trainStep(model, optimizer, x, y, variables);
    x.dispose();
    y.dispose();
  }
  const final = model.getWeights().map((w) => w.dataSync() as Float32Array);
  optimizer.dispose();
  model.dispose();
  return { losses, final };
}

let initial: Float32Array[];

beforeAll(async () => {
  await selectBackend('wasm');
  const model = buildCnn(shape, DEFAULT_CNN, new Rng(7));
  initial = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  model.dispose();
});

describe('FusedAdam', () => {
  it('takes the same steps as tf.train.adam', async () => {
    await tf.setBackend('wasm');
    const fused = train(initial, () => new FusedAdam(1e-3), 12);
    const reference = train(initial, () => new TfAdam(1e-3), 12);
    fused.losses.forEach((l, i) => expect(l).toBeCloseTo(reference.losses[i], 4));
    fused.final.forEach((w, i) => {
      let m = 0;
      for (let k = 0; k < w.length; k++) m = Math.max(m, Math.abs(w[k] - reference.final[i][k]));
      expect(m).toBeLessThan(2e-5);
    });
    // and training did move the weights
    expect(Math.abs(fused.final[0][0] - initial[0][0])).toBeGreaterThan(1e-4);
  });
});

/** tfjs-node, where its install could download libtensorflow. */
async function tensorflowBackend(): Promise<boolean> {
  try {
    await selectBackend('tensorflow');
    return true;
  } catch {
    return false;
  }
}

describe('backend correctness', () => {
  it('tfjs-node (when installed) gives the same losses as cpu', async (ctx) => {
    if (!(await tensorflowBackend())) {
      ctx.skip();
      return;
    }
    const native = train(initial, () => new TfAdam(1e-3), 4);
    await tf.setBackend('cpu');
    const cpu = train(initial, () => new TfAdam(1e-3), 4);
    await tf.setBackend('wasm');
    native.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i])).toBeLessThan(1e-4));
  });

  it('one epoch on 64 digits gives the same losses on wasm (our kernels) and on cpu', async () => {
    await tf.setBackend('wasm');
    const wasm = train(initial, () => new FusedAdam(1e-3), 4);
    await tf.setBackend('cpu');
    const cpu = train(initial, () => new FusedAdam(1e-3), 4);
    await tf.setBackend('wasm');
    wasm.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i])).toBeLessThan(1e-4));
    wasm.final.forEach((w, i) => {
      let m = 0;
      for (let k = 0; k < w.length; k++) m = Math.max(m, Math.abs(w[k] - cpu.final[i][k]));
      expect(m).toBeLessThan(1e-4);
    });
  });
});

describe('the CNN on small images', () => {
  it('refuses images too small for its convolutions and poolings with a sentence saying what to do, and builds from 10x10 on', () => {
    expect(() => buildCnn({ height: 4, width: 4, channels: 1, classes: 2 }, DEFAULT_CNN, new Rng(1))).toThrow(/cnn: 4x4 images are too small .*\(10x10 at least\): give larger images \(--image-size\)/);
    expect(buildCnn({ height: 10, width: 10, channels: 1, classes: 2 }, DEFAULT_CNN, new Rng(1)).outputs[0].shape).toEqual([null, 2]);
  });
});
