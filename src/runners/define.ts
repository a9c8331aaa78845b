import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { Runner } from './types.js';

/** Names reach records, tables and plot files: the record schema's pattern. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');

const runnerSpec = z.object({
  name: z.string().regex(NAME, 'letters, digits, ".", "_" or "-", at most 64'),
  family: z.enum(['deep', 'sparse']),
  task: z.enum(['classification', 'detection']),
  description: z.string().min(1, 'say what it trains'),
  prepare: fn.optional(),
  train: fn,
});

/**
 * A runner, checked once where it is defined: one file per runner, listed once in
 * runners/manifest.ts (or registered at run time by a plug-in: registry.ts). The harness owns
 * the measurement window, the evaluation off the clock and the record; `train` trains, and
 * evaluates through its hooks when asked. A malformed definition is an error naming the field.
 */
export function defineRunner<R extends Runner>(spec: R): R {
  const parsed = runnerSpec.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`defineRunner ${typeof spec.name === 'string' ? spec.name : '?'}: ${issue.path.join('.') || 'spec'}: ${issue.message}`);
  }
  return Object.freeze(spec);
}
