import { parameterError, UsageError } from '../errors.js';

/** Conversions from joules at the wall to facility energy, emissions and cost (Strubell et al. 2019). */
export interface Conversion {
  /** Power usage effectiveness of the facility; 1.58 is Strubell et al.'s 2018 industry average. */
  readonly pue: number;
  /** Grid carbon intensity, g CO2e per kWh; 475 is the IEA 2019 world average. */
  readonly gCo2ePerKwh: number;
  readonly usdPerKwh: number;
  /** Where the intensity comes from, for the record. */
  readonly intensitySource?: string;
}

export const DEFAULT_CONVERSION: Conversion = {
  pue: 1.58,
  gCo2ePerKwh: 475,
  usdPerKwh: 0.15,
  intensitySource: 'world average, IEA 2019',
};

export const GRAMS_PER_LB = 453.59237;

/**
 * Carbon intensity presets, g CO2e per kWh of electricity. Country figures are rounded
 * generation averages for 2022 (Ember, Global Electricity Review 2023); a user with a
 * better figure for their grid passes it with --carbon G.
 */
export const INTENSITY_PRESETS: Readonly<Record<string, { readonly g: number; readonly source: string }>> = {
  world: { g: 475, source: 'world average, IEA 2019' },
  strubell: { g: 0.954 * GRAMS_PER_LB, source: "0.954 lbs/kWh, the US average Strubell et al. 2019 used (EPA 2018)" },
  us: { g: 370, source: 'United States, 2022 (Ember 2023), rounded' },
  eu: { g: 250, source: 'European Union, 2022 (Ember 2023), rounded' },
  de: { g: 385, source: 'Germany, 2022 (Ember 2023), rounded' },
  fr: { g: 85, source: 'France, 2022 (Ember 2023), rounded' },
  gb: { g: 255, source: 'United Kingdom, 2022 (Ember 2023), rounded' },
  cn: { g: 530, source: 'China, 2022 (Ember 2023), rounded' },
  in: { g: 630, source: 'India, 2022 (Ember 2023), rounded' },
  jp: { g: 480, source: 'Japan, 2022 (Ember 2023), rounded' },
};

/** A preset name or a number of g CO2e/kWh, as the --carbon flag takes it. */
export function parseIntensity(value: string): { g: number; source: string } {
  const preset = INTENSITY_PRESETS[value.toLowerCase()];
  if (preset) return preset;
  const g = Number(value);
  if (value.trim() !== '' && Number.isFinite(g) && g >= 0) return { g, source: `${g} g/kWh (given)` };
  throw parameterError('carbon', `: "${value}" is neither g CO2e/kWh nor a preset (${Object.keys(INTENSITY_PRESETS).join(', ')})`);
}

export interface Converted {
  readonly kwh: number;
  readonly kwhWithPue: number;
  readonly co2eKg: number;
  readonly costUsd: number;
}

export const JOULES_PER_KWH = 3.6e6;

export function convert(joules: number, c: Conversion = DEFAULT_CONVERSION): Converted {
  const kwh = joules / JOULES_PER_KWH;
  const kwhWithPue = kwh * c.pue;
  return { kwh, kwhWithPue, co2eKg: (kwhWithPue * c.gCo2ePerKwh) / 1000, costUsd: kwhWithPue * c.usdPerKwh };
}

/** Strubell et al. 2019, Eq. 1 and 2, from average power draws. */
export interface StrubellInput {
  readonly hours: number;
  /** Total average draw, or the per-component draws below. */
  readonly watts?: number;
  readonly cpuWatts?: number;
  readonly dramWatts?: number;
  readonly gpus?: number;
  readonly gpuWatts?: number;
  readonly pue?: number;
  readonly lbsPerKwh?: number;
  readonly usdPerKwh?: number;
}

export interface StrubellEstimate {
  readonly watts: number;
  readonly hours: number;
  readonly kwh: number;
  readonly pue: number;
  readonly kwhWithPue: number;
  readonly lbsPerKwh: number;
  readonly co2eLbs: number;
  readonly co2eKg: number;
  readonly costUsd: number;
  readonly method: 'estimated:strubell-2019';
}

/**
 * p_t = PUE x t x (p_c + p_r + g p_g) / 1000   (kWh; Eq. 1)
 * CO2e = 0.954 p_t                            (lbs; Eq. 2, the US average they used)
 */
export function strubellEstimate(i: StrubellInput): StrubellEstimate {
  const perComponent = i.cpuWatts !== undefined || i.dramWatts !== undefined || i.gpuWatts !== undefined || i.gpus !== undefined;
  if (i.watts !== undefined && perComponent) throw new UsageError('give --power, or the per-component --cpu-watts/--dram-watts/--gpus/--gpu-watts, not both');
  const watts = i.watts ?? (i.cpuWatts ?? 0) + (i.dramWatts ?? 0) + (i.gpus ?? 0) * (i.gpuWatts ?? 0);
  const checks: [string, number | undefined][] = [
    ['--hours', i.hours],
    ['--power', i.watts],
    ['--cpu-watts', i.cpuWatts],
    ['--dram-watts', i.dramWatts],
    ['--gpus', i.gpus],
    ['--gpu-watts', i.gpuWatts],
    ['--pue', i.pue],
    ['--lbs-per-kwh', i.lbsPerKwh],
    ['--usd-per-kwh', i.usdPerKwh],
  ];
  for (const [flag, v] of checks) if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new UsageError(`${flag} must be a number >= 0, got ${v}`);
  if (!(i.hours > 0)) throw parameterError('hours', ` must be positive, got ${i.hours}`);
  if (!(watts > 0)) throw new UsageError('--power (or a per-component draw) must be positive');
  const pue = i.pue ?? 1.58;
  const lbsPerKwh = i.lbsPerKwh ?? 0.954;
  const kwh = (watts * i.hours) / 1000;
  const kwhWithPue = pue * kwh;
  const co2eLbs = lbsPerKwh * kwhWithPue;
  return {
    watts,
    hours: i.hours,
    kwh,
    pue,
    kwhWithPue,
    lbsPerKwh,
    co2eLbs,
    co2eKg: (co2eLbs * GRAMS_PER_LB) / 1000,
    costUsd: kwhWithPue * (i.usdPerKwh ?? DEFAULT_CONVERSION.usdPerKwh),
    method: 'estimated:strubell-2019',
  };
}
