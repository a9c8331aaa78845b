import { UsageError } from '../errors.js';
import { cnnRunner } from './cnn.js';
import { dictionaryRunner } from './dictionary.js';
import { autoencoderRunner } from './autoencoder.js';
import { lassoRunner } from './lasso.js';
import { sparseDetectorRunner } from './sparse-detector.js';
import type { Runner } from './types.js';

const runners: readonly Runner[] = [cnnRunner, lassoRunner, dictionaryRunner, autoencoderRunner, sparseDetectorRunner];

export function runnerNames(): string[] {
  return runners.map((r) => r.name);
}

export function getRunner(name: string): Runner {
  const r = runners.find((x) => x.name === name);
  if (!r) throw new UsageError(`--runner: unknown runner "${name}" (known: ${runnerNames().join(', ')})`);
  return r;
}
