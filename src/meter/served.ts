import { spawn, type ChildProcess } from 'node:child_process';
import { endGroup, trackFinalizer, trackGroup } from '../util/cleanup.js';
import { openCpuGroup, type CpuGroup } from './cgroup.js';
import { cpuBetween, JOIN_GROUP, launchToken, TreeSampler, type ChildUsage } from './child.js';

/**
 * A metered process that serves many requests: started once, it reads one request line on
 * stdin and answers with one line on stdout, again and again, so that a trainer whose
 * interpreter takes seconds to start (Python importing torch: about 1.5 s here, twice a
 * repeat's training) pays it once per run, not once per repeat, and the repeats stay
 * interleaved with the other runners' (a repeat of every runner before the next seed).
 *
 * Each request is metered on its own: its wall time, the CPU its process tree (its cgroup,
 * where one can be made) gained between the request and the reply, and the peak resident
 * memory sampled meanwhile; the whole CPU series goes with it, so that the trainer's
 * reported training intervals are charged their own CPU (see cpuBetween), as for a process
 * per repeat. The process is tracked for the interrupt handler, and close() ends it.
 */
export interface ServedReply extends ChildUsage {
  /** The line the process answered with (a JSON document, by the protocol of its caller). */
  readonly line: string;
  readonly stderrTail: string;
  /** Requests this process answered before this one (0: the first; its wall time includes the interpreter's start-up unless a ping came first). */
  readonly request: number;
}

export class ServedFailure extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

export class ServedProcess {
  private readonly child: ChildProcess;
  private readonly group: CpuGroup | undefined;
  private readonly sampler: TreeSampler;
  private timer: NodeJS.Timeout | undefined;
  private readonly sampleMs: number;
  private readonly untrack: () => void;
  private readonly untrackGroup: () => void;
  private joined = false;
  private buffer = '';
  private stderr = '';
  private exited: string | undefined;
  private waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private requests = 0;
  private onStderr: ((line: string) => void) | undefined;
  private readonly closed: Promise<void>;

  /** `argv`: the command's words (no shell parses them); `env`: its whole environment. */
  constructor(argv: readonly string[], env: NodeJS.ProcessEnv, sampleMs = 100) {
    if (process.platform !== 'linux') throw new Error('metering a served command needs Linux /proc (CPU time of the process)');
    const opened = process.env.SPARSEBENCH_CGROUP === 'off' ? undefined : openCpuGroup();
    this.group = opened?.group;
    const token = launchToken();
    // exec: the wrapper becomes the command, so the group's leader is the server itself
    this.child = spawn('sh', ['-c', `${JOIN_GROUP}exec "$@"`, 'sh', this.group?.procsFile ?? '', ...argv], {
      env: { ...env, SPARSEBENCH_METERED: token },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.untrack = this.child.pid !== undefined ? trackGroup(this.child.pid) : () => {};
    this.untrackGroup = this.group ? trackFinalizer(() => this.group?.killNow()) : () => {};
    this.sampler = new TreeSampler(this.child.pid, this.group, token);
    this.sampleMs = sampleMs;
    // idle between requests, it keeps no run alive: stdin's end (our exit) ends it
    this.child.unref();
    for (const s of this.child.stdio) (s as { unref?: () => void } | null)?.unref?.();
    (this.child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('joined')) this.joined = true;
    });
    (this.child.stdout as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        // a served command answers with one JSON line; anything else on stdout is its chatter
        if (line.startsWith('{') && this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w.resolve(line);
        }
      }
    });
    (this.child.stderr as NodeJS.ReadableStream).setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
      for (const line of d.split('\n')) if (line.trim()) this.onStderr?.(line);
    });
    // EPIPE when the process has gone: the exit handler reports it
    this.child.stdin?.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.child.on('error', (err) => this.fail(`could not start: ${err.message}`));
      this.child.on('close', (code, signal) => {
        this.fail(`exited (${signal ?? `status ${code}`})`);
        resolve();
      });
    });
    this.sampler.sample();
  }

  private fail(why: string): void {
    this.exited ??= why;
    clearInterval(this.timer);
    this.timer = undefined;
    this.untrack();
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(new ServedFailure(why, this.stderr, false));
  }

  /** The last 4,000 characters on stderr since the current (or last) request began. */
  get stderrTail(): string {
    return this.stderr;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Sends one request line and waits for the answer, metering the interval; past timeoutSeconds the process is ended. */
  async request(line: string, timeoutSeconds: number, onStderr?: (line: string) => void): Promise<ServedReply> {
    if (this.exited !== undefined) throw new ServedFailure(this.exited, this.stderr, false);
    if (this.waiting) throw new Error('ServedProcess: one request at a time');
    this.onStderr = onStderr;
    this.stderr = '';
    this.sampler.sample();
    const from = this.sampler.cpuSeries.length - 1;
    const peakBefore = this.sampler.peakRssBytes;
    this.sampler.peakRssBytes = 0;
    // sampled only while it works: /proc is not read while the other runners train
    this.timer = setInterval(() => this.sampler.sample(), this.sampleMs);
    const t0 = Date.now();
    const start = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        this.waiting = { resolve, reject };
        timer = setTimeout(() => {
          this.waiting = undefined;
          reject(new ServedFailure(`ran past ${timeoutSeconds} s`, this.stderr, true));
          this.kill();
        }, timeoutSeconds * 1000);
        this.child.stdin?.write(`${line}\n`);
      });
      this.sampler.sample();
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      const series = this.sampler.cpuSeries;
      const cpuSeconds = cpuBetween(series, t0, Date.now());
      const reply: ServedReply = {
        line: answer,
        stderrTail: this.stderr,
        request: this.requests,
        wallSeconds,
        cpuSeconds,
        peakRssBytes: this.sampler.peakRssBytes,
        rssSamples: series.length - from,
        cpuSeries: series.slice(from),
        attribution: this.joined && this.group ? `${this.group.kind}: every descendant, sampled per request (one process serves every repeat)` : 'the live process tree, sampled per request (one process serves every repeat)',
      };
      this.requests++;
      return reply;
    } finally {
      if (timer) clearTimeout(timer);
      clearInterval(this.timer);
      this.timer = undefined;
      this.sampler.peakRssBytes = Math.max(this.sampler.peakRssBytes, peakBefore);
      this.onStderr = undefined;
    }
  }

  /**
   * Waits until the process answers {"ping": true} with a line (served.py's protocol): its
   * interpreter is up and its libraries imported. Not counted among the requests.
   */
  async ping(timeoutSeconds: number): Promise<void> {
    await this.request(JSON.stringify({ ping: true }), timeoutSeconds);
    this.requests--;
  }

  private kill(): void {
    if (this.child.pid !== undefined) endGroup(this.child.pid, 500);
    this.group?.killNow();
  }

  /** Closes stdin (a served command exits at its end), waits up to graceMs, then ends the group; removes the cgroup. */
  async close(graceMs = 5000): Promise<void> {
    if (this.exited === undefined) {
      this.child.stdin?.end();
      const grace = setTimeout(() => this.kill(), graceMs);
      await this.closed;
      clearTimeout(grace);
    }
    this.untrackGroup();
    await this.group?.close().catch(() => undefined);
  }
}
