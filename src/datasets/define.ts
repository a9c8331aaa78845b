import { z } from 'zod';
import { checkedDefinition, DEFINITION_NAME, FUNCTION } from '../util/definition.js';
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

const size = z.number().int().positive();
const datasetSpec = z.object({
  name: DEFINITION_NAME,
  description: z.string().min(1, 'say what it holds'),
  task: z.enum(['classification', 'detection']),
  trainSize: size,
  validationSize: size,
  testSize: size,
  available: FUNCTION,
  load: FUNCTION,
  verify: FUNCTION,
});

/**
 * A dataset, checked once where it is defined: one file per dataset, listed once in
 * datasets/builtin.ts (or registered at run time by a plug-in: registry.ts). Suites take its
 * sizes from here. A malformed definition is an error naming the field.
 */
export function defineDataset<D extends DatasetEntry>(spec: D): D {
  return checkedDefinition('defineDataset', datasetSpec, spec);
}
