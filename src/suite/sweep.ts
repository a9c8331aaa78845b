import { UsageError, parameterError } from '../errors.js';
import { datasetEntry } from '../datasets/registry.js';
import { DEFAULT_AUTOENCODER } from '../deep/autoencoder-config.js';
import { pointLabel } from '../results/cells.js';
import type { RunRecord } from '../results/schema.js';
import { getSuite } from './suites.js';
import { planOf, planRun, runPlanned, shardOf, type PlannedCell, type Point, type RunEvents, type RunOptions, type SweepPlan } from './run.js';

/**
 * One axis of a sweep: `trainSize` (training images of every dataset; for detection, a
 * multiple of its textures), `epochs`, or a runner's own setting by `runner.parameter`
 * (`cnn.arch`, `lasso.alpha`), checked by that runner's schema.
 */
export interface SweepAxis {
  readonly name: string;
  readonly values: readonly (number | string)[];
}

export interface SweepOptions extends RunOptions {
  readonly axes: readonly SweepAxis[];
}

/** Most points a sweep may plan (the product of its axes): beyond it a typo, not a study. */
export const MAX_POINTS = 1000;

const SETTING_AXIS = /^([A-Za-z0-9][A-Za-z0-9._-]*?)\.([A-Za-z][A-Za-z0-9]*)$/;

/** The axes' product, the first axis varying slowest. */
function pointsOf(axes: readonly SweepAxis[]): Point[] {
  let points: Point[] = [{}];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.name]: v })));
  return points;
}

/** The run's options at one point: its sizes, epochs and settings replaced by the point's values. */
function optionsAt(o: SweepOptions, point: Point): RunOptions {
  let sizes = o.sizes;
  let epochs = o.epochs;
  const settings: Record<string, Record<string, unknown>> = Object.fromEntries(Object.entries(o.settings ?? {}).map(([r, s]) => [r, { ...s }]));
  for (const [name, value] of Object.entries(point)) {
    if (name === 'trainSize') sizes = { ...sizes, trainSize: value as number };
    else if (name === 'epochs') epochs = value as number;
    else {
      const [, runner, parameter] = SETTING_AXIS.exec(name) as RegExpExecArray;
      settings[runner] = { ...settings[runner], [parameter]: value };
    }
  }
  return { ...o, sizes, epochs, settings: Object.keys(settings).length ? settings : undefined, shard: undefined };
}

/** Axis names and values, before anything else is planned. */
function checkAxes(axes: readonly SweepAxis[]): void {
  if (axes.length === 0) throw parameterError('axes', ': a sweep needs at least one axis (trainSize, epochs or runner.parameter) with values');
  const names = new Set<string>();
  for (const axis of axes) {
    if (names.has(axis.name)) throw parameterError('axes', `: ${axis.name} is given twice`);
    names.add(axis.name);
    if (axis.values.length === 0) throw parameterError('axes', ` ${axis.name}: no values`);
    if (new Set(axis.values).size !== axis.values.length) throw parameterError('axes', ` ${axis.name}: a value is given twice (${axis.values.join(',')})`);
    const integral = axis.name === 'trainSize' || axis.name === 'epochs';
    if (integral && !axis.values.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
      throw parameterError('axes', ` ${axis.name}: every value must be a positive integer, got ${axis.values.join(',')}`);
    }
    if (!integral && !SETTING_AXIS.test(axis.name)) throw parameterError('axes', `: unknown axis "${axis.name}" (trainSize, epochs, or runner.parameter such as lasso.alpha)`);
  }
  const points = axes.reduce((n, a) => n * a.values.length, 1);
  if (points > MAX_POINTS) throw parameterError('axes', `: ${points} points, more than ${MAX_POINTS}`);
}

/**
 * Every cell of a sweep, in a deterministic order (points as pointsOf lists them, then the
 * suite's order at each point: each seed's runners together, so its pairs stay paired), each
 * point checked as a run would be, an error naming the axis and value before any training.
 */
export function planSweep(o: SweepOptions): { cells: PlannedCell[]; sweep: SweepPlan } {
  checkAxes(o.axes);
  const scale = epochsFixed(o) ? undefined : epochScaling(o);
  const cells: PlannedCell[] = [];
  for (const point of pointsOf(o.axes)) {
    let planned: PlannedCell[];
    const at = optionsAt(o, point);
    try {
      planned = planRun(at);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      // named by the point's axes, the one the error is about first (else the first axis): the CLI shows its flag
      const about = Object.keys(point).find((k) => err.message.includes(k)) ?? Object.keys(point)[0];
      const ordered = pointLabel(Object.fromEntries(Object.entries(point).sort(([a], [b]) => Number(b === about) - Number(a === about))));
      throw parameterError(about, `${ordered.slice(about.length)}: ${err.message}`);
    }
    for (const c of planned) cells.push({ ...c, epochs: scale ? scale({ ...c, point }) : c.epochs, point, ...(at.settings ? { settings: at.settings } : {}), index: cells.length });
  }
  return { cells, sweep: { axes: o.axes.map((a) => ({ name: a.name, values: [...a.values] })) } };
}

/** Most epochs a smaller training set is given to keep the suite's optimisation budget. */
export const MAX_SWEEP_EPOCHS = 1000;

/** The sweep sets the epochs itself (--epochs, or an epochs axis): nothing is scaled. */
const epochsFixed = (o: SweepOptions): boolean => o.epochs !== undefined || o.axes.some((a) => a.name === 'epochs');

/**
 * The deep-learning cells' epochs at a training size: the suite's number of training samples
 * seen (epochs x images), so a small set is not judged on a handful of optimiser steps (a
 * budget chosen for 8,000 images would give 50 images 4 steps). Cells without epochs (sparse
 * runners) keep none. The suite is expanded once for the whole plan.
 */
function epochScaling(o: SweepOptions): (c: PlannedCell) => number | undefined {
  const suite = getSuite(o.suite);
  return (c) => {
    // detectors' deep-learning side keeps its own epochs in a run (the autoencoders' 60): scaled here the same way
    const own = c.epochs ?? ownEpochs(o, c.runner);
    if (own === undefined || c.point?.trainSize === undefined) return c.epochs;
    const base = suite.entries.find((e) => e.dataset === c.dataset)?.trainSize ?? datasetEntry(c.dataset).trainSize;
    return Math.min(MAX_SWEEP_EPOCHS, Math.max(own, Math.round((own * base) / c.trainSize)));
  };
}

/** A deep-learning detector's own epochs (its cells set none): the tfjs autoencoder's, or an external's default. */
function ownEpochs(o: SweepOptions, runner: string): number | undefined {
  const external = o.externals?.find((x) => x.name === runner);
  if (external) return external.family === 'deep' ? external.defaultEpochs : undefined;
  return runner === 'autoencoder' ? DEFAULT_AUTOENCODER.epochs : undefined;
}

/**
 * Runs a sweep as one journaled run: every (point, runner, seed) cell is journaled the moment
 * it finishes, `resume` skips finished cells, `shard` takes slice I of N of the whole plan.
 * Splits draw test and validation images first, so every point shares them (SplitOptions.evaluationFirst).
 */
export async function runSweep(o: SweepOptions, events: RunEvents = {}): Promise<{ record: RunRecord; path: string }> {
  const { cells, sweep } = planSweep(o);
  const plan = { ...planOf(o), sweep: sweep.axes };
  const scaled = [...new Set(cells.filter((c) => c.epochs !== undefined && c.point?.trainSize !== undefined).map((c) => `${c.runner} ${c.epochs} at ${c.point?.trainSize}`))];
  const notes = [
    ...(o.notes ?? []),
    ...(scaled.length && !epochsFixed(o)
      ? [`deep-learning epochs kept the suite's training samples seen (epochs x images, at most ${MAX_SWEEP_EPOCHS} epochs): ${scaled.join(', ')}`]
      : []),
    'splits drew the test and validation images before the training images: every point shares one test set and one validation set per seed',
  ];
  return runPlanned({ ...o, notes }, { cells: o.shard ? shardOf(cells, o.shard) : cells, total: cells.length, plan, sweep }, events);
}
