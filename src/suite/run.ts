import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { datasetEntry, loadDataset } from '../datasets/registry.js';
import { isSourceUri } from '../datasets/sources.js';
import { makeSplit } from '../datasets/split.js';
import type { Split } from '../datasets/types.js';
import type { BackendChoice } from '../deep/backend-choice.js';
import { parameterError, UsageError } from '../errors.js';
import { DEFAULT_CONVERSION, type Conversion } from '../meter/carbon.js';
import { measureIdle, sensorsFor, sensorsUsed, type IdleBaseline, type SensorOptions, type SensorSet } from '../meter/sensors.js';
import { pointLabel } from '../results/cells.js';
import { collectEnvironment } from '../results/environment.js';
import { SCHEMA_VERSION, type ResultEntry, type RunRecord } from '../results/schema.js';
import { RUNS_DIR, writeRecord } from '../results/store.js';
import { createJournal, resumeJournal, type OpenJournal, type Plan } from '../results/journal.js';
import { closeServedRunners, DEFAULT_EXTERNAL_TIMEOUT, externalSettings, makeExternalRunner, startServedRunners, type ExternalSpec } from '../runners/external.js';
import { getRunner, runnerNames } from '../runners/registry.js';
import type { Runner } from '../runners/types.js';
import { calibrate } from './calibrate.js';
import { entryOf } from './entry.js';
import { getSuite, type SuiteEntry } from './suites.js';
import { meteredTrain, type Trained } from './window.js';

export interface RunOptions {
  readonly suite: string;
  readonly datasets?: readonly string[];
  readonly runners?: readonly string[];
  readonly repeats?: number;
  readonly seed: number;
  readonly backend: BackendChoice;
  readonly epochs?: number;
  /**
   * Runners' own settings by runner and parameter name (e.g. { cnn: { arch: 'large' } },
   * { lasso: { alpha: 1e-3 } }), checked against each runner's settings schema before any training.
   */
  readonly settings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Split sizes for every cell instead of the suite's (--train-size and friends); what is not given stays the suite's. */
  readonly sizes?: { readonly trainSize?: number; readonly validationSize?: number; readonly testSize?: number };
  readonly resultsDir: string;
  readonly conversion?: Conversion;
  readonly argv?: readonly string[];
  /** External training commands run as runners beside the suite's own (see runners/external.ts). */
  readonly externals?: readonly ExternalSpec[];
  /** Facts about the run worth a line in the report (a peer that was not available, say). */
  readonly notes?: readonly string[];
  /** Read RAPL and nvidia-smi where present (default true); false: estimates only. */
  readonly sensors?: boolean | SensorOptions;
  /** Seconds of idle sampling before the suite, when a sensor is present (default 5). */
  readonly idleSeconds?: number;
  /** One thread budget for every runner of the comparison (default 1; see RunnerOptions.threads). */
  readonly threads?: number;
  /** Run only slice index (1-based) of count of the planned cells, for a CI matrix. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Continue an unfinished run of the same plan: true = the newest, a string = that id. */
  readonly resume?: boolean | string;
  /** External runners are stopped after this many seconds (default 3600). */
  readonly externalTimeoutSeconds?: number;
  /** Stop at the first failing cell (default: record it as failed and go on with the others). */
  readonly failFast?: boolean;
}

/** Progress and notices go here (stderr in the CLI), never to stdout. */
export interface RunEvents {
  notice?(message: string): void;
  progress?(label: string, done: number, total: number): void;
  cellDone?(entry: ResultEntry): void;
  cellFailed?(key: string, reason: string): void;
}

/** A sweep's point: the value of each axis (trainSize, cnn.arch, lasso.alpha, epochs, ...). */
export type Point = Readonly<Record<string, number | string>>;

export interface PlannedCell extends SuiteEntry {
  readonly repeat: number;
  readonly seed: number;
  /** Sweeps: the point this cell belongs to, and the runners' settings there (else the run's). */
  readonly point?: Point;
  readonly settings?: RunOptions['settings'];
  /** Its place in the whole plan (all shards): a merge puts the shards' results back in this order. */
  readonly index: number;
}

/** Validates every option before any work, so bad input writes nothing. */
export function planRun(o: RunOptions): PlannedCell[] {
  const suite = getSuite(o.suite);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw parameterError('seed', ` must be an integer in [0, 4294967295], got ${o.seed}`);
  }
  const repeats = o.repeats ?? suite.repeats;
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1)) throw parameterError('threads', ` must be a positive integer, got ${o.threads}`);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > MAX_REPEATS) throw parameterError('repeats', ` must be an integer in [1, ${MAX_REPEATS}], got ${repeats}`);
  if (o.epochs !== undefined && (!Number.isInteger(o.epochs) || o.epochs < 1)) {
    throw parameterError('epochs', ` must be a positive integer, got ${o.epochs}`);
  }
  // source URIs go by their names from here on (records, tables and plots take names)
  const datasets = o.datasets?.map((d) => datasetEntry(d).name);
  const externals = o.externals ?? [];
  const externalNames = externals.map((e) => e.name);
  for (const name of externalNames) {
    if (runnerNames().includes(name)) throw parameterError('externals.name', `: "${name}" is a built-in runner's name`);
  }
  if (new Set(externalNames).size !== externalNames.length) throw parameterError('externals.name', ': two external runners share a name');
  o.runners?.forEach((r) => plannedRunner(r, externals));
  checkWritableDir(o.resultsDir);
  // a dataset the suite does not hold (the user's own source, or a built-in one of another
  // suite) runs the suite's runners of its task, each with its settings on the suite's first
  // dataset of that task, on the dataset's own sizes
  const suiteEntries = [...suite.entries];
  for (const source of o.datasets ?? []) {
    const e = datasetEntry(source);
    if (suite.entries.some((x) => x.dataset === e.name)) continue;
    const model = suite.entries.find((x) => datasetEntry(x.dataset).task === e.task)?.dataset;
    if (!model) throw parameterError('datasets', ` ${source}: suite "${suite.name}" has no ${e.task} runners`);
    for (const x of suite.entries.filter((y) => y.dataset === model)) {
      suiteEntries.push({ ...x, dataset: e.name, trainSize: e.trainSize, validationSize: e.validationSize, testSize: e.testSize });
    }
  }
  // a runner the suite does not hold (a plug-in's, or a built-in one of another task's entries)
  // runs on each of the suite's datasets of its task, with the sizes the suite gives them
  for (const name of (o.runners ?? []).filter((r) => !externalNames.includes(r) && !suiteEntries.some((e) => e.runner === r))) {
    const task = getRunner(name).task;
    for (const dataset of new Set(suiteEntries.map((e) => e.dataset))) {
      const like = suiteEntries.find((e) => e.dataset === dataset);
      if (like && datasetEntry(dataset).task === task) suiteEntries.push({ dataset, runner: name, trainSize: like.trainSize, validationSize: like.validationSize, testSize: like.testSize });
    }
  }
  // every external runs on each dataset of its task in the suite, with the CNN's epochs (detectors: their own)
  const withExternals = [...suiteEntries];
  for (const dataset of new Set(suiteEntries.map((e) => e.dataset))) {
    const like = suiteEntries.find((e) => e.dataset === dataset && e.epochs !== undefined) ?? suiteEntries.find((e) => e.dataset === dataset);
    if (!like) continue;
    const task = datasetEntry(dataset).task;
    for (const x of externals.filter((e) => (e.task ?? 'classification') === task)) {
      withExternals.push({ dataset, runner: x.name, trainSize: like.trainSize, validationSize: like.validationSize, testSize: like.testSize, epochs: like.epochs });
    }
  }
  const entries = withExternals
    .filter((e) => (!datasets || datasets.includes(e.dataset)) && (!o.runners || o.runners.includes(e.runner) || externalNames.includes(e.runner)))
    // sizes given for the run replace the suite's in every cell (the split checks them against each dataset)
    .map((e) => ({ ...e, ...o.sizes }));
  if (entries.length === 0) {
    const mismatch = (o.runners ?? []).map((r) => plannedRunner(r, externals)).find((r) => (o.datasets ?? []).some((d) => datasetEntry(d).task !== r.task));
    throw mismatch
      ? parameterError('runners', ` ${mismatch.name} is a ${mismatch.task} runner; the datasets ${o.datasets?.join(',')} need ${o.datasets?.map((d) => datasetEntry(d).task).join('/')} runners`)
      : parameterError('datasets', `/runners: nothing of suite "${suite.name}" is selected`);
  }
  checkSettings(o.settings, [...new Set(entries.map((e) => e.runner))], externals);
  if (o.sizes) checkSizes(entries);
  for (const e of entries) {
    const available = datasetEntry(e.dataset).available();
    if (!available.ok) throw parameterError('datasets', ` ${e.dataset}: ${available.reason}`);
  }
  // beside a native deep-learning peer of the same task, the tfjs runners enter no claim (see Suite.repeatsBesidePeer)
  const peerTasks = new Set(externals.filter((x) => x.family === 'deep').map((x) => x.task ?? 'classification'));
  // a cheap cell may repeat more (SuiteEntry.repeats); the deep-learning externals of its dataset as often
  const cheapOn = (dataset: string): number => Math.max(repeats, ...suiteEntries.filter((e) => e.dataset === dataset).map((e) => e.repeats ?? repeats));
  const repeatsOf = (e: SuiteEntry): number => {
    if (o.repeats !== undefined) return repeats;
    const external = externals.find((x) => x.name === e.runner);
    const r = external ? { family: external.family, task: external.task ?? 'classification' } : getRunner(e.runner);
    if (r.family !== 'deep') return e.repeats ?? repeats;
    // the deep-learning side: as often as the most-repeated sparse cell it pairs with, except the
    // tfjs runners beside a native peer of their task, which enter no claim
    const besidePeer = !external && suite.repeatsBesidePeer !== undefined && peerTasks.has(r.task);
    return besidePeer ? Math.min(repeats, suite.repeatsBesidePeer ?? repeats) : cheapOn(e.dataset);
  };
  const most = Math.max(...entries.map(repeatsOf));
  if (most > MAX_REPEATS) throw new UsageError(`the suite's cheap cells repeat ${most} times, more than ${MAX_REPEATS}`);
  const cells: Omit<PlannedCell, 'index'>[] = [];
  for (let repeat = 0; repeat < most; repeat++) {
    // every runner of one repeat shares one seed, hence one split, and runs before the next
    // seed starts, so that drift of the machine hits both sides of a pair alike
    // --epochs sets the CNN's epochs; detectors keep their own (an autoencoder needs ~100)
    for (const e of entries) {
      if (repeat >= repeatsOf(e)) continue;
      cells.push({ ...e, epochs: e.epochs === undefined ? undefined : (o.epochs ?? e.epochs), repeat, seed: o.seed + repeat });
    }
  }
  const indexed = cells.map((c, index) => ({ ...c, index }));
  return o.shard ? shardOf(indexed, o.shard) : indexed;
}

/** Slice `index` of `count` of a deterministic plan, round-robin: every shard gets a mix of runners (and of a sweep's points). */
export function shardOf<T>(cells: readonly T[], shard: { readonly index: number; readonly count: number }): T[] {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw parameterError('shard', ` must be I/N with 1 <= I <= N, got ${index}/${count}`);
  }
  const mine = cells.filter((_, k) => k % count === index - 1);
  if (mine.length === 0) throw parameterError('shard', ` ${index}/${count}: this shard has no cells (the plan has ${cells.length})`);
  return mine;
}

/**
 * Sizes given for the run (--train-size and friends) against each dataset's images, before
 * any training: the dataset is loaded here (runSuite reuses it), and a split asking more than
 * it holds is an error naming the flags.
 */
function checkSizes(entries: readonly SuiteEntry[]): void {
  for (const e of entries) {
    const d = datasetEntry(e.dataset);
    if (!d.available().ok) continue;
    const n = loadDataset(e.dataset).y.length;
    const asked = e.trainSize + e.validationSize + e.testSize;
    if (asked > n) throw parameterError('sizes', `: ${e.dataset} has ${n} images; train ${e.trainSize} + validation ${e.validationSize} + test ${e.testSize} = ${asked} is too many`);
  }
}

/** Each runner's settings against its own schema, before any training: errors name runner.parameter. */
function checkSettings(settings: RunOptions['settings'], runners: readonly string[], externals: readonly ExternalSpec[]): void {
  for (const [name, values] of Object.entries(settings ?? {})) {
    if (!runners.includes(name)) throw new UsageError(`settings ${name}: ${name} is not a runner of this run (${runners.join(', ')})`);
    // an external's schema comes from its spec alone: a peer's command is not looked for while planning
    const external = externals.find((x) => x.name === name);
    const schema = external ? externalSettings(external) : getRunner(name).settings;
    if (!schema) throw new UsageError(`settings ${name}: this runner takes no settings`);
    const parsed = schema.safeParse(values);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = [...issue.path, ...('keys' in issue && Array.isArray(issue.keys) ? issue.keys : [])].join('.');
      throw new UsageError(`settings ${name}${path ? `.${path}` : ''}: ${issue.message}`);
    }
  }
}

/**
 * What planning needs of a runner (its name, family and task), an external's from its spec
 * alone: a peer's command is only looked for after the plan is checked (peers.ts, peerPlan).
 */
function plannedRunner(name: string, externals: readonly ExternalSpec[]): Pick<Runner, 'name' | 'family' | 'task'> {
  const x = externals.find((e) => e.name === name);
  return x ? { name: x.name, family: x.family, task: x.task ?? 'classification' } : getRunner(name);
}

/** A built-in runner, or one of the external commands by its name. */
export function resolveRunner(name: string, externals: readonly ExternalSpec[] = []): Runner {
  const x = externals.find((e) => e.name === name);
  return x ? makeExternalRunner(x) : getRunner(name);
}

/**
 * The results directory must be a directory we can write, or creatable under one.
 * Checked by creating and removing a probe file, since access(2) says yes to root
 * even where a write would fail (procfs, read-only mounts).
 */
export function checkWritableDir(dir: string, flag = 'resultsDir'): void {
  // an empty path would mean the current directory: never what was meant
  if (dir.trim() === '') throw parameterError(flag, ': empty path');
  const abs = resolve(dir);
  let existing = abs;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw parameterError(flag, existing === abs ? ` ${dir}: exists and is not a directory` : ` ${dir}: ${existing} is not a directory`);
  }
  const probe = join(existing, `.sparsebench-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw parameterError(flag, existing === abs ? ` ${dir}: not writable (${why})` : ` ${dir}: cannot create it under ${existing} (${why})`);
  }
}

/** Most repeats a run may plan: beyond it a typo, not a study (each repeat trains every cell). */
export const MAX_REPEATS = 1000;

/** The arguments that make a run's plan: a journal is resumed only under the same ones. */
export function planOf(o: RunOptions): Plan {
  return {
    suite: o.suite,
    datasets: o.datasets ?? null,
    runners: o.runners ?? null,
    repeats: o.repeats ?? null,
    seed: o.seed,
    epochs: o.epochs ?? null,
    settings: o.settings ?? null,
    sizes: o.sizes ?? null,
    backend: o.backend,
    threads: o.threads ?? 1,
    externals: (o.externals ?? []).map((x) => ({ name: x.name, command: x.command, family: x.family, task: x.task ?? 'classification' })),
    shard: o.shard ?? null,
    sensors: o.sensors !== false,
  };
}

export const cellKey = (c: { dataset: string; runner: string; seed: number; repeat: number; point?: Point }): string =>
  `${c.dataset}/${c.runner}/seed ${c.seed}/repeat ${c.repeat}${c.point ? `/${pointLabel(c.point)}` : ''}`;


/** What a sweep adds to a run: its axes, and splits whose test and validation sets do not move with the training size. */
export interface SweepPlan {
  readonly axes: readonly { readonly name: string; readonly values: readonly (number | string)[] }[];
}

/** A run that stopped with its finished cells journaled: one line, exit 1, how to go on. */
export class RunInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunInterrupted';
  }
}

/**
 * Runs a suite: every planned cell trains inside its own meter window on a split shared by
 * all runners of that repeat, and is journaled the moment it finishes; the record is
 * assembled from the journal at the end, written atomically, and the journal removed.
 * A cell whose trainer fails is journaled as failed and the run goes on (unless
 * `failFast`); the record then lists the failures and the journal stays for --resume.
 * `resume`: continue the newest unfinished run of the same plan (or the one named).
 */
export async function runSuite(o: RunOptions, events: RunEvents = {}): Promise<{ record: RunRecord; path: string }> {
  const all = planRun({ ...o, shard: undefined });
  return runPlanned(o, { cells: o.shard ? shardOf(all, o.shard) : all, total: all.length, plan: planOf(o) }, events);
}

/** A plan's fingerprint, its shard left out: the shards of one run share it, and merge refuses others. */
export function planHash(plan: Plan): string {
  const { shard: _shard, ...rest } = plan;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** What runPlanned runs: this process's cells (a shard's slice), how many the whole plan has, and what a resume must match. */
export interface Planned {
  readonly cells: readonly PlannedCell[];
  readonly total: number;
  readonly plan: Plan;
  /** Set for a sweep: its axes, and splits whose test and validation sets stay put. */
  readonly sweep?: SweepPlan;
}

/** Runs planned cells (a suite's, or a sweep's points one after another) through the journal. */
export async function runPlanned(o: RunOptions, planned: Planned, events: RunEvents = {}): Promise<{ record: RunRecord; path: string }> {
  const { cells, plan } = planned;
  const conversion = o.conversion ?? DEFAULT_CONVERSION;
  const resumed = o.resume === undefined || o.resume === false ? undefined : resumeJournal(o.resultsDir, plan, o.resume === true ? undefined : o.resume);
  if (o.resume !== undefined && o.resume !== false) {
    events.notice?.(resumed ? `resuming ${resumed.header.id}: ${resumed.done.size} of ${resumed.header.cells.length} cells already finished` : 'no unfinished run of this plan to resume: starting a new one');
  }
  const todo = cells.filter((c) => !resumed?.done.has(cellKey(c)));
  // Start every runner's machinery (the tfjs backend) before any training, so an
  // unavailable --backend fails fast, and say which backend runs and why.
  for (const name of new Set(todo.map((c) => c.runner))) {
    const prepared = await resolveRunner(name, o.externals).prepare?.({ backend: o.backend });
    if (!prepared) continue;
    events.notice?.(`${name}: ${prepared.summary}`);
    for (const w of prepared.warnings) events.notice?.(`WARNING: ${w}`);
  }
  const sensors = await sensorsFor(o.sensors);
  const createdAt = new Date();
  const made = [join(o.resultsDir, RUNS_DIR), o.resultsDir].filter((d) => !existsSync(d));
  const journal =
    resumed ??
    createJournal(o.resultsDir, {
      kind: 'plan',
      id: `${createdAt.toISOString().replace(/[:.]/g, '-')}-${o.suite}-${process.pid}`,
      createdAt: createdAt.toISOString(),
      plan,
      cells: cells.map(cellKey),
    });
  try {
    return await runCells(o, planned, journal, conversion, events, sensors);
  } catch (err) {
    if (journal.done.size === 0 && !resumed) {
      // nothing finished: leave nothing behind, not even the directories this run made
      journal.remove();
      for (const d of made) {
        try {
          rmdirSync(d);
        } catch {
          // not empty: someone else's files
        }
      }
    }
    else if (err instanceof UsageError || err instanceof RunInterrupted) {
      const kept = `${err.message}; the ${journal.done.size} finished cell${journal.done.size === 1 ? ' is' : 's are'} kept in ${journal.path}: run the same command with --resume to go on`;
      throw err instanceof UsageError ? new UsageError(kept, err.parameter) : new RunInterrupted(kept);
    }
    throw err;
  } finally {
    journal.release();
    await closeServedRunners();
    await sensors.close();
  }
}

async function runCells(
  o: RunOptions,
  { cells, total, sweep }: Planned,
  journal: OpenJournal,
  conversion: Conversion,
  events: RunEvents,
  sensors: SensorSet,
): Promise<{ record: RunRecord; path: string }> {
  const splits = new Map<string, Split>();
  const threads = o.threads ?? 1;
  const offClockThreads = evaluationThreads(threads);
  // the served trainers this run will ask, started side by side before anything is measured
  const pending = new Set(cells.filter((c) => !journal.done.has(cellKey(c))).map((c) => c.runner));
  await startServedRunners((o.externals ?? []).filter((e) => pending.has(e.name)), threads, o.externalTimeoutSeconds);
  const calibration = calibrate();
  events.notice?.(`calibration: ${calibration.seconds.toFixed(3)} s (${calibration.workload})`);
  for (const why of sensors.unavailable) events.notice?.(`energy: ${why}`);
  let idle: IdleBaseline | undefined;
  if (sensors.rapl || sensors.nvidia) {
    const seconds = o.idleSeconds ?? 5;
    events.notice?.(`measuring idle power for ${seconds} s before the suite`);
    idle = await measureIdle(sensors, seconds);
  }
  for (const cell of cells) {
    if (journal.done.has(cellKey(cell))) continue;
    const key = `${cell.dataset}/${cell.trainSize}/${cell.validationSize}/${cell.testSize}/${cell.seed}`;
    let split = splits.get(key);
    if (!split) {
      const sizes = { trainSize: cell.trainSize, validationSize: cell.validationSize, testSize: cell.testSize, seed: cell.seed };
      split = makeSplit(loadDataset(cell.dataset), sweep ? { ...sizes, evaluationFirst: true } : sizes);
      splits.set(key, split);
    }
    // one split at a time in memory: cells of a seed are adjacent in the plan
    for (const k of splits.keys()) if (k !== key) splits.delete(k);
    const runner = resolveRunner(cell.runner, o.externals);
    const label = `${cell.dataset}/${cell.runner}#${cell.repeat}${cell.point ? ` (${pointLabel(cell.point)})` : ''}`;
    let trained: Trained;
    try {
      trained = await meteredTrain(
        runner,
        split,
        { epochs: cell.epochs, settings: (cell.settings ?? o.settings)?.[cell.runner], threads, evaluationThreads: offClockThreads, externalTimeoutSeconds: o.externalTimeoutSeconds },
        cell.seed,
        o.backend,
        (done, total, what) => events.progress?.(`${label} ${what}`, done, total),
        sensors,
        idle,
      );
    } catch (err) {
      // one failing trainer must not cost the other cells: it is journaled as failed, with why
      if (o.failFast || !(err instanceof Error) || err instanceof RunInterrupted) throw err;
      const reason = err instanceof UsageError ? err.message : `${err.name}: ${err.message}`;
      journal.fail(cellKey(cell), reason);
      events.cellFailed?.(cellKey(cell), reason);
      continue;
    }
    const entry = entryOf({ ...cell, family: runner.family }, split, trained, { calibrationSeconds: calibration.seconds, threads, conversion });
    const journaled = { ...entry, ...(cell.point ? { point: { ...cell.point } } : {}), ...(o.shard ? { planIndex: cell.index } : {}) };
    journal.append(cellKey(cell), journaled);
    events.cellDone?.(journaled);
  }
  // in plan order, whichever process trained each cell
  const results = cells.filter((c) => journal.done.has(cellKey(c))).map((c) => journal.done.get(cellKey(c)) as ResultEntry);
  const failures = cells
    .filter((c) => journal.failed.has(cellKey(c)))
    .map((c) => ({ dataset: c.dataset, runner: c.runner, seed: c.seed, repeat: c.repeat, ...(c.point ? { point: { ...c.point } } : {}), reason: journal.failed.get(cellKey(c)) as string }));
  if (results.length === 0) {
    throw new UsageError(failures.length === 1 ? failures[0].reason : `all ${failures.length} cells failed: ${failures.map((f) => `${cellKey(f)}: ${f.reason}`).join('; ')}`);
  }
  const sourcesRead = (o.datasets ?? []).filter(isSourceUri).map((uri) => {
    const d = loadDataset(uri);
    return {
      name: datasetEntry(uri).name,
      source: d.source,
      samples: d.y.length,
      ...(d.images ? { originalSizes: d.images.originalSizes.map((x) => ({ ...x })) } : {}),
      skipped: (d.skipped ?? []).map((x) => ({ ...x })),
    };
  });
  const record: RunRecord = {
    schemaVersion: SCHEMA_VERSION,
    id: journal.header.id,
    createdAt: journal.header.createdAt,
    suite: o.suite,
    seed: o.seed,
    repeats: cells.reduce((m, c) => Math.max(m, c.repeat + 1), 0),
    argv: [...(o.argv ?? [])],
    environment: collectEnvironment(),
    conversion: { ...conversion },
    notes: [
      ...(o.notes ?? []),
      ...((o.threads ?? 1) > 1
        ? [`--threads ${o.threads}: external runners and the PyTorch peers were given ${o.threads} threads, the dictionary runner codes its patches and the sparse detector scores its images on ${o.threads} threads (their learning and classifiers, the LASSO runner and tfjs-wasm run on one), so the claims judge speed on CPU time where the core counts differ`]
        : []),
      ...(offClockThreads > threads
        ? [`the learning curves' scoring of validation images, outside every measured window, ran on ${offClockThreads} threads where a runner can split it (dictionary coding, sparse-detector scoring): no measured figure depends on it`]
        : []),
      ...((o.externals ?? []).length
        ? [`external runners ran without a shell, each stopped (with its process group) after --external-timeout ${o.externalTimeoutSeconds ?? DEFAULT_EXTERNAL_TIMEOUT} s`]
        : []),
      ...(o.resume ? ['resumed from its journal: some cells were trained by an earlier process (each keeps its own calibration)'] : []),
    ],
    sensors: sensorsUsed(sensors),
    ...(idle ? { idle: { seconds: idle.seconds, watts: { ...idle.watts }, method: idle.method } } : {}),
    calibration,
    ...(o.shard ? { shard: { ...o.shard, plan: planHash(journal.header.plan), planCells: total } } : {}),
    ...(sweep ? { sweep: { axes: sweep.axes.map((a) => ({ name: a.name, values: [...a.values] })) } } : {}),
    ...(sourcesRead.length ? { datasets: sourcesRead } : {}),
    results,
    ...(failures.length ? { failures } : {}),
  };
  let path: string;
  try {
    path = writeRecord(o.resultsDir, record);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new RunInterrupted(`cannot write the record under ${o.resultsDir} (${why})`);
  }
  // with failed cells the journal stays: --resume retrains them and rewrites this record
  if (failures.length === 0) journal.remove();
  return { record, path };
}

/**
 * Threads for the work a runner does outside every window (the learning curve's scoring of
 * validation images): every core, since nothing measured runs meanwhile; never fewer than the
 * training budget.
 */
export function evaluationThreads(threads: number): number {
  return Math.max(threads, availableParallelism());
}
