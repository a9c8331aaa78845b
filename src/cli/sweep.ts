import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { SweepAxis } from '../suite/sweep.js';
import { collectSetting, runAction, withRunOptions } from './run.js';

/** Default training-size grid: roughly log-spaced, from the claim's ~50 images to the default suite's 8,000. */
export const DEFAULT_TRAIN_SIZES = [50, 100, 200, 500, 1000, 2000, 8000];

/** `sweep`: the run's cells at every point of the axes, as one journaled, resumable, shardable run. */
export function registerSweep(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('where does the claim hold? train the suite at every point of the axes (training-set size, epochs, any runner setting), paired per point, one resumable record; the report states each claim part\'s crossover')
    .option('--train-size <list>', `training images of every dataset at each point (comma-separated; detection: a multiple of its textures); default ${DEFAULT_TRAIN_SIZES.join(',')} unless another axis is given`, positiveList('--train-size'))
    .option('--epochs <list>', 'CNN epochs at each point (comma-separated)', positiveList('--epochs'))
    .option('--set <runner.param=values>', 'a runner setting: one value fixes it, a comma-separated list makes it an axis (--set lasso.alpha=1e-4,1e-3,1e-2 --set cnn.arch=default,large)', collectSetting, {});
  withRunOptions(cmd).action(async (opts) => {
    const { axes, fixed } = axesOf(opts);
    await runAction({ ...opts, trainSize: undefined, epochs: undefined, set: fixed }, axes);
  });
}

type Settings = Record<string, Record<string, unknown>>;

/** The axes the flags give, in flag order (size, epochs, settings); --set with one value stays a fixed setting. */
export function axesOf(opts: { trainSize?: number[]; epochs?: number[]; set: Settings }): { axes: SweepAxis[]; fixed: Settings } {
  const axes: SweepAxis[] = [];
  if (opts.trainSize) axes.push({ name: 'trainSize', values: opts.trainSize });
  if (opts.epochs) axes.push({ name: 'epochs', values: opts.epochs });
  const fixed: Settings = {};
  for (const [runner, params] of Object.entries(opts.set)) {
    for (const [param, value] of Object.entries(params)) {
      if (typeof value === 'string' && value.includes(',')) {
        axes.push({ name: `${runner}.${param}`, values: value.split(',').map(scalarOf) });
      } else {
        fixed[runner] = { ...fixed[runner], [param]: value };
      }
    }
  }
  if (axes.length === 0) axes.push({ name: 'trainSize', values: DEFAULT_TRAIN_SIZES });
  return { axes, fixed };
}

/** An axis value as --set reads one: a number as such, anything else a string. */
const scalarOf = (text: string): number | string => {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

function positiveList(flag: string): (value: string) => number[] {
  return (value) => {
    const values = value.split(',').map((v) => Number(v.trim()));
    if (values.length === 0 || !values.every((v) => Number.isInteger(v) && v >= 1)) throw new UsageError(`${flag} must be a comma-separated list of positive integers, got "${value}"`);
    return values;
  };
}
