import { convert, DEFAULT_CONVERSION, type Conversion, type Converted } from '../meter/carbon.js';
import { runMetered } from '../meter/child.js';
import { childAttributionFindings, Meter } from '../meter/meter.js';
import { estimateConstants, type EnergyRecord } from '../meter/model.js';
import { measureIdle, sensorsFor, sensorsUsed, type SensorOptions } from '../meter/sensors.js';

export interface MeasureReport {
  readonly command: readonly string[];
  readonly exitCode: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  /** How the CPU was attributed (a cgroup, or the wait status), and what escaped or was stopped. */
  readonly attribution: string;
  readonly energy: EnergyRecord;
  readonly converted: Converted;
  readonly conversion: Conversion;
  readonly sensors: { readonly used: readonly string[]; readonly unavailable: readonly string[] };
}

/**
 * Meters any command, as `codecarbon monitor` does: its process tree's CPU time (exact,
 * from /proc), memory (sampled) and energy (sensors where present, else the labelled
 * estimate). The command runs without a shell parsing its words; its output goes to
 * `echo` (stderr keeps stdout free for a JSON report).
 */
export async function measureCommand(
  args: readonly string[],
  o: { sensors?: boolean | SensorOptions; idleSeconds?: number; conversion?: Conversion; echo?: 'stdout' | 'stderr' } = {},
): Promise<MeasureReport> {
  const sensors = await sensorsFor(o.sensors);
  try {
    const idle = o.idleSeconds ? await measureIdle(sensors, o.idleSeconds) : undefined;
    const meter = new Meter(estimateConstants(), sensors, idle);
    meter.begin();
    const run = await runMetered(args, { echo: o.echo ?? 'stdout' });
    meter.attributeChild(run);
    const m = meter.end();
    const conversion = o.conversion ?? DEFAULT_CONVERSION;
    return {
      command: [...args],
      exitCode: run.exitCode,
      seconds: m.seconds,
      cpuSeconds: m.cpuSeconds,
      peakRssBytes: m.peakRssBytes,
      attribution: [run.attribution ?? 'wait status', ...childAttributionFindings(run)].join('; '),
      energy: m.energy,
      converted: convert(m.energy.joules, conversion),
      conversion,
      sensors: sensorsUsed(sensors),
    };
  } finally {
    await sensors.close();
  }
}
