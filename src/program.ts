import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';
import { inFlags } from './cli/flags.js';
import { RunInterrupted } from './suite/run.js';
import { cleanUpAll, signalGroups } from './util/cleanup.js';
import { controlDir } from './util/control.js';

import { registerCompare } from './cli/compare.js';
import { registerDatasets } from './cli/datasets.js';
import { registerMeasure } from './cli/measure.js';
import { registerReport } from './cli/report.js';
import { registerRun } from './cli/run.js';
import { registerSweep } from './cli/sweep.js';
import { registerSolve } from './cli/solve.js';

/** The CLI: one small module per command under cli/, each a thin shell over the library. */
export function buildProgram(): Command {
  const program = new Command('sparsebench')
    .description('Does sparse modeling train faster and greener than deep learning? Measures both on this machine.')
    .showHelpAfterError()
    .exitOverride();
  for (const register of [registerRun, registerSweep, registerReport, registerCompare, registerMeasure, registerDatasets, registerSolve]) register(program);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 2 bad input or usage, 1 otherwise). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // `measure` passes its command's exit code through
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; help and version are not errors
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`sparsebench: error: ${inFlags(err).message}\n`);
      return 2;
    }
    if (err instanceof RunInterrupted) {
      process.stderr.write(`sparsebench: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`sparsebench: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/**
 * SIGINT (Ctrl-C) and SIGTERM: forward the signal to every child process group, end them
 * (SIGKILL after a grace period), remove temporary splits, and exit 128 + the signal's
 * number. The journal of a run is already on disk up to its last finished cell. A repeat
 * of the signal (Ctrl-C reaches a supervised worker and its supervisor alike) is ignored.
 */
let stopping = false;
function stop(why: string, code: number): void {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sparsebench: ${why}: stopping; finished cells are kept in the run's journal (run the same command with --resume to go on)\n`);
  signalGroups('SIGTERM');
  void cleanUpAll().finally(() => process.exit(code));
}

/** The CLI proper (everything but the supervisor of `run`, see cli.ts): signals handled, then main. */
export async function runCli(args: string[]): Promise<number> {
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
  if (controlDir()) {
    // a supervised worker whose supervisor was killed outright (kill -9): stop at the next chance
    process.stdin.on('close', () => stop('the supervising process is gone', 129)).resume();
    (process.stdin as unknown as { unref?: () => void }).unref?.();
  }
  return main(args);
}
