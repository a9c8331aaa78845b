/** Conversions from joules at the wall to facility energy, emissions and cost (Strubell et al. 2019). */
export interface Conversion {
  /** Power usage effectiveness of the facility; 1.58 is Strubell et al.'s 2018 industry average. */
  readonly pue: number;
  /** Grid carbon intensity, g CO2e per kWh; 475 is the IEA 2019 world average. */
  readonly gCo2ePerKwh: number;
  readonly usdPerKwh: number;
}

export const DEFAULT_CONVERSION: Conversion = { pue: 1.58, gCo2ePerKwh: 475, usdPerKwh: 0.15 };

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
