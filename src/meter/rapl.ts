import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** One energy counter of the powercap tree that sparsebench counts. */
export interface RaplDomain {
  /** e.g. "package-0", "package-0/dram". */
  readonly key: string;
  readonly component: 'cpu' | 'dram';
  readonly file: string;
  readonly maxRangeUj: number;
}

export type RaplDiscovery =
  | { readonly ok: true; readonly domains: readonly RaplDomain[]; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export const POWERCAP_ROOT = '/sys/class/powercap';

const readNumber = (file: string): number => {
  const t = readFileSync(file, 'utf8').trim();
  return /^[0-9]+$/.test(t) ? Number(t) : NaN;
};

/**
 * Finds the RAPL counters to count under a powercap root: package domains (CPU) and their
 * dram subdomains or top-level dram domains, each once. Not counted: psys (the whole
 * platform, which already contains the packages), core and uncore (parts of a package),
 * and the intel-rapl-mmio copies of domains the MSR interface already gives.
 */
export function discoverRapl(root: string = POWERCAP_ROOT): RaplDiscovery {
  let entries: string[];
  try {
    entries = readdirSync(root).filter((e) => /^intel-rapl(-mmio)?:\d+(:\d+)?$/.test(e));
  } catch {
    return { ok: false, reason: `no ${root} (no RAPL: a VM, or a CPU/kernel without powercap)` };
  }
  if (entries.length === 0) return { ok: false, reason: `no intel-rapl domains under ${root}` };
  // MSR interface first, so its domains win over their MMIO copies
  entries.sort((a, b) => Number(a.startsWith('intel-rapl-mmio')) - Number(b.startsWith('intel-rapl-mmio')) || a.localeCompare(b));
  const domains: RaplDomain[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const dir = join(root, entry);
    let name: string;
    try {
      name = readFileSync(join(dir, 'name'), 'utf8').trim();
    } catch {
      skipped.push(`${entry}: no name`);
      continue;
    }
    const parts = entry.split(':');
    const parentName = parts.length === 3 ? safeName(join(root, `${parts[0]}:${parts[1]}`)) : undefined;
    const key = parentName ? `${parentName}/${name}` : name;
    let component: 'cpu' | 'dram' | undefined;
    if (/^package-\d+$/.test(name) && !parentName) component = 'cpu';
    else if (name === 'dram') component = 'dram';
    if (!component) {
      skipped.push(`${entry} (${key}): ${name === 'psys' ? 'platform total, would count the packages twice' : 'part of a package'}`);
      continue;
    }
    if (seen.has(key)) {
      skipped.push(`${entry} (${key}): a copy of a domain already counted`);
      continue;
    }
    const file = join(dir, 'energy_uj');
    try {
      readNumber(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        ok: false,
        reason:
          code === 'EACCES' || code === 'EPERM'
            ? `permission denied reading ${file} (Linux 5.10+ lets only root read RAPL; run as root or \`sudo chmod o+r ${root}/intel-rapl:*/energy_uj\`)`
            : `cannot read ${file}: ${code ?? (err as Error).message}`,
      };
    }
    let maxRangeUj: number;
    try {
      maxRangeUj = readNumber(join(dir, 'max_energy_range_uj'));
    } catch {
      return { ok: false, reason: `cannot read ${join(dir, 'max_energy_range_uj')}: wraparound could not be handled` };
    }
    if (!(maxRangeUj > 0)) return { ok: false, reason: `${join(dir, 'max_energy_range_uj')} holds no positive range: wraparound could not be handled` };
    seen.add(key);
    domains.push({ key, component, file, maxRangeUj });
  }
  if (domains.length === 0) return { ok: false, reason: `no package or dram domain under ${root} (${skipped.join('; ')})` };
  return { ok: true, domains, skipped };
}

function safeName(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'name'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Energy between two readings of a counter that wraps at maxRange: one wrap at most,
 * which is why the counters are polled more often than the fastest wrap.
 */
export function wrapDelta(previous: number, now: number, maxRange: number): number {
  return now >= previous ? now - previous : now + maxRange - previous;
}

// The poller: a worker thread reads the counters every intervalMs, so wraps are seen even
// while the main thread is busy in a synchronous training loop. It keeps, per domain, the
// energy accumulated so far and the raw value it last read, in shared memory under a
// sequence lock; the main thread adds the delta from that last raw value to a fresh read.
const WORKER = `
const { workerData } = require('node:worker_threads');
const { openSync, readSync } = require('node:fs');
const { files, maxRanges, intervalMs, acc, last, seq } = workerData;
const A = new Float64Array(acc), L = new Float64Array(last), S = new Int32Array(seq);
// one descriptor per counter, re-read at offset 0 (sysfs regenerates the value each time)
const fds = files.map((f) => openSync(f, 'r'));
const buf = Buffer.alloc(32);
const readAt = (fd) => { const n = readSync(fd, buf, 0, 32, 0); const t = buf.toString('latin1', 0, n).trim(); return /^[0-9]+$/.test(t) ? Number(t) : NaN; };
setInterval(() => {
  const raw = fds.map(readAt);
  Atomics.add(S, 0, 1);
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i])) continue; // an unreadable value is skipped, never taken for a wrap
    const d = raw[i] >= L[i] ? raw[i] - L[i] : raw[i] + maxRanges[i] - L[i];
    A[i] += d;
    L[i] = raw[i];
  }
  Atomics.add(S, 1, 1);
  Atomics.add(S, 0, 1);
}, intervalMs);
`;

export interface RaplReading {
  /** Joules per domain since start. */
  readonly joules: readonly number[];
  readonly cpu: number;
  readonly dram: number;
  /** Polls the worker has made. */
  readonly polls: number;
}

export class RaplPoller {
  private readonly acc: Float64Array;
  private readonly last: Float64Array;
  private readonly seq: Int32Array;
  private worker: Worker | undefined;

  constructor(
    readonly domains: readonly RaplDomain[],
    readonly intervalMs = 100,
  ) {
    const n = domains.length;
    this.acc = new Float64Array(new SharedArrayBuffer(8 * n));
    this.last = new Float64Array(new SharedArrayBuffer(8 * n));
    this.seq = new Int32Array(new SharedArrayBuffer(8));
  }

  /** Takes the first reading here (so start() is exact) and starts the worker. */
  start(): void {
    this.domains.forEach((d, i) => (this.last[i] = readNumber(d.file)));
    this.worker = new Worker(WORKER, {
      eval: true,
      // CommonJS whatever flags this process has (--input-type=module)
      execArgv: [],
      workerData: {
        files: this.domains.map((d) => d.file),
        maxRanges: this.domains.map((d) => d.maxRangeUj),
        intervalMs: this.intervalMs,
        acc: this.acc.buffer,
        last: this.last.buffer,
        seq: this.seq.buffer,
      },
    });
    this.worker.unref();
  }

  /** Energy since start, exact at the moment of the call. */
  read(): RaplReading {
    const n = this.domains.length;
    const acc = new Float64Array(n);
    const last = new Float64Array(n);
    let polls = 0;
    for (;;) {
      const s1 = Atomics.load(this.seq, 0);
      if (s1 % 2 === 1) continue;
      acc.set(this.acc);
      last.set(this.last);
      polls = Atomics.load(this.seq, 1);
      if (Atomics.load(this.seq, 0) === s1) break;
    }
    const joules = this.domains.map((d, i) => {
      const now = readNumber(d.file);
      // an unreadable value (never from sysfs, possible from a stand-in) adds nothing
      return (acc[i] + (Number.isFinite(now) ? wrapDelta(last[i], now, d.maxRangeUj) : 0)) / 1e6;
    });
    const sum = (c: 'cpu' | 'dram'): number => this.domains.reduce((s, d, i) => s + (d.component === c ? joules[i] : 0), 0);
    return { joules, cpu: sum('cpu'), dram: sum('dram'), polls };
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
