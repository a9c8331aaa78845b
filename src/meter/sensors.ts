import { NvidiaSampler } from './nvidia.js';
import { discoverRapl, POWERCAP_ROOT, RaplPoller, type RaplReading } from './rapl.js';

/** The power sensors this machine offers, opened once per run. */
export interface SensorSet {
  readonly rapl?: RaplPoller;
  readonly nvidia?: NvidiaSampler;
  /** Why each missing sensor is missing, in words. */
  readonly unavailable: readonly string[];
  close(): Promise<void>;
}

/**
 * The null sensor set: no sensor read (--no-sensors, or a caller outside a run). Every window
 * then takes the labelled estimate, without asking whether sensors exist.
 */
export const NO_SENSORS: SensorSet = { unavailable: ['not read (--no-sensors)'], close: async () => {} };

/** The record's account of the sensors: those read, and why each other one was not. */
export function sensorsUsed(s: SensorSet): { used: string[]; unavailable: string[] } {
  return { used: [s.rapl ? 'rapl' : '', s.nvidia ? 'nvidia-smi' : ''].filter(Boolean), unavailable: [...s.unavailable] };
}

/** The machine's sensors, or the null set when told not to read them (`false`). */
export async function sensorsFor(o: boolean | SensorOptions | undefined): Promise<SensorSet> {
  return o === false ? NO_SENSORS : openSensors(o === true || o === undefined ? {} : o);
}

export interface SensorOptions {
  readonly powercapRoot?: string;
  /** nvidia-smi binary, or false not to look for one. */
  readonly nvidiaSmi?: string | false;
  /** Polling and sampling interval: 100 ms = 10 Hz. */
  readonly intervalMs?: number;
}

export async function openSensors(o: SensorOptions = {}): Promise<SensorSet> {
  const unavailable: string[] = [];
  const interval = o.intervalMs ?? 100;
  let rapl: RaplPoller | undefined;
  const found = discoverRapl(o.powercapRoot ?? POWERCAP_ROOT);
  if (found.ok) {
    rapl = new RaplPoller(found.domains, interval);
    rapl.start();
  } else {
    unavailable.push(`RAPL: ${found.reason}`);
  }
  let nvidia: NvidiaSampler | undefined;
  if (o.nvidiaSmi !== false) {
    const started = await NvidiaSampler.start(o.nvidiaSmi ?? process.env.SPARSEBENCH_NVIDIA_SMI ?? 'nvidia-smi', interval);
    if (started.ok) nvidia = started.sampler;
    else unavailable.push(`GPU: ${started.reason}`);
  }
  return {
    rapl,
    nvidia,
    unavailable,
    async close() {
      nvidia?.stop();
      await rapl?.stop();
    },
  };
}

/** The sensors' state at one instant: RAPL totals and the wall clock for GPU integration. */
export interface SensorSnapshot {
  readonly t: number;
  readonly rapl?: RaplReading;
}

export function snapshot(s: SensorSet): SensorSnapshot {
  return { t: Date.now(), rapl: s.rapl?.read() };
}

/** Energy per component between two snapshots. */
export function between(
  s: SensorSet,
  a: SensorSnapshot,
  b: SensorSnapshot,
): { cpu: number; dram: number; gpu: number; gpuSamples: number; gpuUtilization: number; gpuEstimated: boolean } {
  // the end of a window: wait for the GPU sample that covers it (at most 2.5 intervals)
  s.nvidia?.sync(b.t);
  const gpu = s.nvidia ? s.nvidia.energy(a.t, b.t) : { joules: 0, samples: 0, meanUtilization: NaN, estimated: false };
  return {
    cpu: a.rapl && b.rapl ? b.rapl.cpu - a.rapl.cpu : 0,
    dram: a.rapl && b.rapl ? b.rapl.dram - a.rapl.dram : 0,
    gpu: gpu.joules,
    gpuSamples: gpu.samples,
    gpuUtilization: gpu.meanUtilization,
    gpuEstimated: gpu.estimated,
  };
}

/** Idle draw of each component, sampled while nothing runs (the suite's baseline). */
export interface IdleBaseline {
  readonly seconds: number;
  readonly watts: { readonly cpu: number; readonly dram: number; readonly gpu: number };
  readonly method: string;
}

export async function measureIdle(s: SensorSet, seconds: number): Promise<IdleBaseline | undefined> {
  if (!s.rapl && !s.nvidia) return undefined;
  const a = snapshot(s);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = snapshot(s);
  const e = between(s, a, b);
  const dt = (b.t - a.t) / 1000;
  return {
    seconds: dt,
    watts: { cpu: e.cpu / dt, dram: e.dram / dt, gpu: e.gpu / dt },
    method: ['measured', [s.rapl ? 'rapl' : '', s.nvidia ? 'nvidia-smi' : ''].filter(Boolean).join('+')].join(':'),
  };
}
