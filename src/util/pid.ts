import { readdirSync } from 'node:fs';

/** Whether a process of that PID exists (EPERM: it does, someone else's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Names in `dir` that `pattern` matches, whose first group is the PID of a process that is
 * gone: what a killed process left behind (a temporary file, a run's directory).
 */
export function entriesOfDeadOwners(dir: string, pattern: RegExp): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const m = pattern.exec(name);
    return m !== null && !pidAlive(Number(m[1]));
  });
}
