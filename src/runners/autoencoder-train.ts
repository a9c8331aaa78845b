import * as tf from '@tensorflow/tfjs';
import type { Split } from '../datasets/types.js';
import { adam } from '../deep/adam.js';
import { autoencoderFlopsPerSample, autoencoderStep, buildAutoencoder, reconstructionErrors, type AutoencoderConfig } from '../deep/autoencoder.js';
import { selectBackend } from '../deep/backend.js';
import { trainableVariables } from '../deep/cnn.js';
import { errorScores } from '../detect/evaluate.js';
import type { Rng } from '../util/rng.js';
import { AUTOENCODER_EVALUATIONS } from './autoencoder.js';
import { detectionOutput, scoringConfig, trainDetector, type GroupModel } from './detection.js';
import type { RunnerHooks, RunnerOptions, RunnerOutput } from './types.js';

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

/** The autoencoder runner's training, loaded with TensorFlow.js only when such a cell trains (see autoencoder.ts). */
export async function trainAutoencoder(base: AutoencoderConfig, split: Split, options: RunnerOptions, hooks: RunnerHooks): Promise<RunnerOutput> {
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
}
