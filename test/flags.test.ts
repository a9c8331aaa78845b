import { describe, expect, it } from 'vitest';
import { inFlags } from '../src/cli/flags.js';
import { parameterError, UsageError } from '../src/errors.js';
import { planRun } from '../src/suite/run.js';

// the library names parameters; the CLI shows the flag the user typed (tests/bad-input.test.ts runs the CLI)
describe('errors in parameter names, shown as flags', () => {
  it('the library says the parameter; the CLI the flag, also for one named inside the message', () => {
    let caught: unknown;
    try {
      planRun({ suite: 'quick', seed: -1, backend: 'auto', resultsDir: '/tmp' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const err = caught as UsageError;
    expect(err.parameter).toBe('seed');
    expect(err.message).toBe('seed must be an integer in [0, 4294967295], got -1');
    expect(inFlags(err).message).toBe('--seed must be an integer in [0, 4294967295], got -1');
    expect(inFlags(parameterError('command', ' (ext) ran past externalTimeoutSeconds 2 s')).message).toBe('--cmd (ext) ran past --external-timeout 2 s');
    expect(inFlags(parameterError('sizes', ': mnist has 10 images')).message).toBe('--train-size/--validation-size/--test-size: mnist has 10 images');
  });

  it("a failed cell's reason, read back without its parameter, still gets its flag; prose is left alone", () => {
    expect(inFlags(new UsageError('command (ext) exited with 3: not yet')).message).toBe('--cmd (ext) exited with 3: not yet');
    expect(inFlags(new UsageError('the seed of this run is fine')).message).toBe('the seed of this run is fine');
    expect(inFlags(new UsageError('commander said no')).message).toBe('commander said no');
  });
});
