/**
 * Errors that the CLI turns into a one-line message and exit code 2:
 * bad flags, bad files, bad paths. Anything else is a bug and keeps its stack.
 * The library names what was wrong by its parameter name (`seed must be ...`), and says
 * which in `parameter` when the message starts with it: the CLI puts its flag there.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A UsageError about one parameter: its name, then `rest` (" must be ...", ": ..."). */
export function parameterError(parameter: string, rest: string): UsageError {
  return new UsageError(`${parameter}${rest}`, parameter);
}

/** Throws a UsageError naming the flag when the condition fails. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new UsageError(message);
}
