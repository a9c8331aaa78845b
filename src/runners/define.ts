import { z } from 'zod';
import { checkedDefinition, DEFINITION_NAME, FUNCTION } from '../util/definition.js';
import type { Runner } from './types.js';


const runnerSpec = z.object({
  name: DEFINITION_NAME,
  family: z.enum(['deep', 'sparse']),
  task: z.enum(['classification', 'detection']),
  description: z.string().min(1, 'say what it trains'),
  settings: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'a zod schema').optional(),
  prepare: FUNCTION.optional(),
  train: FUNCTION,
});

/**
 * A runner, checked once where it is defined: one file per runner, listed once in
 * runners/manifest.ts (or registered at run time by a plug-in: registry.ts). The harness owns
 * the measurement window, the evaluation off the clock and the record; `train` trains, and
 * evaluates through its hooks when asked. A malformed definition is an error naming the field.
 */
export function defineRunner<R extends Runner>(spec: R): R {
  return checkedDefinition('defineRunner', runnerSpec, spec);
}
