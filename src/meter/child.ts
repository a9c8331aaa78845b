import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { endGroup, trackGroup } from '../util/cleanup.js';

/** What a metered child process used, measured from /proc (Linux). */
export interface ChildUsage {
  readonly wallSeconds: number;
  /** user + system CPU of the command and every descendant it waited for. */
  readonly cpuSeconds: number;
  /** Largest resident set of the command's process tree among the samples. */
  readonly peakRssBytes: number;
  readonly rssSamples: number;
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

/** Resident bytes of pid and its descendants, from /proc/<pid>/stat. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(name);
      const ppid = Number(fields[1]);
      rss.set(pid, Number(fields[21]) * PAGE);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Runs `command` in sh, with its CPU time measured exactly: after the command exits, the
 * wrapping shell prints its own /proc stat, whose cutime + cstime fields hold the CPU of
 * every child it waited for. The tree's resident memory is sampled every `sampleMs`.
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
  // an argument list runs as "$@": no shell parses the user's words
  const argv = typeof command === 'string' ? [] : ['sh', ...command];
  const body = typeof command === 'string' ? command : '"$@"';
  const script = `${body}\nstatus=$?\ncat /proc/$$/stat >&3\nexit $status`;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    // its own process group: an interrupted run (or a timeout) ends the whole trainer tree
    const child = spawn('sh', ['-c', script, ...argv], { cwd: opts.cwd, env: opts.env, detached: true, stdio: [opts.echo ? 'inherit' : 'ignore', 'pipe', 'pipe', 'pipe'] });
    const untrack = child.pid !== undefined ? trackGroup(child.pid) : () => {};
    let timedOut = false;
    const killer =
      opts.timeoutSeconds !== undefined && child.pid !== undefined
        ? setTimeout(() => {
            timedOut = true;
            endGroup(child.pid as number);
          }, opts.timeoutSeconds * 1000)
        : undefined;
    let stdout = '';
    let stderr = '';
    let stat = '';
    let peak = 0;
    let samples = 0;
    const sample = (): void => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, treeRss(child.pid));
      samples++;
    };
    const timer = setInterval(sample, opts.sampleMs ?? 200);
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
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (stat += d));
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (killer) clearTimeout(killer);
      untrack();
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
      // after the comm field: state is [0], so utime [11], stime [12], cutime [13], cstime [14]
      const cpuSeconds = fields.length > 14 ? (Number(fields[13]) + Number(fields[14]) + Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : NaN;
      resolve({ exitCode: code ?? 1, stdout, stderrTail: stderr, wallSeconds, cpuSeconds, peakRssBytes: peak, rssSamples: samples, timedOut });
    });
    sample();
  });
}
