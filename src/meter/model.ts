import { cpus } from 'node:os';

/**
 * Energy estimates for machines without a power sensor. Every constant is stored in
 * the record, with its source, so a reader can redo the sum with their own figures.
 */
export interface EstimateConstants {
  /** Package power attributed to one fully busy logical core. */
  readonly cpuWattsPerCore: number;
  readonly cpuWattsSource: string;
  /** DRAM power per GB of resident memory. */
  readonly dramWattsPerGb: number;
  readonly dramWattsSource: string;
  /** Relative half-width of the band the estimate is believed to lie in. */
  readonly relativeUncertainty: number;
}

interface CpuPowerEntry {
  readonly pattern: RegExp;
  readonly tdpWatts: number;
  readonly threads: number;
  readonly source: string;
}

/**
 * A first, deliberately small table (the meter issue extends it). Figures are the vendor
 * TDP of a representative part divided by its hardware threads.
 */
const CPU_POWER: readonly CpuPowerEntry[] = [
  { pattern: /AMD EPYC/i, tdpWatts: 280, threads: 128, source: 'AMD EPYC 7763 TDP 280 W / 128 threads (AMD datasheet)' },
  { pattern: /Ryzen/i, tdpWatts: 105, threads: 16, source: 'AMD Ryzen 7 5800X TDP 105 W / 16 threads (AMD datasheet)' },
  { pattern: /Xeon/i, tdpWatts: 205, threads: 56, source: 'Intel Xeon Gold 6348 TDP 205 W / 56 threads (Intel ARK)' },
  { pattern: /Core\(TM\) i9|Core i9/i, tdpWatts: 125, threads: 24, source: 'Intel Core i9-12900K base power 125 W / 24 threads (Intel ARK)' },
  { pattern: /Core\(TM\) i[357]|Core i[357]/i, tdpWatts: 65, threads: 20, source: 'Intel Core i7-12700 base power 65 W / 20 threads (Intel ARK)' },
  { pattern: /Apple M/i, tdpWatts: 20, threads: 8, source: 'Apple M1 package ~20 W under load / 8 cores (AnandTech)' },
];

const DEFAULT_CPU: CpuPowerEntry = {
  pattern: /.*/,
  tdpWatts: 65,
  threads: 8,
  source: 'unknown CPU: a 65 W desktop part / 8 threads (default)',
};

export function estimateConstants(cpuModel: string = cpus()[0]?.model ?? 'unknown'): EstimateConstants {
  const entry = CPU_POWER.find((e) => e.pattern.test(cpuModel)) ?? DEFAULT_CPU;
  return {
    cpuWattsPerCore: entry.tdpWatts / entry.threads,
    cpuWattsSource: entry.source,
    dramWattsPerGb: 0.375,
    dramWattsSource: '3 W per 8 GB DIMM (CodeCarbon methodology)',
    relativeUncertainty: 0.5,
  };
}

export interface EnergyComponents {
  readonly cpu: number;
  readonly dram: number;
  readonly gpu: number;
}

/** An energy figure always carries how it was obtained. */
export interface EnergyRecord {
  readonly joules: number;
  /** 'measured:<sensors>' only when every component with energy was measured. */
  readonly method: string;
  readonly components: EnergyComponents;
  /** How each component was obtained. */
  readonly componentMethods?: { readonly cpu: string; readonly dram: string; readonly gpu: string };
  readonly samples: number;
  readonly uncertainty: { readonly low: number; readonly high: number; readonly relative: number };
  readonly constants?: EstimateConstants;
  /** Idle draw over the same seconds (the baseline), and what is left: the training's own energy. */
  readonly idleJoules?: number;
  readonly netJoules?: number;
  /** The same per component (gross = components): what idled, and what the training drew above it. */
  readonly idleComponents?: EnergyComponents;
  readonly netComponents?: EnergyComponents;
  /** Caveats, e.g. too few samples by MLPerf Power's rule (>= 1 Hz and >= 60 samples). */
  readonly flags?: string[];
}

/**
 * CPU: busy-core watts x CPU seconds (so idle cores and other processes are not charged);
 * DRAM: W/GB x resident GB x wall seconds.
 */
export function estimateEnergy(
  cpuSeconds: number,
  seconds: number,
  residentBytes: number,
  constants: EstimateConstants,
  samples: number,
): EnergyRecord {
  const cpu = constants.cpuWattsPerCore * cpuSeconds;
  const dram = constants.dramWattsPerGb * (residentBytes / 1e9) * seconds;
  const joules = cpu + dram;
  const r = constants.relativeUncertainty;
  return {
    joules,
    method: 'estimated:tdp-per-core',
    components: { cpu, dram, gpu: 0 },
    samples,
    uncertainty: { low: joules * (1 - r), high: joules * (1 + r), relative: r },
    constants,
  };
}
