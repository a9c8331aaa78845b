import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import type { StepOptimizer } from './adam.js';
import { CNN_MIN_SIDE, type CnnConfig, type ImageShape } from './cnn-config.js';

export * from './cnn-config.js';

/**
 * conv(f1, 3x3, relu) -> maxpool 2 -> conv(f2, 3x3, relu) -> maxpool 2 -> flatten
 * [-> dense(hidden, relu)] -> dense(classes).
 * The dense layer outputs logits: softmax is folded into the loss
 * (softmax cross-entropy from logits, numerically safer) and applied for prediction.
 */

export function buildCnn(shape: ImageShape, cfg: CnnConfig, rng: Rng): tf.Sequential {
  if (shape.height < CNN_MIN_SIDE || shape.width < CNN_MIN_SIDE) {
    throw new Error(`cnn: ${shape.height}x${shape.width} images are too small for its two 3x3 convolutions and 2x2 poolings (${CNN_MIN_SIDE}x${CNN_MIN_SIDE} at least): give larger images (--image-size), or leave the cnn out (--runner)`);
  }
  const init = (): tf.serialization.Serializable =>
    tf.initializers.glorotUniform({ seed: rng.nextUint32() }) as unknown as tf.serialization.Serializable;
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      inputShape: [shape.height, shape.width, shape.channels],
      filters: cfg.filters[0],
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: init() as never,
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: cfg.filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: init() as never }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  if (cfg.dense > 0) model.add(tf.layers.dense({ units: cfg.dense, activation: 'relu', kernelInitializer: init() as never }));
  model.add(tf.layers.dense({ units: shape.classes, kernelInitializer: init() as never }));
  return model;
}

/** Copies the rows listed in `order[from..to)` into one contiguous batch. */
export function gatherBatch(
  X: Float32Array,
  y: Uint8Array,
  features: number,
  classes: number,
  order: Uint32Array,
  from: number,
  to: number,
  xOut: Float32Array,
  yOut: Float32Array,
): void {
  yOut.fill(0, 0, (to - from) * classes);
  for (let r = 0; r < to - from; r++) {
    const src = order[from + r];
    xOut.set(X.subarray(src * features, (src + 1) * features), r * features);
    yOut[r * classes + y[src]] = 1;
  }
}

/** The model's trainable tf.Variables, in a stable order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** One optimisation step; the loss is never read back, so the step never waits on the host. */
export function trainStep(model: tf.LayersModel, optimizer: StepOptimizer, xs: tf.Tensor4D, ys: tf.Tensor2D, variables = trainableVariables(model)): void {
  optimizer.step(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor2D) as tf.Scalar, variables);
}

/** Test accuracy, predicted in chunks to bound memory. */
export function accuracy(model: tf.LayersModel, X: Float32Array, y: Uint8Array, shape: ImageShape, chunk = 500): number {
  const features = shape.height * shape.width * shape.channels;
  let correct = 0;
  for (let from = 0; from < y.length; from += chunk) {
    const to = Math.min(y.length, from + chunk);
    const predicted = tf.tidy(() => {
      const xs = tf.tensor4d(X.subarray(from * features, to * features), [to - from, shape.height, shape.width, shape.channels]);
      return (model.predict(xs) as tf.Tensor2D).argMax(1).dataSync();
    });
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === y[from + i]) correct++;
  }
  return correct / y.length;
}
