import { spawn, type ChildProcess } from 'node:child_process';

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
 * nvidia-smi sampling in a child process at intervalMs (100 ms = 10 Hz), every GPU. The
 * child runs beside the training, so samples keep their own timestamps even while this
 * thread is busy. A missing binary or one that gives no sample within timeoutMs (a hung
 * driver) is reported, never waited on forever.
 */
export class NvidiaSampler {
  private buffer = '';
  readonly samples: GpuSample[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static start(binary = process.env.SPARSEBENCH_NVIDIA_SMI ?? 'nvidia-smi', intervalMs = 100, timeoutMs = 3000): Promise<NvidiaStart> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: NvidiaStart): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const child = spawn(binary, [`--query-gpu=${QUERY.join(',')}`, '--format=csv,noheader,nounits', `-lms`, String(intervalMs)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const sampler = new NvidiaSampler(child);
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-500)));
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        sampler.take(d);
        if (sampler.samples.length > 0) finish({ ok: true, sampler });
      });
      child.on('error', (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        finish({ ok: false, reason: code === 'ENOENT' ? `${binary} not found (no NVIDIA driver)` : `${binary}: ${err.message}` });
      });
      child.on('exit', (code) => finish({ ok: false, reason: `${binary} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}` }));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({ ok: false, reason: `${binary} gave no sample within ${timeoutMs} ms (a hung driver?); GPU energy not measured` });
      }, timeoutMs);
      timer.unref();
    });
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    const end = this.buffer.lastIndexOf('\n');
    if (end < 0) return;
    this.samples.push(...parseNvidiaCsv(this.buffer.slice(0, end), Date.now()));
    this.buffer = this.buffer.slice(end + 1);
  }

  /** GPUs seen, by index. */
  gpus(): number[] {
    return [...new Set(this.samples.map((s) => s.index))].sort((a, b) => a - b);
  }

  /** Energy of every GPU over [from, to] (epoch ms), and the samples it rests on. */
  energy(from: number, to: number): { joules: number; samples: number; meanUtilization: number; estimated: boolean } {
    let joules = 0;
    let samples = 0;
    let estimated = false;
    let util = 0;
    let utilN = 0;
    for (const g of this.gpus()) {
      const mine = this.samples.filter((s) => s.index === g).sort((a, b) => a.t - b.t);
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
    this.child.kill('SIGTERM');
  }
}
