import { parameterError } from '../errors.js';

/** The tfjs backends a run may ask for, and what a record keeps of the one that ran: no TensorFlow.js loaded here. */

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** What ran and why: stored in every record so no fallback is silent. */
export interface BackendInfo {
  readonly requested: BackendChoice;
  readonly name: BackendName;
  readonly tfjsVersion: string;
  /** Why this backend: the choice, or the reasons the faster ones were skipped. */
  readonly reason: string;
  readonly simd?: boolean;
  readonly threads?: number;
  /** Kernels we registered because the backend lacks them. */
  readonly customKernels: readonly string[];
  readonly warnings: readonly string[];
}

export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw parameterError('backend', `: unknown backend "${value}" (expected ${BACKEND_CHOICES.join('|')})`);
}

