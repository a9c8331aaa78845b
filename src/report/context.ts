import { GRAMS_PER_LB, strubellEstimate } from '../meter/carbon.js';
import type { RunRecord } from '../results/schema.js';
import { mdTable, sig } from './format.js';

/** Strubell et al. 2019, Table 1: familiar CO2e figures, lbs. */
export const ACTIVITIES = [
  { name: 'air travel, one passenger, New York <-> San Francisco', lbs: 1984 },
  { name: 'a car over its lifetime, fuel included', lbs: 126000 },
] as const;

/** The run's CO2e beside Strubell et al.'s familiar activities, and the seed claim redone with their equations. */
export function contextSection(r: RunRecord): string[] {
  const kg = r.results.reduce((s, x) => s + x.converted.co2eKg, 0);
  const lbs = (kg * 1000) / GRAMS_PER_LB;
  const methods = [...new Set(r.results.map((x) => x.energy.method))].sort().join(', ');
  const lines = [
    '## Context',
    '',
    `All trainings of this run together: ${sig(kg * 1000)} g CO2e from energy ${methods} (${sig(lbs)} lbs, ${r.conversion.intensitySource ?? `${r.conversion.gCo2ePerKwh} g/kWh`}, PUE ${r.conversion.pue}), that is ` +
      ACTIVITIES.map((a) => `${sig(lbs / a.lbs)} of ${a.name} (${a.lbs.toLocaleString('en-US')} lbs)`).join(' and ') +
      '.',
    '',
    'The seed claim (deep learning 100 minutes, sparse modeling 20) redone with Strubell et al.\'s Eq. 1-2 (`sparsebench estimate`), for assumed average draws: ' +
      'what a 5x shorter training saves depends on what each side draws, and "1% of the energy" needs the deep-learning side to draw about 20 times more power as well.',
    '',
  ];
  const rows: [string, number, { cpuWatts: number; dramWatts: number; gpus: number; gpuWatts: number }][] = [
    ['deep learning, 1 GPU (250 W) + CPU 100 W + DRAM 20 W', 100, { cpuWatts: 100, dramWatts: 20, gpus: 1, gpuWatts: 250 }],
    ['deep learning on the CPU only: 100 W + DRAM 20 W', 100, { cpuWatts: 100, dramWatts: 20, gpus: 0, gpuWatts: 0 }],
    ['sparse modeling on the CPU: 100 W + DRAM 20 W', 20, { cpuWatts: 100, dramWatts: 20, gpus: 0, gpuWatts: 0 }],
  ];
  const estimates = rows.map(([name, minutes, draws]) => ({ name, minutes, e: strubellEstimate({ hours: minutes / 60, ...draws }) }));
  const sparse = estimates[2].e.kwhWithPue;
  lines.push(
    mdTable(
      ['training', 'minutes', 'average W (assumed)', 'kWh x PUE (estimated:strubell-2019)', 'lbs CO2e (estimated:strubell-2019)', 'sparse as a share'],
      estimates.map(({ name, minutes, e }) => [name, String(minutes), sig(e.watts), sig(e.kwhWithPue), sig(e.co2eLbs), `${sig((sparse / e.kwhWithPue) * 100)}%`]),
    ),
    '',
  );
  return lines;
}
