import { Worker } from 'node:worker_threads';
import { trackFinalizer } from '../util/cleanup.js';

/** One nvidia-smi sample of one GPU. NaN where the driver answered [N/A]. */
export interface GpuSample {
  /** Milliseconds since the epoch, from nvidia-smi's own timestamp when given. */
  readonly t: number;
  readonly index: number;
  readonly name: string;
  readonly powerWatts: number;
  readonly powerLimitWatts: number;
  readonly utilization: number;
  readonly smClockMhz: number;
  readonly memoryUsedMib: number;
}

export const QUERY = ['timestamp', 'index', 'name', 'power.draw', 'power.limit', 'utilization.gpu', 'clocks.sm', 'memory.used'] as const;

const number = (v: string | undefined): number => {
  if (v === undefined) return NaN;
  const m = /-?\d+(\.\d+)?/.exec(v);
  return m && !/N\/A|Not Supported/i.test(v) ? Number(m[0]) : NaN;
};

/** "2026/11/28 19:40:01.123" (nvidia-smi's format) as epoch milliseconds, local time. */
function parseTimestamp(v: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(v.trim());
  if (!m) return NaN;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? Math.round(Number(m[7]) * 1000) : 0).getTime();
}

/**
 * Parses nvidia-smi --query-gpu CSV, with or without a header, with or without units
 * ("77.26 W" or "77.26"): columns are matched by the header's field names when there is
 * one, else taken in QUERY order.
 */
export function parseNvidiaCsv(text: string, arrivedAt: number = Date.now()): GpuSample[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  let columns: string[] = [...QUERY];
  const samples: GpuSample[] = [];
  for (const line of lines) {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.some((c) => /^(timestamp|index|name|power\.draw)( \[.*\])?$/.test(c))) {
      columns = cells.map((c) => c.replace(/\s*\[.*\]$/, '').replace('clocks.current.sm', 'clocks.sm'));
      continue;
    }
    const get = (field: string): string | undefined => {
      const i = columns.indexOf(field);
      return i >= 0 ? cells[i] : undefined;
    };
    const ts = get('timestamp');
    const t = ts ? parseTimestamp(ts) : NaN;
    samples.push({
      t: Number.isFinite(t) ? t : arrivedAt,
      index: number(get('index')) || 0,
      name: get('name') ?? 'unknown GPU',
      powerWatts: number(get('power.draw')),
      powerLimitWatts: number(get('power.limit') ?? get('enforced.power.limit')),
      utilization: number(get('utilization.gpu')),
      smClockMhz: number(get('clocks.sm')),
      memoryUsedMib: number(get('memory.used')),
    });
  }
  return samples;
}

/**
 * Trapezoid integral of one GPU's power over [from, to] (ms), samples sorted by t. Where
 * the samples stop short of an edge of the window (the newest sample is older than `to`),
 * the nearest sample's power is held to the edge.
 */
export function integratePower(samples: readonly GpuSample[], from: number, to: number): { joules: number; used: number; estimated: boolean } {
  // Some boards answer [N/A] for power.draw but report utilization: then power is
  // estimated as the power limit (the board's TDP) x utilization, and said to be.
  const estimated = samples.some((s) => !Number.isFinite(s.powerWatts) && Number.isFinite(s.utilization) && Number.isFinite(s.powerLimitWatts));
  if (estimated) {
    samples = samples.map((s) =>
      Number.isFinite(s.powerWatts) ? s : { ...s, powerWatts: Number.isFinite(s.utilization) ? (s.powerLimitWatts * s.utilization) / 100 : NaN },
    );
  }
  let joules = 0;
  let used = 0;
  const valid = samples.filter((s) => Number.isFinite(s.powerWatts));
  if (valid.length > 0) {
    const first = valid[0];
    const last = valid[valid.length - 1];
    if (first.t > from) joules += first.powerWatts * ((Math.min(first.t, to) - from) / 1000);
    if (last.t < to) joules += last.powerWatts * ((to - Math.max(last.t, from)) / 1000);
  }
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const lo = Math.max(a.t, from);
    const hi = Math.min(b.t, to);
    if (hi <= lo || !Number.isFinite(a.powerWatts) || !Number.isFinite(b.powerWatts)) continue;
    const pa = a.powerWatts + ((b.powerWatts - a.powerWatts) * (lo - a.t)) / (b.t - a.t || 1);
    const pb = a.powerWatts + ((b.powerWatts - a.powerWatts) * (hi - a.t)) / (b.t - a.t || 1);
    joules += ((pa + pb) / 2) * ((hi - lo) / 1000);
    used++;
  }
  return { joules, used, estimated };
}

export type NvidiaStart = { readonly ok: true; readonly sampler: NvidiaSampler } | { readonly ok: false; readonly reason: string };

/**
 * The sampler's reader, in a worker thread of its own: it copies nvidia-smi's output into a
 * shared ring as it arrives, whatever the main thread is doing. Training in this process
 * holds the main thread for seconds (tfjs steps, coordinate descent), during which a reader
 * on the main thread's event loop would read nothing, and a window would close before any
 * sample from inside it had been seen. Plain JavaScript (eval), so it runs the same from
 * src/ under tsx and from dist/.
 */
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { sab, binary, args } = workerData;
const head = new Int32Array(sab, 0, 2);
const ring = new Uint8Array(sab, 8);
const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
// the main thread ends nvidia-smi itself (a message to this thread may never be read if the
// process exits first, and a child outlives the thread that spawned it)
if (child.pid !== undefined) parentPort.postMessage({ kind: 'pid', pid: child.pid });
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-500)));
child.stdout.on('data', (d) => {
  let at = Atomics.load(head, 0);
  for (let i = 0; i < d.length; i++) ring[(at + i) % ring.length] = d[i];
  // the bytes first, then the count: a reader that sees the count sees the bytes
  Atomics.add(head, 0, d.length);
  Atomics.notify(head, 0);
  parentPort.postMessage({ kind: 'data' });
});
child.on('error', (err) => parentPort.postMessage({ kind: 'error', code: err.code, message: err.message }));
child.on('exit', (code) => parentPort.postMessage({ kind: 'exit', code, stderr }));
parentPort.on('message', (m) => {
  if (m === 'stop') child.kill('SIGTERM');
  if (m === 'kill') child.kill('SIGKILL');
});
`;

/** Bytes of nvidia-smi output the ring holds between two reads: at 10 Hz about 100 s of 8 GPUs. */
const RING_BYTES = 1 << 20;

/**
 * nvidia-smi sampling at intervalMs (100 ms = 10 Hz), every GPU, read off the main thread
 * (see READER). Samples carry nvidia-smi's own timestamps; `sync(t)` waits, briefly and
 * synchronously, for the sample that covers t, so a window's end is integrated from samples
 * on both sides of it. A missing binary or one that gives no sample within timeoutMs (a hung
 * driver) is reported, never waited on forever.
 */
export class NvidiaSampler {
  private text = '';
  private readBytes = 0;
  private lostBytes = 0;
  private readonly all: GpuSample[] = [];
  private readonly decoder = new TextDecoder();
  private readonly head: Int32Array;
  private readonly ring: Uint8Array;

  /** nvidia-smi's pid, once the reader has spawned it. */
  private pid: number | undefined;
  private readonly onExit = (): void => this.killChild('SIGKILL');
  private untrack: () => void = () => {};

  private constructor(
    private readonly worker: Worker,
    sab: SharedArrayBuffer,
    readonly intervalMs: number,
  ) {
    this.head = new Int32Array(sab, 0, 2);
    this.ring = new Uint8Array(sab, 8);
  }

  /** nvidia-smi is ours to end: on stop, on interruption (cleanUpAll) and when this process exits without a stop. */
  private adopt(pid: number): void {
    this.pid = pid;
    process.once('exit', this.onExit);
    this.untrack = trackFinalizer(() => this.killChild('SIGTERM'));
  }

  private killChild(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // it has ended already
    }
  }

  private release(): void {
    process.off('exit', this.onExit);
    this.untrack();
  }

  static start(binary = process.env.SPARSEBENCH_NVIDIA_SMI ?? 'nvidia-smi', intervalMs = 100, timeoutMs = 3000): Promise<NvidiaStart> {
    return new Promise((resolve) => {
      const sab = new SharedArrayBuffer(8 + RING_BYTES);
      const args = [`--query-gpu=${QUERY.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(intervalMs)];
      // execArgv []: the reader is CommonJS whatever flags this process has (--input-type=module)
      const worker = new Worker(READER, { eval: true, workerData: { sab, binary, args }, execArgv: [] });
      worker.unref();
      const sampler = new NvidiaSampler(worker, sab, intervalMs);
      let settled = false;
      const finish = (r: NvidiaStart): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!r.ok) {
          sampler.killChild('SIGKILL');
          sampler.release();
          void worker.terminate();
        }
        resolve(r);
      };
      worker.on('message', (m: { kind: string; code?: number | string; message?: string; stderr?: string; pid?: number }) => {
        if (m.kind === 'pid' && m.pid !== undefined) sampler.adopt(m.pid);
        if (m.kind === 'data' && sampler.samples.length > 0) finish({ ok: true, sampler });
        if (m.kind === 'error') finish({ ok: false, reason: m.code === 'ENOENT' ? `${binary} not found (no NVIDIA driver)` : `${binary}: ${m.message}` });
        if (m.kind === 'exit') {
          sampler.pid = undefined; // ended: its pid may be reused
          finish({ ok: false, reason: `${binary} exited with ${m.code}: ${m.stderr?.trim().split('\n').pop() ?? ''}` });
        }
      });
      worker.on('error', (err) => finish({ ok: false, reason: `${binary}: reader thread failed (${err.message})` }));
      const timer = setTimeout(() => {
        worker.postMessage('kill');
        finish({ ok: false, reason: `${binary} gave no sample within ${timeoutMs} ms (a hung driver?); GPU energy not measured` });
      }, timeoutMs);
      timer.unref();
    });
  }

  /** Takes what the reader thread has copied since the last call; synchronous. */
  private drain(): void {
    const written = Atomics.load(this.head, 0);
    let from = this.readBytes;
    if (written - from > this.ring.length) {
      // the main thread was held longer than the ring lasts: the oldest bytes are gone
      this.lostBytes += written - this.ring.length - from;
      from = written - this.ring.length;
      this.text = '';
    }
    if (written === from) return;
    const bytes = new Uint8Array(written - from);
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.ring[(from + i) % this.ring.length];
    this.readBytes = written;
    this.text += this.decoder.decode(bytes, { stream: true });
    const end = this.text.lastIndexOf('\n');
    if (end < 0) return;
    this.all.push(...parseNvidiaCsv(this.text.slice(0, end), Date.now()));
    this.text = this.text.slice(end + 1);
  }

  /** Every sample so far, in arrival order. */
  get samples(): readonly GpuSample[] {
    this.drain();
    return this.all;
  }

  /** Bytes of output lost because the main thread held longer than the ring lasts (then GPU energy is incomplete). */
  get lost(): number {
    return this.lostBytes;
  }

  /**
   * Waits (synchronously, at most maxWaitMs: 2.5 sampling intervals by default) until every
   * GPU has a sample at or after t (epoch ms), so the integral up to t rests on samples
   * either side of it rather than on the last one before it.
   */
  sync(t: number, maxWaitMs = this.intervalMs * 2.5): boolean {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      this.drain();
      const gpus = this.gpus();
      if (gpus.length > 0 && gpus.every((g) => this.all.some((s) => s.index === g && s.t >= t))) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.head, 0, Atomics.load(this.head, 0), left);
    }
  }

  /** GPUs seen, by index. */
  gpus(): number[] {
    return [...new Set(this.all.map((s) => s.index))].sort((a, b) => a - b);
  }

  /** Energy of every GPU over [from, to] (epoch ms), and the samples it rests on. */
  energy(from: number, to: number): { joules: number; samples: number; meanUtilization: number; estimated: boolean } {
    this.drain();
    let joules = 0;
    let samples = 0;
    let estimated = false;
    let util = 0;
    let utilN = 0;
    for (const g of this.gpus()) {
      const mine = this.all.filter((s) => s.index === g).sort((a, b) => a.t - b.t);
      const r = integratePower(mine, from, to);
      joules += r.joules;
      samples += r.used;
      estimated ||= r.estimated;
      for (const s of mine) {
        if (s.t >= from && s.t <= to && Number.isFinite(s.utilization)) {
          util += s.utilization;
          utilN++;
        }
      }
    }
    return { joules, samples, meanUtilization: utilN ? util / utilN : NaN, estimated };
  }

  stop(): void {
    this.killChild('SIGTERM');
    this.release();
    this.worker.postMessage('stop');
    // the reader ends once nvidia-smi has
    setTimeout(() => void this.worker.terminate(), 1000).unref();
  }
}
