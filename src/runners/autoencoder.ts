import { defineRunner } from './define.js';
import { DEFAULT_AUTOENCODER, type AutoencoderConfig } from '../deep/autoencoder-config.js';
import { preparedBackend, type Runner } from './types.js';

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
      return preparedBackend(await (await import('../deep/backend.js')).selectBackend(hooks.backend));
    },
    async train(split, options, hooks) {
      return (await import('./autoencoder-train.js')).trainAutoencoder(base, split, options, hooks);
    },
  });
}
