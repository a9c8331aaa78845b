import type { ChildUsage } from './child.js';
import { readClock, type ClockReading } from './clock.js';
import { estimateConstants, estimateEnergy, type EnergyRecord, type EstimateConstants } from './model.js';

export interface MeterReading {
  /** Wall seconds inside the window, pauses excluded. */
  readonly seconds: number;
  /** Process CPU seconds inside the window, pauses excluded. */
  readonly cpuSeconds: number;
  /** Largest resident set seen at the window's samples (start, every progress tick, end). */
  readonly peakRssBytes: number;
  /** Seconds spent paused (evaluation, which is not training). */
  readonly pausedSeconds: number;
  readonly energy: EnergyRecord;
  /** How the figures were obtained when not simply this process inside the window. */
  readonly note?: string;
}

/**
 * A measurement window around one training. Evaluation inside it runs paused, so
 * time, CPU and energy are charged to training only. Sensors (RAPL, nvidia-smi) plug
 * in behind the same begin/sample/end calls; today energy is estimated and says so.
 */
export class Meter {
  private activeSeconds = 0;
  private activeCpu = 0;
  private pausedSeconds = 0;
  private since: ClockReading | undefined;
  private pausedAt: number | undefined;
  private peakRss = 0;
  private samples = 0;
  private ended = false;
  private child: { usage: ChildUsage; trainSeconds?: number } | undefined;

  constructor(private readonly constants: EstimateConstants = estimateConstants()) {}

  begin(): void {
    if (this.since || this.ended) throw new Error('Meter.begin called twice');
    this.sample();
    this.since = readClock();
  }

  /** Records a resident-memory sample; cheap, called on every progress tick. */
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    this.samples++;
  }

  pause(): void {
    if (!this.since) throw new Error('Meter.pause outside an active window');
    const now = readClock();
    this.activeSeconds += now.seconds - this.since.seconds;
    this.activeCpu += now.cpuSeconds - this.since.cpuSeconds;
    this.since = undefined;
    this.pausedAt = now.seconds;
  }

  resume(): void {
    if (this.pausedAt === undefined) throw new Error('Meter.resume without pause');
    this.since = readClock();
    this.pausedSeconds += this.since.seconds - this.pausedAt;
    this.pausedAt = undefined;
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
   * loading are not training), time is that, and CPU is pro-rated to it.
   */
  attributeChild(usage: ChildUsage, trainSeconds?: number): void {
    this.child = { usage, trainSeconds };
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

  end(): MeterReading {
    if (!this.since) throw new Error('Meter.end outside an active window');
    const own = this.elapsed();
    this.since = undefined;
    this.ended = true;
    this.sample();
    if (this.child) {
      const { usage, trainSeconds } = this.child;
      const seconds = Math.min(trainSeconds ?? usage.wallSeconds, usage.wallSeconds);
      const share = usage.wallSeconds > 0 ? seconds / usage.wallSeconds : 1;
      const cpuSeconds = usage.cpuSeconds * share;
      return {
        seconds,
        cpuSeconds,
        peakRssBytes: usage.peakRssBytes,
        pausedSeconds: this.pausedSeconds,
        energy: estimateEnergy(cpuSeconds, seconds, usage.peakRssBytes, this.constants, usage.rssSamples),
        note:
          `external process: ${usage.wallSeconds.toFixed(3)} s wall and ${usage.cpuSeconds.toFixed(3)} s CPU measured (/proc); ` +
          (trainSeconds === undefined ? 'all of it counted as training' : `training ${seconds.toFixed(3)} s as the process reported it, CPU pro-rated to that share`),
      };
    }
    const { seconds, cpuSeconds } = own;
    return {
      seconds,
      cpuSeconds,
      peakRssBytes: this.peakRss,
      pausedSeconds: this.pausedSeconds,
      energy: estimateEnergy(cpuSeconds, seconds, this.peakRss, this.constants, this.samples),
    };
  }
}
