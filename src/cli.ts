#!/usr/bin/env node
import { controlDir } from './util/control.js';
import { supervise } from './util/supervise.js';

/**
 * The `sparsebench` command. `run` and `sweep` start as a supervisor that loads next to nothing (its
 * event loop must stay free for signals, see util/supervise.ts) and runs the CLI again as its
 * worker; every other command, and the worker, load the whole program.
 */
const args = process.argv.slice(2);
if ((args[0] === 'run' || args[0] === 'sweep') && !controlDir() && !args.includes('--help') && !args.includes('-h')) {
  process.exitCode = await supervise(args);
} else {
  const { runCli } = await import('./program.js');
  process.exitCode = await runCli(args);
}
