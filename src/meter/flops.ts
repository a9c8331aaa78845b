import type { CnnConfig, ImageShape } from '../deep/cnn-config.js';

/** One petaflop/s-day (OpenAI, "AI and Compute"): 1e15 FLOP/s for a day. */
export const FLOP_PER_PFS_DAY = 1e15 * 86400;

export function pfsDays(flop: number): number {
  return flop / FLOP_PER_PFS_DAY;
}

export interface CnnFlops {
  /** Forward pass of one sample. */
  readonly forwardPerSample: number;
  /** Forward + backward (weight gradients everywhere, input gradients below the first layer). */
  readonly trainingPerSample: number;
}

/**
 * Analytic FLOPs of the CNN (a multiply-add counts 2): each conv and dense layer's
 * forward product; its weight gradient costs as much again, and its input gradient too
 * except for the first layer, whose input needs none. Bias, ReLU and pooling are O(outputs)
 * and left out, as in the usual accounting.
 */
export function cnnFlops(shape: ImageShape, cfg: Pick<CnnConfig, 'filters' | 'dense'>): CnnFlops {
  const layers: number[] = [];
  let h = shape.height;
  let w = shape.width;
  let c = shape.channels;
  for (const f of cfg.filters) {
    h -= 2; // 3x3 valid
    w -= 2;
    layers.push(h * w * f * 3 * 3 * c * 2);
    c = f;
    h = Math.floor(h / 2); // maxpool 2
    w = Math.floor(w / 2);
  }
  let units = h * w * c;
  if (cfg.dense > 0) {
    layers.push(units * cfg.dense * 2);
    units = cfg.dense;
  }
  layers.push(units * shape.classes * 2);
  const forward = layers.reduce((a, b) => a + b, 0);
  const backward = forward + (forward - layers[0]);
  return { forwardPerSample: forward, trainingPerSample: forward + backward };
}
