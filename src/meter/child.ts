import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { endGroup, trackGroup, trackFinalizer } from '../util/cleanup.js';
import { openCpuGroup, type CpuGroup } from './cgroup.js';

/** What a metered child process used, measured from /proc (Linux). */
export interface ChildUsage {
  readonly wallSeconds: number;
  /** user + system CPU of the command and every descendant it waited for. */
  readonly cpuSeconds: number;
  /** Largest resident set of the command's process tree among the samples. */
  readonly peakRssBytes: number;
  readonly rssSamples: number;
  /** How the CPU was attributed: a cgroup of the command's own (every descendant), or the wait status (those it waited for). */
  readonly attribution?: string;
  /** CPU of descendants that detached, which only the cgroup saw (seconds). */
  readonly detachedCpuSeconds?: number;
  /** Processes the command left running when it exited, stopped with its cgroup. */
  readonly stoppedLeftovers?: number;
  /** Without a cgroup: descendants seen leaving the process tree (detached); their CPU is not counted. */
  readonly escapedDescendants?: number;
  /**
   * The tree's cumulative CPU seconds at each sample (epoch ms): the cgroup's usage where
   * there is one, else the live tree's utime + stime + cutime + cstime. What lets a trainer's
   * reported training intervals be charged their own CPU (see cpuBetween).
   */
  readonly cpuSeries?: readonly { readonly t: number; readonly cpu: number }[];
}

/** CPU seconds the series gained over [from, to] (epoch ms), linear between samples, clamped to the series. */
export function cpuBetween(series: readonly { t: number; cpu: number }[], from: number, to: number): number {
  const at = (t: number): number => {
    if (series.length === 0) return 0;
    if (t <= series[0].t) return series[0].cpu;
    const last = series[series.length - 1];
    if (t >= last.t) return last.cpu;
    let i = 1;
    while (series[i].t < t) i++;
    const a = series[i - 1];
    const b = series[i];
    return a.cpu + ((b.cpu - a.cpu) * (t - a.t)) / (b.t - a.t || 1);
  };
  return Math.max(0, at(to) - at(from));
}

export interface ChildResult extends ChildUsage {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderrTail: string;
  /** The child ran past timeoutSeconds and its group was killed. */
  readonly timedOut: boolean;
}

/** Most bytes of a child's stdout kept (its tail): 16 MiB. */
const STDOUT_CAP = 16 * 2 ** 20;

const CLOCK_TICKS = 100; // USER_HZ, 100 on every Linux ABI Node supports
const PAGE = 4096;

/** Every process's parent and resident bytes, from /proc/<pid>/stat. */
function processTable(): { children: Map<number, number[]>; rss: Map<number, number>; cpu: Map<number, number> } {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(name);
      const ppid = Number(fields[1]);
      rss.set(pid, Number(fields[21]) * PAGE);
      // utime, stime, cutime, cstime: this process's CPU and that of the children it waited for
      cpu.set(pid, (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended while we looked
    }
  }
  return { children, rss, cpu };
}

let launches = 0;

/** Inherited by every descendant unless it clears its environment (SPARSEBENCH_METERED): how a detached one is recognised without a cgroup. */
export function launchToken(): string {
  return `${process.pid}-${++launches}-${process.hrtime.bigint()}`;
}

/** The wrapper's first lines: with a cgroup's procs file in $1 it joins before anything of the command runs, and says so on fd 3. */
export const JOIN_GROUP = 'if [ -n "$1" ] && echo $$ > "$1" 2>/dev/null; then echo joined >&3; fi\nshift\n';

/** Whether process pid's environment holds SPARSEBENCH_METERED=token (unreadable: no). */
function carries(pid: number, token: string): boolean {
  try {
    return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0SPARSEBENCH_METERED=${token}\0`);
  } catch {
    return false;
  }
}

/** pid and its descendants. */
function treeOf(root: number, children: Map<number, number[]>): Set<number> {
  const tree = new Set<number>();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    tree.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Samples a metered command's process tree (and its cgroup's members, where it has one):
 * resident memory, and the cumulative CPU series that training intervals are charged from.
 * Without a cgroup, a process outside the tree that carries the launch token has detached,
 * whether it was new since the last sample or seen in the tree before (a sample can fall
 * before its parent exits and it is re-parented, more often on a busy machine): it is
 * remembered (its memory counted, its CPU not).
 */
export class TreeSampler {
  peakRssBytes = 0;
  rssSamples = 0;
  readonly cpuSeries: { t: number; cpu: number }[] = [];
  readonly escaped = new Set<number>();
  private known = new Set<number>();
  private seenInTree = new Set<number>();

  constructor(
    private readonly pid: number | undefined,
    private readonly group: CpuGroup | undefined,
    private readonly token: string,
  ) {}

  sample(): void {
    if (this.pid === undefined) return;
    const t = Date.now();
    const { children, rss, cpu } = processTable();
    const tree = treeOf(this.pid, children);
    for (const pid of this.group?.members() ?? []) tree.add(pid);
    if (!this.group) {
      // the first sample, taken at the spawn, only learns what ran before
      if (this.rssSamples > 0) {
        for (const pid of rss.keys()) {
          if (!tree.has(pid) && (!this.known.has(pid) || this.seenInTree.has(pid)) && carries(pid, this.token)) this.escaped.add(pid);
        }
      }
      this.known = new Set(rss.keys());
      for (const pid of tree) this.seenInTree.add(pid);
    }
    let total = 0;
    for (const pid of new Set([...tree, ...this.escaped])) total += rss.get(pid) ?? 0;
    this.peakRssBytes = Math.max(this.peakRssBytes, total);
    let used = 0;
    if (this.group) used = this.group.cpuSeconds();
    else for (const pid of tree) used += cpu.get(pid) ?? 0;
    // the live tree's sum can dip when a child exits before its parent waits for it: keep it monotone
    this.cpuSeries.push({ t, cpu: Math.max(used, this.cpuSeries[this.cpuSeries.length - 1]?.cpu ?? 0) });
    this.rssSamples++;
  }
}

/**
 * Runs `command` (an argument list: no shell parses its words; a string: a shell script)
 * under a wrapping sh, with its CPU time measured exactly. Where a cgroup can be made (see
 * cgroup.ts) the wrapper joins it before the command starts, and the group's usage counts
 * every descendant, detached ones included; what the command leaves running is stopped with
 * the group. Otherwise, after the command exits, the wrapper prints its own /proc stat,
 * whose cutime + cstime fields hold the CPU of every child it waited for, and descendants
 * seen leaving the tree are counted and warned of. The resident memory of the tree (and of
 * the group) is sampled every `sampleMs`.
 */
export function runMetered(
  command: string | readonly string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    sampleMs?: number;
    onStderr?: (line: string) => void;
    echo?: 'stdout' | 'stderr';
    /** Kill the child's process group after this many seconds (its result then says timedOut). */
    timeoutSeconds?: number;
  } = {},
): Promise<ChildResult> {
  if (process.platform !== 'linux') {
    return Promise.reject(new Error('metering an external command needs Linux /proc (CPU time of the child)'));
  }
  // an argument list runs as "$@": no shell parses the user's words. $1 is the cgroup's
  // procs file (or empty): the wrapper joins before anything of the command runs
  // typed as openCpuGroup's result: the bare { reason } literal let tsc infer a union without `group` in some builds
  const group: ReturnType<typeof openCpuGroup> = process.env.SPARSEBENCH_CGROUP === 'off' ? { reason: 'SPARSEBENCH_CGROUP=off' } : openCpuGroup();
  const token = launchToken();
  const argv = typeof command === 'string' ? [] : [...command];
  const body = typeof command === 'string' ? command : '"$@"';
  const script = `${JOIN_GROUP}${body}\nstatus=$?\ncat /proc/$$/stat >&3\nexit $status`;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    // its own process group: an interrupted run (or a timeout) ends the whole trainer tree
    const child = spawn('sh', ['-c', script, 'sh', group.group?.procsFile ?? '', ...argv], {
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), SPARSEBENCH_METERED: token },
      detached: true,
      stdio: [opts.echo ? 'inherit' : 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    const untrack = child.pid !== undefined ? trackGroup(child.pid) : () => {};
    const untrackGroup = group.group ? trackFinalizer(() => group.group?.killNow()) : () => {};
    let timedOut = false;
    const killer =
      opts.timeoutSeconds !== undefined && child.pid !== undefined
        ? setTimeout(() => {
            timedOut = true;
            endGroup(child.pid as number);
            group.group?.killNow();
          }, opts.timeoutSeconds * 1000)
        : undefined;
    let stdout = '';
    let stderr = '';
    let fd3 = '';
    const sampler = new TreeSampler(child.pid, group.group, token);
    const sample = (): void => sampler.sample();
    // 10 Hz: a training interval of a second is charged from ten samples
    const timer = setInterval(sample, opts.sampleMs ?? 100);
    const echo = opts.echo === 'stdout' ? process.stdout : opts.echo === 'stderr' ? process.stderr : undefined;
    (child.stdout as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      if (echo) echo.write(d);
      // the last JSON line is what counts: keep the tail, so a trainer printing gigabytes cannot exhaust memory
      else stdout = stdout.length + d.length > STDOUT_CAP ? (stdout + d).slice(-STDOUT_CAP) : stdout + d;
    });
    (child.stderr as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      if (echo) process.stderr.write(d);
      stderr = (stderr + d).slice(-4000);
      for (const line of d.split('\n')) if (line.trim()) opts.onStderr?.(line);
    });
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (fd3 += d));
    child.on('error', (err) => {
      clearInterval(timer);
      untrackGroup();
      void group.group?.close();
      reject(err);
    });
    // what is left in the group once the command exits detached from it; it may hold our pipes
    // open (and 'close' would wait for it for ever), so it is stopped now, and counted
    let leftAtExit = 0;
    child.on('exit', () => {
      if (!group.group) return;
      leftAtExit = group.group.members().length;
      if (leftAtExit) group.group.killNow();
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (killer) clearTimeout(killer);
      untrack();
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      const lines = fd3.split('\n').filter((l) => l.trim());
      const joined = lines[0] === 'joined';
      const stat = lines.filter((l) => l !== 'joined').pop() ?? '';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
      // after the comm field: state is [0], so utime [11], stime [12], cutime [13], cstime [14]
      const waitedCpu = fields.length > 14 ? (Number(fields[13]) + Number(fields[14]) + Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : NaN;
      const finish = (g?: { stopped: number; cpuSeconds: number }): void => {
        untrackGroup();
        const { peakRssBytes, rssSamples, cpuSeries } = sampler;
        const base = { exitCode: code ?? 1, stdout, stderrTail: stderr, wallSeconds, peakRssBytes, rssSamples, timedOut, cpuSeries };
        if (g && joined && group.group) {
          // the wait status is exact to the tick for what was waited for; the group adds what detached
          const cpuSeconds = Number.isFinite(waitedCpu) ? Math.max(waitedCpu, g.cpuSeconds) : g.cpuSeconds;
          const detached = Number.isFinite(waitedCpu) ? Math.max(0, g.cpuSeconds - waitedCpu) : 0;
          resolve({
            ...base,
            cpuSeconds,
            attribution: `${group.group.kind}: every descendant, detached ones included`,
            ...(detached >= 0.05 ? { detachedCpuSeconds: detached } : {}),
            ...(Math.max(g.stopped, leftAtExit) ? { stoppedLeftovers: Math.max(g.stopped, leftAtExit) } : {}),
          });
          return;
        }
        const why = group.group ? 'the command could not join its cgroup' : group.reason;
        resolve({
          ...base,
          cpuSeconds: waitedCpu,
          attribution: `wait status: the command and the descendants it waited for (${why})`,
          ...(sampler.escaped.size ? { escapedDescendants: sampler.escaped.size } : {}),
        });
      };
      if (group.group) group.group.close().then(finish, () => finish());
      else finish();
    });
    sample();
  });
}
