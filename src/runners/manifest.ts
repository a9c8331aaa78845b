import { autoencoderRunner } from './autoencoder.js';
import { cnnRunner } from './cnn.js';
import { dictionaryRunner } from './dictionary.js';
import { lassoRunner } from './lasso.js';
import { sparseDetectorRunner } from './sparse-detector.js';
import type { Runner } from './types.js';

/** The built-in runners, one line each, in the order tables list them. */
export const BUILTIN_RUNNERS: readonly Runner[] = [
  cnnRunner,
  lassoRunner,
  dictionaryRunner,
  autoencoderRunner,
  sparseDetectorRunner,
];
