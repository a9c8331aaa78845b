import { spawn } from 'node:child_process';
import { mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { killCgroupDir } from '../meter/cgroup.js';
import { CONTROL_ENV, controlState } from './control.js';
import { entriesOfDeadOwners } from './pid.js';

/**
 * `run` trains in-process models in synchronous loops (tfjs steps, coordinate descent),
 * during which Node cannot run a signal handler: a SIGTERM would wait for the cell to end,
 * a minute or more. So `run` is a supervisor and a worker: the supervisor's event loop is
 * always free; on SIGINT or SIGTERM it passes the signal on, gives the worker a grace
 * period to stop by itself, then SIGKILLs it, stops every trainer the worker had started
 * (their process groups and cgroups, which the worker notes in a control file), removes
 * every temporary file of the run, and exits 128 + the signal's number. Finished cells are
 * in the journal already (fsynced per cell), so only the cell in flight is lost.
 */

/**
 * What a worker left running: its trainers' process groups that never ended and its
 * cgroups. Groups that ended are not signalled: their PIDs may since belong to someone else.
 */
function stopLeftovers(dir: string): void {
  const { groups, cgroups } = controlState(dir);
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ended already
    }
  }
  for (const cgroup of cgroups) killCgroupDir(cgroup);
}

const GRACE_MS = 2000;

/**
 * The temporary directories of runs whose supervisor is gone (kill -9 leaves them): removed,
 * with their emptied cgroups. Their trainers are not signalled: after that long a PID may
 * belong to someone else.
 */
function removeStaleRunDirs(): void {
  for (const name of entriesOfDeadOwners(tmpdir(), /^sparsebench-run-(\d+)-/)) {
    const dir = join(tmpdir(), name);
    for (const cgroup of controlState(dir).cgroups) {
      try {
        rmdirSync(cgroup);
      } catch {
        // still has members, or gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs this CLI again as the worker, with `args`, and supervises it (see above). Resolves
 * with the worker's exit code (128 + n when it ended by signal n).
 */
export function supervise(args: readonly string[]): Promise<number> {
  removeStaleRunDirs();
  const dir = mkdtempSync(join(tmpdir(), `sparsebench-run-${process.pid}-`));
  // stdin is a pipe only the supervisor holds: if the supervisor is killed outright, the worker sees it close
  const worker = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    stdio: ['pipe', 'inherit', 'inherit'],
    env: { ...process.env, [CONTROL_ENV]: dir, TMPDIR: dir },
  });
  return new Promise((resolve) => {
    let stopping: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = signal;
      worker.kill(signal);
      setTimeout(() => {
        if (worker.exitCode !== null || worker.signalCode !== null) return;
        // still in a synchronous loop: the cell in flight is given up
        process.stderr.write(`sparsebench: ${signal}: the cell in flight did not stop within ${GRACE_MS / 1000} s: killed; finished cells are kept in the run's journal (run the same command with --resume to go on)\n`);
        worker.kill('SIGKILL');
      }, GRACE_MS).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    worker.on('exit', (code, signal) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // a worker that stopped by itself ended its trainers (and noted so); one that was killed could not
      stopLeftovers(dir);
      rmSync(dir, { recursive: true, force: true });
      if (stopping) resolve(128 + constants.signals[stopping]);
      else resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
