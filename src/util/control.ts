import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The control file of a supervised `run` (see supervise.ts): the worker notes there every
 * trainer process group and cgroup it starts, and each group again once it has ended, so
 * that a supervisor that had to kill the worker stops exactly what is still running.
 */
export const CONTROL_ENV = 'SPARSEBENCH_CONTROL';

const CONTROL_FILE = 'control';

export type ControlKind = 'group' | 'ungroup' | 'cgroup';

/** The worker's control directory (also its TMPDIR), or undefined outside a supervised run. */
export function controlDir(): string | undefined {
  return process.env[CONTROL_ENV] || undefined;
}

/** Worker side: one line for the supervisor. */
export function controlNote(kind: ControlKind, value: string | number): void {
  const dir = controlDir();
  if (!dir) return;
  try {
    appendFileSync(join(dir, CONTROL_FILE), `${kind} ${value}\n`);
  } catch {
    // the supervisor is gone and took the directory with it
  }
}

/** Supervisor side: the process groups still running (noted and not ended) and the cgroups of the worker in `dir`. */
export function controlState(dir: string): { groups: number[]; cgroups: string[] } {
  let text: string;
  try {
    text = readFileSync(join(dir, CONTROL_FILE), 'utf8');
  } catch {
    return { groups: [], cgroups: [] };
  }
  const groups = new Set<number>();
  const cgroups: string[] = [];
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const kind = line.slice(0, space);
    const value = line.slice(space + 1);
    if (kind === 'group') groups.add(Number(value));
    else if (kind === 'ungroup') groups.delete(Number(value));
    else if (kind === 'cgroup') cgroups.push(value);
  }
  return { groups: [...groups], cgroups };
}
