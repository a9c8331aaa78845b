import { defineRunner } from './define.js';
import * as tf from '@tensorflow/tfjs';
import { adam } from '../deep/adam.js';
import { autoencoderFlopsPerSample, autoencoderStep, buildAutoencoder, DEFAULT_AUTOENCODER, reconstructionErrors, type AutoencoderConfig } from '../deep/autoencoder.js';
import { selectBackend } from '../deep/backend.js';
import { trainableVariables } from '../deep/cnn.js';
import { errorScores } from '../detect/evaluate.js';
import type { Rng } from '../util/rng.js';
import { detectionOutput, scoringConfig, trainDetector, type GroupModel } from './detection.js';
import { preparedBackend, type Runner } from './types.js';

/** One texture's autoencoder: trained on random crops of its defect-free images, scored on whole images. */
function autoencoderModel(images: Float32Array, n: number, side: number, cfg: AutoencoderConfig, rng: Rng): GroupModel {
  const model = buildAutoencoder(cfg, rng.fork());
  const optimizer = adam(cfg.learningRate);
  const variables = trainableVariables(model);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const c = cfg.crop;
  const batch = new Float32Array(cfg.batchSize * c * c);
  const noisy = new Float32Array(cfg.batchSize * c * c);
  return {
    train(units) {
      for (let epoch = 0; epoch < units; epoch++) {
        rng.shuffle(order);
        for (let from = 0; from < n; from += cfg.batchSize) {
          const b = Math.min(cfg.batchSize, n - from);
          for (let r = 0; r < b; r++) {
            const src = order[from + r] * side * side;
            const [oy, ox] = [rng.nextInt(side - c + 1), rng.nextInt(side - c + 1)];
            for (let y = 0; y < c; y++) batch.set(images.subarray(src + (oy + y) * side + ox, src + (oy + y) * side + ox + c), (r * c + y) * c);
          }
          const xs = tf.tensor4d(batch.subarray(0, b * c * c), [b, c, c, 1]);
          if (cfg.noise > 0) {
            for (let i = 0; i < b * c * c; i++) noisy[i] = batch[i] + cfg.noise * rng.nextNormal();
            const inputs = tf.tensor4d(noisy.subarray(0, b * c * c), [b, c, c, 1]);
            autoencoderStep(model, optimizer, inputs, xs, variables);
            inputs.dispose();
          } else autoencoderStep(model, optimizer, xs, xs, variables);
          xs.dispose();
        }
      }
    },
    scores: (X, m) => errorScores(reconstructionErrors(model, X, m, side), m, side, side),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * Curve points over the training: ten, every 6th of the 60 epochs, each scoring the
 * validation images (see trainDetector), so that a time to a target is read off the curve
 * where it bends, not off a long straight line.
 */
export const AUTOENCODER_EVALUATIONS = 10;

export const autoencoderRunner: Runner = autoencoderWith(DEFAULT_AUTOENCODER);

/** The runner with other settings (the tuner's grid, bench/tune.ts); --epochs still sets the epochs. */
export function autoencoderWith(base: AutoencoderConfig): Runner {
  return defineRunner({
    name: 'autoencoder',
    family: 'deep',
    task: 'detection',
    description: `per texture, a denoising convolutional autoencoder in TensorFlow.js (conv32-conv16, mirrored), Adam 1e-2, 60 epochs of ${base.crop}x${base.crop} crops; anomaly = squared reconstruction error`,
    async prepare(hooks) {
      return preparedBackend(await selectBackend(hooks.backend));
    },
    async train(split, options, hooks) {
      const backend = await selectBackend(hooks.backend);
      const cfg: AutoencoderConfig = { ...base, epochs: options.epochs ?? base.epochs };
      const groups = split.detection?.groupNames.length ?? 1;
      const { curve, evaluation } = await trainDetector(
        split,
        { units: cfg.epochs, evaluations: AUTOENCODER_EVALUATIONS, unit: 'epoch', quantile: cfg.imageQuantile, make: (_group, images, n, rng) => autoencoderModel(images, n, split.width, cfg, rng) },
        hooks,
        'autoencoder',
      );
      const trainingFlops = autoencoderFlopsPerSample(cfg) * split.yTrain.length * cfg.epochs;
      const out = detectionOutput(evaluation);
      const { imageQuantile, ...network } = cfg;
      return {
        ...out,
        curve,
        metrics: { ...out.metrics, trainSamples: split.yTrain.length, steps: Math.ceil(split.yTrain.length / groups / cfg.batchSize) * cfg.epochs * groups },
        config: { ...network, filters: [...cfg.filters], optimizer: 'adam', loss: 'mean squared error', ...scoringConfig(imageQuantile), evaluations: AUTOENCODER_EVALUATIONS, seed: hooks.seed },
        flops: trainingFlops,
        backend,
      };
    },
  });
}
