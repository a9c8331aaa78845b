import { rmSync } from 'node:fs';
import { controlNote } from './control.js';

/**
 * What must not outlive an interrupted run: child process groups (trainers, peers, the
 * command `measure` meters) and temporary directories (exported splits). Whoever creates
 * one registers it and unregisters it when done; on SIGINT or SIGTERM the CLI calls
 * `cleanUpAll` before it exits, so no trainer is orphaned and no split is left in $TMPDIR.
 */
const groups = new Set<number>();
const dirs = new Set<string>();
const finalizers = new Set<() => void>();

/** Something synchronous to do on interruption (stop a cgroup's members: detached ones leave the process group). */
export function trackFinalizer(fn: () => void): () => void {
  finalizers.add(fn);
  return () => void finalizers.delete(fn);
}

export function trackGroup(pid: number): () => void {
  groups.add(pid);
  controlNote('group', pid);
  return () => {
    groups.delete(pid);
    controlNote('ungroup', pid);
  };
}

export function trackDir(dir: string): () => void {
  dirs.add(dir);
  return () => void dirs.delete(dir);
}

/** Sends `signal` to every tracked process group (a child started with detached: true leads its own). */
export function signalGroups(signal: NodeJS.Signals): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  }
}

/** Ends one process group: SIGTERM now, SIGKILL after `graceMs` if anything of it is left. */
export function endGroup(pid: number, graceMs = 2000): void {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ended within the grace period
    }
  }, graceMs).unref();
}

/** Terminates every tracked group (SIGTERM, then SIGKILL after `graceMs`) and removes every tracked directory. */
export async function cleanUpAll(graceMs = 2000): Promise<void> {
  signalGroups('SIGTERM');
  for (const fn of finalizers) fn();
  finalizers.clear();
  const deadline = Date.now() + graceMs;
  while (groups.size > 0 && Date.now() < deadline) {
    for (const pid of [...groups]) {
      try {
        process.kill(-pid, 0);
      } catch {
        groups.delete(pid);
      }
    }
    if (groups.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
  signalGroups('SIGKILL');
  groups.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}
