import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlNote } from '../util/control.js';

/**
 * A control group of its own for one metered command, so that every descendant's CPU is
 * counted, including one that detaches (setsid, a double fork) and is never waited for:
 * the kernel charges a cgroup for all its members, whoever reaps them. cgroup v2 where this
 * process may create a sub-group of its own cgroup, else cgroup v1's cpuacct controller;
 * where neither is writable (an unprivileged user without delegation) there is none, and
 * the caller falls back to the wait status and warns when a descendant escaped it.
 */
export interface CpuGroup {
  readonly kind: 'cgroup v2' | 'cgroup v1 cpuacct';
  readonly dir: string;
  /** The file the command's wrapper writes its own PID to, joining before the command starts. */
  readonly procsFile: string;
  cpuSeconds(): number;
  /** PIDs still in the group. */
  members(): number[];
  /** SIGKILL to every member now (an interrupted run, a timeout); close() still removes the group. */
  killNow(): void;
  /**
   * Ends what is left in the group (SIGKILL), waits up to graceMs for it to empty, reads the
   * group's CPU (the stopped ones included) and removes it.
   */
  close(graceMs?: number): Promise<{ stopped: number; cpuSeconds: number }>;
}

interface Mount {
  readonly dir: string;
  readonly kind: CpuGroup['kind'];
}

let counter = 0;

function mounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type === 'cgroup2') out.push({ dir, kind: 'cgroup v2' });
    else if (type === 'cgroup' && options?.split(',').includes('cpuacct')) out.push({ dir, kind: 'cgroup v1 cpuacct' });
  }
  // v2 first: it also offers cgroup.kill and is the only hierarchy on current systems
  return out.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'cgroup v2' ? -1 : 1));
}

/** This process's own cgroup path in the hierarchy of `kind`, from /proc/self/cgroup. */
function ownPath(kind: CpuGroup['kind']): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [id, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    if (kind === 'cgroup v2' && id === '0' && controllers === '') return path;
    if (kind === 'cgroup v1 cpuacct' && controllers?.split(',').includes('cpuacct')) return path;
  }
  return undefined;
}

function readCpu(kind: CpuGroup['kind'], dir: string): number {
  if (kind === 'cgroup v2') {
    const m = /^usage_usec (\d+)/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
    return m ? Number(m[1]) / 1e6 : NaN;
  }
  return Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8').trim()) / 1e9;
}

function readMembers(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * A fresh group for one command, or why there is none. Creating it proves the directory is
 * writable; whether the command could join is known only once its wrapper tried (see
 * runMetered), so the caller checks that too.
 */
export function openCpuGroup(): { group: CpuGroup } | { group?: undefined; reason: string } {
  if (process.platform !== 'linux') return { reason: 'not Linux' };
  const tried: string[] = [];
  for (const m of mounts()) {
    const own = ownPath(m.kind);
    if (own === undefined) continue;
    const dir = join(m.dir, own, `sparsebench-${process.pid}-${++counter}`);
    try {
      mkdirSync(dir);
      const cpu = readCpu(m.kind, dir);
      if (!Number.isFinite(cpu)) throw new Error('no CPU usage file');
    } catch (err) {
      tried.push(`${m.kind} at ${join(m.dir, own)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      try {
        rmdirSync(dir);
      } catch {
        // never made
      }
      continue;
    }
    controlNote('cgroup', dir);
    return { group: makeGroup(m.kind, dir) };
  }
  return { reason: tried.length ? `no writable cgroup (${tried.join('; ')})` : 'no cgroup hierarchy with CPU accounting mounted' };
}

/** Stops every member of the group at `dir` and removes it if it empties (a supervisor cleaning up after a killed worker). */
export function killCgroupDir(dir: string): void {
  killMembers(existsSync(join(dir, 'cgroup.kill')) ? 'cgroup v2' : 'cgroup v1 cpuacct', dir);
  try {
    rmdirSync(dir);
  } catch {
    // not empty yet, or gone
  }
}

/** v2 kills atomically, processes forked meanwhile included; v1: each PID. */
function killMembers(kind: CpuGroup['kind'], dir: string): void {
  if (kind === 'cgroup v2' && existsSync(join(dir, 'cgroup.kill'))) {
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      return;
    } catch {
      // fall through to the PIDs
    }
  }
  for (const pid of readMembers(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function makeGroup(kind: CpuGroup['kind'], dir: string): CpuGroup {
  return {
    kind,
    dir,
    procsFile: join(dir, 'cgroup.procs'),
    cpuSeconds: () => readCpu(kind, dir),
    members: () => readMembers(dir),
    killNow: () => killMembers(kind, dir),
    async close(graceMs = 2000) {
      const left = readMembers(dir);
      const deadline = Date.now() + graceMs;
      for (let now = left; now.length && Date.now() < deadline; now = readMembers(dir)) {
        killMembers(kind, dir);
        await new Promise((r) => setTimeout(r, 20));
      }
      const cpuSeconds = readCpu(kind, dir);
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          // a member the kernel has not released yet (EBUSY): give it a moment
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      return { stopped: left.length, cpuSeconds };
    },
  };
}
