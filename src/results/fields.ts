import type { ResultEntry } from './schema.js';

/**
 * What trained a cell outside this process: the record's typed `runtime`, or in records written
 * before it (schema 1 without the field) the same facts where they were kept, config.framework
 * and metrics.threads. The one place that reads those keys by name.
 */
export function runtimeOf(r: ResultEntry): { framework: string; threads?: number } | undefined {
  if (r.runtime) return r.runtime;
  const framework = r.config.framework;
  if (typeof framework !== 'string') return undefined;
  const threads = r.metrics.threads;
  return threads === undefined ? { framework } : { framework, threads };
}
