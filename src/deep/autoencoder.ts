import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import type { StepOptimizer } from './adam.js';
import type { AutoencoderConfig } from './autoencoder-config.js';

export * from './autoencoder-config.js';

/**
 * A small fully convolutional autoencoder: 3x3 stride-2 convolutions (relu) down to a
 * linear bottleneck of `code` channels, mirrored by 3x3 stride-2 transposed convolutions
 * back up, linear output, trained on mean squared error. The bottleneck keeps fewer numbers
 * than pixels (a quarter for [32] and 16 codes) so the model cannot learn the identity.
 * Any input side divisible by 2^(levels + 1) works.
 */
export function buildAutoencoder(cfg: AutoencoderConfig, rng: Rng): tf.Sequential {  const init = (): never => tf.initializers.glorotUniform({ seed: rng.nextUint32() }) as never;
  const model = tf.sequential();
  const down = [...cfg.filters, cfg.code];
  down.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [null, null, 1] } : {}),
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: i === down.length - 1 ? 'linear' : 'relu',
        kernelInitializer: init(),
      }),
    );
  });
  const up = [...cfg.filters].reverse();
  for (const filters of up) {
    model.add(tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }));
  }
  model.add(tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }));
  return model;
}

/** One step of mean squared reconstruction error of `targets` from `inputs` (the same tensor, or a corrupted copy). */
export function autoencoderStep(model: tf.LayersModel, optimizer: StepOptimizer, inputs: tf.Tensor4D, targets: tf.Tensor4D, variables: tf.Variable[]): void {
  optimizer.step(() => tf.losses.meanSquaredError(targets, model.apply(inputs) as tf.Tensor4D) as tf.Scalar, variables);
}

/** Per-pixel squared reconstruction errors of n images (n x side x side), in chunks. */
export function reconstructionErrors(model: tf.LayersModel, X: Float32Array, n: number, side: number, chunk = 50): Float32Array {
  const pixels = side * side;
  const out = new Float32Array(n * pixels);
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    const err = tf.tidy(() => {
      const xs = tf.tensor4d(X.subarray(from * pixels, to * pixels), [to - from, side, side, 1]);
      return tf.squaredDifference(xs, model.predict(xs) as tf.Tensor4D).dataSync() as Float32Array;
    });
    out.set(err, from * pixels);
  }
  return out;
}

