/** The CNN's configuration and sizes: plain data, no TensorFlow.js (the CLI and planning read it without loading tfjs). */

export interface CnnConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Filters of the two conv layers. */
  readonly filters: readonly [number, number];
  /** Units of a hidden dense layer before the output (0: none). */
  readonly dense: number;
}

export const DEFAULT_CNN: CnnConfig = { epochs: 2, batchSize: 64, learningRate: 1e-2, filters: [8, 16], dense: 0 };

/** The CNN sizes, each with its learning rate (chosen on validation, results/tuning.md). */
export const CNN_ARCHS = {
  default: { filters: [8, 16], dense: 0, learningRate: DEFAULT_CNN.learningRate },
  large: { filters: [32, 64], dense: 128, learningRate: 3e-3 },
} as const;
export type CnnArch = keyof typeof CNN_ARCHS;

/** The PyTorch peer's arguments for an architecture other than its default (its filters, dense layer and learning rate). */
export function cnnPeerArgs(arch: CnnArch): string {
  if (arch === 'default') return '';
  const a = CNN_ARCHS[arch];
  return `--filters ${a.filters.join(',')} --dense ${a.dense} --lr ${a.learningRate}`;
}

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
}

/** The smallest side the two valid 3x3 convolutions and 2x2 poolings leave a pixel of: (((s - 2) / 2) - 2) / 2 >= 1. */
export const CNN_MIN_SIDE = 10;
