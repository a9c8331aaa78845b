/**
 * `npm run bench:meter`: the meter's overhead at 10 Hz sampling, two ways.
 * 1. CPU: what the sampling itself consumes per second of wall time, measured while the
 *    process idles: the RAPL poller thread (process CPU) and nvidia-smi (its process's
 *    CPU from /proc), here a poller on a recorded-style powercap tree and the recorded-output
 *    stand-in for nvidia-smi, as this VM has neither sensor.
 * 2. Wall: a fixed workload with and without the sensors, interleaved, beside an A/A pair
 *    that shows this machine's noise floor.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Meter } from '../src/meter/meter.js';
import { openSensors, type SensorSet } from '../src/meter/sensors.js';
import { median } from '../src/report/stats.js';

const root = mkdtempSync(join(tmpdir(), 'sb-powercap-'));
for (const [entry, name] of [
  ['intel-rapl:0', 'package-0'],
  ['intel-rapl:0:0', 'dram'],
  ['intel-rapl:1', 'package-1'],
]) {
  mkdirSync(join(root, entry));
  writeFileSync(join(root, entry, 'name'), name);
  writeFileSync(join(root, entry, 'energy_uj'), '123456789');
  writeFileSync(join(root, entry, 'max_energy_range_uj'), '262143328850');
}

/** About a second of deterministic floating-point work. */
function workload(): number {
  const a = new Float64Array(1 << 16).map((_, i) => Math.sin(i));
  let s = 0;
  for (let r = 0; r < 2200; r++) for (let i = 0; i < a.length; i++) s += a[i] * a[(i * 7) & 0xffff];
  return s;
}

async function window(sensors: SensorSet | undefined): Promise<number> {
  const meter = new Meter(undefined, sensors);
  meter.begin();
  for (let tick = 0; tick < 10; tick++) {
    workload();
    meter.sample();
  }
  return meter.end().seconds;
}

workload();

/** CPU seconds per wall second spent by the sampling while nothing else runs. */
async function idleCost(sensors: SensorSet, seconds: number): Promise<{ own: number; child: number }> {
  const childPid = (sensors.nvidia as unknown as { child?: { pid?: number } } | undefined)?.child?.pid;
  const childCpu = (): number => {
    if (!childPid) return 0;
    const stat = readFileSync(`/proc/${childPid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const c0 = process.cpuUsage();
  const k0 = childCpu();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c1 = process.cpuUsage(c0);
  return { own: (c1.user + c1.system) / 1e6 / seconds, child: (childCpu() - k0) / seconds };
}

const both = await openSensors({ powercapRoot: root, nvidiaSmi: join('test', 'fixtures', 'fake-nvidia-smi.mjs'), intervalMs: 100 });
const raplOnly = await openSensors({ powercapRoot: root, nvidiaSmi: false, intervalMs: 100 });
if (both.unavailable.length || raplOnly.unavailable.length) throw new Error([...both.unavailable, ...raplOnly.unavailable].join('; '));
const setups: [string, SensorSet | undefined][] = [
  ['none', undefined],
  ['none again (noise floor)', undefined],
  ['RAPL poller', raplOnly],
  ['RAPL poller + nvidia-smi', both],
];
const times = new Map<string, number[]>(setups.map(([name]) => [name, []]));
for (let round = 0; round < 5; round++) {
  for (const [name, sensors] of setups) times.get(name)?.push(await window(sensors));
}
const cost = await idleCost(both, 5);
const polls = both.rapl?.read().polls ?? 0;
const gpuSamples = both.nvidia?.samples.length ?? 0;
await both.close();
await raplOnly.close();
const base = median(times.get('none') ?? []);
console.log(
  `Sampling cost at 10 Hz, idle process: RAPL poller + event loop ${(cost.own * 100).toFixed(2)}% of one core; ` +
    `nvidia-smi stand-in (a Node process, heavier than nvidia-smi itself) ${(cost.child * 100).toFixed(2)}% of one core`,
);
console.log('Wall time of fixed work (ten ~0.2 s slices per window, 5 interleaved rounds, medians):');
for (const [name, ts] of times) {
  const t = median(ts);
  console.log(`${name.padEnd(26)} ${t.toFixed(3)} s  ${(((t - base) / base) * 100).toFixed(2)}%`);
}
console.log(`(${polls} RAPL polls and ${gpuSamples} GPU samples in the combined setup's lifetime)`);
