import { parameterError, UsageError } from '../errors.js';
import { defineRunner } from './define.js';
import { BUILTIN_RUNNERS } from './manifest.js';
import type { Runner } from './types.js';

/** Runners a plug-in added in this process (registerRunner), after the built-in ones. */
const added: Runner[] = [];

const all = (): readonly Runner[] => [...BUILTIN_RUNNERS, ...added];

export function runnerNames(): string[] {
  return all().map((r) => r.name);
}

export function getRunner(name: string): Runner {
  const r = all().find((x) => x.name === name);
  if (!r) throw parameterError('runners', `: unknown runner "${name}" (known: ${runnerNames().join(', ')})`);
  return r;
}

/** Adds a runner defined outside the package (a plug-in, a test): it then runs, reports and compares like a built-in one. */
export function registerRunner(runner: Runner): void {
  const r = defineRunner(runner);
  if (all().some((x) => x.name === r.name)) throw new UsageError(`registerRunner: a runner named "${r.name}" exists already`);
  added.push(r);
}
