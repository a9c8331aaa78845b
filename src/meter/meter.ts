import { readFileSync, writeFileSync } from 'node:fs';
import type { ChildUsage } from './child.js';
import { readClock, type ClockReading } from './clock.js';
import { estimateConstants, estimateEnergy, type EnergyRecord, type EstimateConstants } from './model.js';
import { flopCount } from '../util/flop-count.js';
import { between, NO_SENSORS, snapshot, type IdleBaseline, type SensorSet, type SensorSnapshot } from './sensors.js';

export interface MeterReading {
  /** Wall seconds inside the window, pauses excluded. */
  readonly seconds: number;
  /** Process CPU seconds inside the window, pauses excluded. */
  readonly cpuSeconds: number;
  /**
   * Largest resident set of this process inside the window: the kernel's high-water mark
   * (VmHWM), reset when the window begins, where /proc allows; else the largest of the
   * window's samples (start, every progress tick, end).
   */
  readonly peakRssBytes: number;
  /** How peakRssBytes was obtained. */
  readonly peakRssMethod: string;
  /** Seconds spent paused (evaluation, which is not training). */
  readonly pausedSeconds: number;
  readonly energy: EnergyRecord;
  /** How the figures were obtained when not simply this process inside the window. */
  readonly note?: string;
  /** FLOPs the sparse kernels counted inside the window, pauses excluded (0 for work they do not count: tfjs, child processes). */
  readonly flops: number;
}

/**
 * A measurement window around one training. Evaluation inside it runs paused, so time,
 * CPU and energy are charged to training only. Energy comes from the sensors where the
 * machine has them (RAPL for CPU and DRAM, nvidia-smi for GPUs), read at every window
 * boundary, and from the labelled estimate where it has not.
 */
export class Meter {
  private activeSeconds = 0;
  private activeCpu = 0;
  private activeFlops = 0;
  private flopsSince = 0;
  private pausedSeconds = 0;
  private since: ClockReading | undefined;
  private pausedAt: number | undefined;
  private peakRss = 0;
  private samples = 0;
  private ended = false;
  private child: { usage: ChildUsage; trainSeconds?: number; trainCpuSeconds?: number } | undefined;
  private segment: SensorSnapshot | undefined;
  private readonly measured = { cpu: 0, dram: 0, gpu: 0, gpuSamples: 0, gpuUtil: 0, gpuUtilN: 0, raplPolls: 0, gpuEstimated: false };

  constructor(
    private readonly constants: EstimateConstants = estimateConstants(),
    private readonly sensors: SensorSet = NO_SENSORS,
    private readonly idle?: IdleBaseline,
  ) {}

  begin(): void {
    if (this.since || this.ended) throw new Error('Meter.begin called twice');
    highWaterMark.reset(this);
    this.sample();
    this.segment = snapshot(this.sensors);
    this.flopsSince = flopCount.value;
    this.since = readClock();
  }

  /** Records a resident-memory sample; cheap, called on every progress tick. */
  sample(): void {
    this.observe(process.memoryUsage.rss());
    this.samples++;
  }

  /** A resident size this process reached while the window was open. */
  observe(rss: number): void {
    if (rss > this.peakRss) this.peakRss = rss;
  }

  pause(): void {
    if (!this.since) throw new Error('Meter.pause outside an active window');
    const now = readClock();
    this.activeSeconds += now.seconds - this.since.seconds;
    this.activeCpu += now.cpuSeconds - this.since.cpuSeconds;
    this.activeFlops += flopCount.value - this.flopsSince;
    this.since = undefined;
    this.pausedAt = now.seconds;
    this.closeSegment();
  }

  resume(): void {
    if (this.pausedAt === undefined) throw new Error('Meter.resume without pause');
    this.segment = snapshot(this.sensors);
    this.flopsSince = flopCount.value;
    this.since = readClock();
    this.pausedSeconds += this.since.seconds - this.pausedAt;
    this.pausedAt = undefined;
  }

  private closeSegment(): void {
    if (!this.segment) return;
    const end = snapshot(this.sensors);
    const e = between(this.sensors, this.segment, end);
    this.measured.cpu += e.cpu;
    this.measured.dram += e.dram;
    this.measured.gpu += e.gpu;
    this.measured.gpuSamples += e.gpuSamples;
    this.measured.gpuEstimated ||= e.gpuEstimated;
    if (Number.isFinite(e.gpuUtilization)) {
      this.measured.gpuUtil += e.gpuUtilization;
      this.measured.gpuUtilN++;
    }
    if (this.segment.rapl && end.rapl) this.measured.raplPolls += end.rapl.polls - this.segment.rapl.polls + 1;
    this.segment = undefined;
  }

  /** Runs `fn` with the window paused (for evaluation). */
  paused<T>(fn: () => T): T {
    this.pause();
    try {
      return fn();
    } finally {
      this.resume();
    }
  }

  /**
   * The training ran in a child process: charge its measured CPU and memory instead of
   * this process's. When the child reports its own training time (its start-up and data
   * loading are not training), time is that, and CPU and measured energy are pro-rated.
   */
  attributeChild(usage: ChildUsage, trainSeconds?: number, trainCpuSeconds?: number): void {
    this.child = { usage, trainSeconds, trainCpuSeconds };
  }

  /** Active time so far, for learning-curve points. */
  elapsed(): { seconds: number; cpuSeconds: number } {
    if (!this.since) return { seconds: this.activeSeconds, cpuSeconds: this.activeCpu };
    const now = readClock();
    return {
      seconds: this.activeSeconds + now.seconds - this.since.seconds,
      cpuSeconds: this.activeCpu + now.cpuSeconds - this.since.cpuSeconds,
    };
  }

  /** FLOPs counted in the window so far, pauses excluded. */
  flops(): number {
    return this.activeFlops + (this.since ? flopCount.value - this.flopsSince : 0);
  }

  end(): MeterReading {
    if (!this.since) throw new Error('Meter.end outside an active window');
    const own = this.elapsed();
    const flops = this.flops();
    this.since = undefined;
    this.ended = true;
    this.closeSegment();
    this.sample();
    highWaterMark.release(this);
    if (this.child) {
      const { usage, trainSeconds, trainCpuSeconds } = this.child;
      const seconds = Math.min(trainSeconds ?? usage.wallSeconds, usage.wallSeconds);
      const share = usage.wallSeconds > 0 ? seconds / usage.wallSeconds : 1;
      // the CPU of the trainer's own training intervals where it reported them, else a uniform share of its lifetime
      const cpuSeconds = trainCpuSeconds !== undefined ? Math.min(trainCpuSeconds, usage.cpuSeconds) : usage.cpuSeconds * share;
      return {
        seconds,
        cpuSeconds,
        peakRssBytes: usage.peakRssBytes,
        peakRssMethod: "the trainer's process tree, sampled at 10 Hz",
        pausedSeconds: this.pausedSeconds,
        flops,
        energy: this.energy(cpuSeconds, seconds, usage.peakRssBytes, usage.rssSamples, share),
        note:
          `external process: ${usage.wallSeconds.toFixed(3)} s wall and ${usage.cpuSeconds.toFixed(3)} s CPU measured (/proc); ` +
          (trainSeconds === undefined
            ? 'all of it counted as training'
            : trainCpuSeconds !== undefined
              ? `training ${seconds.toFixed(3)} s as the process reported it, charged the ${cpuSeconds.toFixed(3)} s CPU its tree used in the reported training intervals (sampled at 10 Hz); sensor energy pro-rated to the time share`
              : `training ${seconds.toFixed(3)} s as the process reported it, CPU and energy pro-rated to that share`) +
          childAttributionNote(usage),
      };
    }
    return {
      seconds: own.seconds,
      cpuSeconds: own.cpuSeconds,
      peakRssBytes: this.peakRss,
      peakRssMethod: highWaterMark.works ? 'kernel high-water mark (VmHWM), reset at the window' : "this process's resident set at the window's samples",
      pausedSeconds: this.pausedSeconds,
      flops,
      energy: this.energy(own.cpuSeconds, own.seconds, this.peakRss, this.samples, 1),
    };
  }

  /** Measured components where a sensor was read, the labelled estimate elsewhere. */
  private energy(cpuSeconds: number, seconds: number, rssBytes: number, rssSamples: number, share: number): EnergyRecord {
    const estimate = estimateEnergy(cpuSeconds, seconds, rssBytes, this.constants, rssSamples);
    const rapl = this.sensors.rapl;
    const nvidia = this.sensors.nvidia;
    const hasDram = rapl?.domains.some((d) => d.component === 'dram') ?? false;
    const cpu = rapl ? this.measured.cpu * share : estimate.components.cpu;
    const dram = hasDram ? this.measured.dram * share : estimate.components.dram;
    const gpu = nvidia ? this.measured.gpu * share : 0;
    const methods = {
      cpu: rapl ? 'measured:rapl' : estimate.method,
      dram: hasDram ? 'measured:rapl' : 'estimated:w-per-gb',
      gpu: nvidia ? (this.measured.gpuEstimated ? 'estimated:tdp-x-utilization' : 'measured:nvidia-smi') : 'none (no GPU sensor)',
    };
    const sources = [rapl ? 'rapl' : '', nvidia ? 'nvidia-smi' : ''].filter(Boolean);
    const allMeasured = rapl !== undefined && hasDram && !this.measured.gpuEstimated;
    const method = allMeasured ? `measured:${sources.join('+')}` : `estimated:tdp-per-core${nvidia ? '+nvidia-smi' : ''}${rapl ? '+rapl' : ''}`;
    const band = (rapl ? cpu * MEASURED_UNCERTAINTY : cpu * this.constants.relativeUncertainty) +
      (hasDram ? dram * MEASURED_UNCERTAINTY : dram * this.constants.relativeUncertainty) +
      gpu * (this.measured.gpuEstimated ? this.constants.relativeUncertainty : MEASURED_UNCERTAINTY);
    const joules = cpu + dram + gpu;
    const samples = Math.max(this.measured.raplPolls, this.measured.gpuSamples);
    const flags: string[] = [];
    // each sensor on its own samples: many RAPL polls must not hide a GPU figure resting on two
    for (const [sensor, n] of [
      ['RAPL', rapl ? this.measured.raplPolls : undefined],
      ['nvidia-smi', nvidia ? this.measured.gpuSamples : undefined],
    ] as const) {
      if (n !== undefined && (n < 60 || n / Math.max(seconds, 1e-9) < 1)) {
        flags.push(`short: ${n} ${sensor} samples in ${seconds.toFixed(2)} s (MLPerf Power asks for >= 60 at >= 1 Hz)`);
      }
    }
    if (nvidia?.lost) flags.push(`incomplete: ${nvidia.lost} bytes of nvidia-smi output were lost while the main thread was held`);
    let idle: { cpu: number; dram: number; gpu: number } | undefined;
    if (this.idle) {
      // only measured components idle: an estimate charges busy cores only, it is net already
      const w = this.idle.watts;
      idle = { cpu: (rapl ? w.cpu : 0) * seconds, dram: (hasDram ? w.dram : 0) * seconds, gpu: (nvidia ? w.gpu : 0) * seconds };
    }
    const idleJoules = idle ? idle.cpu + idle.dram + idle.gpu : undefined;
    return {
      joules,
      method,
      components: { cpu, dram, gpu },
      componentMethods: methods,
      samples: samples || rssSamples,
      uncertainty: { low: joules - band, high: joules + band, relative: joules > 0 ? band / joules : 0 },
      constants: this.constants,
      ...(idle && idleJoules !== undefined
        ? { idleJoules, netJoules: joules - idleJoules, idleComponents: idle, netComponents: { cpu: cpu - idle.cpu, dram: dram - idle.dram, gpu: gpu - idle.gpu } }
        : {}),
      ...(flags.length ? { flags } : {}),
    };
  }
}

/**
 * Relative band of a sensor reading: RAPL tracks wall power within a few percent on recent
 * parts, and NVIDIA documents +/-5% for power.draw; 5% covers both.
 */
const MEASURED_UNCERTAINTY = 0.05;

/** What a child's CPU attribution found: CPU of detached descendants, leftovers stopped, descendants that escaped. */
export function childAttributionFindings(usage: ChildUsage): string[] {
  const found: string[] = [];
  if (usage.detachedCpuSeconds) found.push(`${usage.detachedCpuSeconds.toFixed(3)} s of the CPU by descendants that detached`);
  if (usage.stoppedLeftovers) found.push(`${usage.stoppedLeftovers} process(es) it left running were stopped`);
  if (usage.escapedDescendants) found.push(`WARNING: ${usage.escapedDescendants} descendant(s) detached from the process tree; their CPU is not counted`);
  return found;
}

/** How a child's CPU was attributed, and what it found: for the record's note. */
function childAttributionNote(usage: ChildUsage): string {
  return [usage.attribution ? `CPU by ${usage.attribution}` : '', ...childAttributionFindings(usage)].filter(Boolean).map((t) => `; ${t}`).join('');
}

/**
 * The kernel's peak resident set of this process (VmHWM), reset per window by writing 5 to
 * /proc/self/clear_refs (Linux 4.0+), so a window's peak is its own and not the largest any
 * earlier cell reached. Windows nest (inference inside training): before a reset, every open
 * window takes the peak so far, so none loses what came before the inner one.
 */
const highWaterMark = {
  open: new Set<Meter>(),
  works: process.platform === 'linux',
  read(): number | undefined {
    if (!this.works) return undefined;
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  },
  /** Every open window takes the peak so far. */
  fold(): void {
    const peak = this.read();
    if (peak !== undefined) for (const m of this.open) m.observe(peak);
  },
  reset(meter: Meter): void {
    this.fold();
    try {
      if (this.works) writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      this.works = false;
    }
    this.open.add(meter);
  },
  release(meter: Meter): void {
    this.fold();
    this.open.delete(meter);
  },
};
