/**
 * Errors that the CLI turns into a one-line message and exit code 2:
 * bad flags, bad files, bad paths. Anything else is a bug and keeps its stack.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Throws a UsageError naming the flag when the condition fails. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new UsageError(message);
}
