import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { Dataset } from './types.js';

/** A dataset as the harness sees it: what it is, its default split sizes, and how to find, load and check it. */
export interface DatasetEntry {
  readonly name: string;
  readonly description: string;
  /** classification: labelled classes; detection: defect-free training images, masks to score against. */
  readonly task: 'classification' | 'detection';
  /** Default split sizes used by the suites (validation: held out for curves and settings). */
  readonly trainSize: number;
  readonly validationSize: number;
  readonly testSize: number;
  /** Cheap check that the data is present, with a reason when it is not. */
  available(): { ok: true; location: string } | { ok: false; reason: string };
  load(): Dataset;
  /** Checksum problems of the source files against datasets/<name>.json (empty = intact). */
  verify(): string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const size = z.number().int().positive();
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');
const datasetSpec = z.object({
  name: z.string().regex(NAME, 'letters, digits, ".", "_" or "-", at most 64'),
  description: z.string().min(1, 'say what it holds'),
  task: z.enum(['classification', 'detection']),
  trainSize: size,
  validationSize: size,
  testSize: size,
  available: fn,
  load: fn,
  verify: fn,
});

/**
 * A dataset, checked once where it is defined: one file per dataset, listed once in
 * datasets/builtin.ts (or registered at run time by a plug-in: registry.ts). Suites take its
 * sizes from here. A malformed definition is an error naming the field.
 */
export function defineDataset<D extends DatasetEntry>(spec: D): D {
  const parsed = datasetSpec.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`defineDataset ${typeof spec.name === 'string' ? spec.name : '?'}: ${issue.path.join('.') || 'spec'}: ${issue.message}`);
  }
  return Object.freeze(spec);
}
