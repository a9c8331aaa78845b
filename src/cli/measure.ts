import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { sig } from '../report/format.js';
import { strubellEstimate } from '../meter/carbon.js';
import { measureCommand } from '../suite/measure.js';

import { real, conversionFrom, PUE, CARBON, USD_PER_KWH } from './options.js';

/** `measure` (meter any command) and `estimate` (Strubell et al.'s arithmetic from average draws). */
export function registerMeasure(program: Command): void {
  program
    .command('measure')
    .description('meter any command: wall and CPU time of its process tree, memory, energy (sensors where present, else a labelled estimate); its exit code is passed through')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--json', 'one JSON report on stdout; the command\'s own output goes to stderr')
    .option('--no-sensors', 'do not read RAPL or nvidia-smi')
    .option('--idle-seconds <s>', 'idle power sampled first, when a sensor is present', real('--idle-seconds', (x) => x >= 0, '>= 0'), 0)
    .option(...PUE)
    .option(...CARBON)
    .option(...USD_PER_KWH)
    .action(async (command: string[], opts) => {
      const report = await measureCommand(command, {
        sensors: opts.sensors,
        idleSeconds: opts.idleSeconds,
        conversion: conversionFrom(opts),
        echo: opts.json ? 'stderr' : 'stdout',
      });
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        const e = report.energy;
        process.stderr.write(
          `sparsebench: ${report.seconds.toFixed(3)} s, ${report.cpuSeconds.toFixed(3)} s CPU, peak ${sig(report.peakRssBytes / 2 ** 20)} MiB, ` +
            `${sig(e.joules)} J (${e.method}, +/-${sig(e.uncertainty.relative * 100)}%), ${sig(report.converted.kwhWithPue)} kWh x PUE, ` +
            `${sig(report.converted.co2eKg * 1000)} g CO2e; CPU by ${report.attribution}; ${report.sensors.unavailable.join('; ')}\n`,
        );
      }
      process.exitCode = report.exitCode;
    });

  program
    .command('estimate')
    .description('energy, CO2e and cost from average power draws, as Strubell et al. 2019 (Eq. 1 and 2)')
    .option('--power <w>', 'total average draw, watts', real('--power', (x) => x > 0, 'positive'))
    .requiredOption('--hours <h>', 'training time, hours', real('--hours', (x) => x > 0, 'positive'))
    .option('--gpus <n>', 'number of GPUs', real('--gpus', (x) => Number.isInteger(x) && x >= 0, 'a whole number >= 0'))
    .option('--gpu-watts <w>', 'average draw per GPU', real('--gpu-watts', (x) => x >= 0, '>= 0'))
    .option('--cpu-watts <w>', 'average CPU draw', real('--cpu-watts', (x) => x >= 0, '>= 0'))
    .option('--dram-watts <w>', 'average DRAM draw', real('--dram-watts', (x) => x >= 0, '>= 0'))
    .option('--pue <p>', 'power usage effectiveness', real('--pue', (x) => x >= 1, '>= 1'), 1.58)
    .option('--lbs-per-kwh <f>', 'lbs CO2e per kWh (Strubell et al.: 0.954, the US average)', real('--lbs-per-kwh', (x) => x >= 0, '>= 0'), 0.954)
    .option('--usd-per-kwh <c>', 'electricity price', real('--usd-per-kwh', (x) => x >= 0, '>= 0'), 0.15)
    .option('--json', 'JSON on stdout')
    .action((opts) => {
      const e = strubellEstimate({
        watts: opts.power,
        hours: opts.hours,
        gpus: opts.gpus,
        gpuWatts: opts.gpuWatts,
        cpuWatts: opts.cpuWatts,
        dramWatts: opts.dramWatts,
        pue: opts.pue,
        lbsPerKwh: opts.lbsPerKwh,
        usdPerKwh: opts.usdPerKwh,
      });
      const overflow = Object.entries(e).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
      if (overflow) throw new UsageError(`--power/--hours: ${overflow[0]} is not finite (${opts.power ?? 'the draws'} W for ${opts.hours} h overflows a double)`);
      process.stdout.write(
        opts.json
          ? JSON.stringify(e) + '\n'
          : `${+e.watts.toFixed(2)} W for ${+e.hours.toFixed(3)} h: ${sig(e.kwh)} kWh, x PUE ${e.pue} = ${sig(e.kwhWithPue)} kWh; ` +
              `${sig(e.co2eLbs)} lbs CO2e (${sig(e.co2eKg)} kg) at ${e.lbsPerKwh} lbs/kWh; $${sig(e.costUsd)} (${e.method})\n`,
      );
    });
}
