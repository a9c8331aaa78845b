import { z } from 'zod';
import { defineRunner } from './define.js';
import { preparedBackend } from './types.js';

/**
 * Curve points inside the first epoch, where the learning curve bends most: a time to a
 * target read off it then needs no long straight line from the untrained model. Later
 * epochs get one point each. Every evaluation runs with the clock stopped.
 */
export const FIRST_EPOCH_POINTS = 10;

/**
 * Most points the epochs after the first take: beyond it (a small training set given many
 * epochs, see suite/sweep.ts) they are spread evenly, the last epoch always among them, so
 * evaluating does not take longer than training does.
 */
export const LATER_EPOCH_POINTS = 30;

/** The steps (1-based) of `epoch` (of `epochs`) after which the curve takes a point. */
export function curveMarks(epoch: number, steps: number, epochs = epoch): Set<number> {
  if (epoch > 1) return laterEpochPoint(epoch, epochs) ? new Set([steps]) : new Set();
  return new Set(Array.from({ length: FIRST_EPOCH_POINTS }, (_, k) => Math.max(1, Math.round((steps * (k + 1)) / FIRST_EPOCH_POINTS))));
}

/** Whether a later epoch takes a curve point: every one up to LATER_EPOCH_POINTS of them, else evenly spread ones. */
export function laterEpochPoint(epoch: number, epochs: number): boolean {
  const later = epochs - 1;
  if (later <= LATER_EPOCH_POINTS) return true;
  return Array.from({ length: LATER_EPOCH_POINTS }, (_, k) => 1 + Math.round(((k + 1) * later) / LATER_EPOCH_POINTS)).includes(epoch);
}

/** The CNN's own settings: its size (--cnn-arch), default or large (32/64 filters, dense 128). */
export const CNN_SETTINGS = z.object({ arch: z.enum(['default', 'large']).default('default') }).strict();

/** The CNN runner: its training (cnn-train.ts) loads TensorFlow.js when a CNN cell trains, not when a run plans (0.5 s a process). */
export const cnnRunner = defineRunner({
  name: 'cnn',
  family: 'deep',
  task: 'classification',
  description: 'small CNN in TensorFlow.js: conv8-pool-conv16-pool-dense10, Adam 1e-2, batch 64',
  settings: CNN_SETTINGS,
  async prepare(hooks) {
    return preparedBackend(await (await import('../deep/backend.js')).selectBackend(hooks.backend));
  },
  async train(split, options, hooks) {
    return (await import('./cnn-train.js')).trainCnn(split, options, hooks);
  },
});
