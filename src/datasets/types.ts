/** A labelled image dataset held in memory as flat typed arrays. */
export interface Dataset {
  readonly name: string;
  readonly source: string;
  /** Image geometry; features = height * width * channels. */
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  /** Row-major samples x features, pixel intensities in [0, 1]. */
  readonly X: Float32Array;
  /** Class labels 0..classes-1, one per sample. */
  readonly y: Uint8Array;
}

/** The train/test split every runner of one repetition receives: identical bytes. */
export interface Split {
  readonly dataset: string;
  readonly seed: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
  readonly features: number;
  readonly trainIndex: Uint32Array;
  readonly testIndex: Uint32Array;
  readonly XTrain: Float32Array;
  readonly yTrain: Uint8Array;
  readonly XTest: Float32Array;
  readonly yTest: Uint8Array;
}

export function featureCount(d: { height: number; width: number; channels: number }): number {
  return d.height * d.width * d.channels;
}
