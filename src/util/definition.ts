import { z } from 'zod';
import { UsageError } from '../errors.js';

/** Names reach records, tables and plot files: the record schema's pattern. */
export const DEFINITION_NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64');
/** A field that must be a function (zod 4 has no schema for one inside an object). */
export const FUNCTION = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');

/**
 * A plug-in's definition (a runner, a dataset) checked once against its schema: the first
 * problem is an error naming what was defined and the field, e.g. "defineRunner x: family: ...".
 */
export function checkedDefinition<T extends { readonly name: string }>(what: string, schema: z.ZodType, spec: T): T {
  const parsed = schema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${what} ${typeof spec.name === 'string' ? spec.name : '?'}: ${issue.path.join('.') || 'spec'}: ${issue.message}`);
  }
  return Object.freeze(spec);
}
