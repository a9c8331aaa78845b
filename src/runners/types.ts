import type { z } from 'zod';
import type { Split } from '../datasets/types.js';
import type { BackendChoice, BackendInfo } from '../deep/backend-choice.js';
import type { ChildUsage } from '../meter/child.js';
import type { Heatmaps } from '../detect/evaluate.js';

/** One point of a learning curve: test metric after `seconds` of training (evaluation excluded). */
export interface CurvePoint {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly metric: number;
  /** Epoch, path index or pass at which the point was taken. */
  readonly step: number;
}

export type Scalar = number | string | boolean | null;

/** What a runner's final figure is: classifiers report test accuracy, detectors image AUROC. */
export const TEST_ACCURACY = 'test accuracy';
export const IMAGE_AUROC = 'image AUROC (mean over textures)';
export type MetricName = typeof TEST_ACCURACY | typeof IMAGE_AUROC;

/** The framework that trained outside this process (external runners), as the trainer reported it. */
export interface Runtime {
  readonly framework: string;
  /** The threads the trainer says it used. */
  readonly threads?: number;
}

/**
 * What a runner returns. Everything the harness itself reads is a typed field; `metrics` and
 * `config` are the runner's own figures and settings, recorded as they are.
 */
export interface RunnerOutput {
  /** The final model's quality on the test images. */
  readonly metric: { readonly name: MetricName; readonly value: number };
  /** Detectors: heat maps of a few test images, for the report's plots. */
  readonly heatmaps?: Heatmaps;
  readonly curve: readonly CurvePoint[];
  /** Runner-specific figures (nonzeros, passes, parameters, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Everything needed to rerun: the effective configuration. */
  readonly config: Readonly<Record<string, Scalar | readonly Scalar[]>>;
  /**
   * Training FLOPs where the runner knows them analytically (tfjs models, whose kernels count
   * nothing). Absent: the measurement window's count of the sparse kernels is recorded (the
   * harness's, evaluation excluded), or nothing where it counted none (external trainers).
   */
  readonly flops?: number;
  /** Set by deep-learning runners: which tfjs backend ran, and why. */
  readonly backend?: BackendInfo;
  /** Set by external runners: the framework that trained, as it reported it. */
  readonly runtime?: Runtime;
  /** Inference timed by the runner itself (external trainers), where the harness's window cannot see it. */
  readonly inference?: {
    readonly items: number;
    readonly seconds: number;
    readonly cpuSeconds: number;
    readonly source: string;
    readonly latency?: { readonly items: number; readonly medianSeconds: number; readonly p95Seconds: number; readonly source: string };
  };
}

/** Test items a classifier predicts one at a time for its single-item latency. */
export const LATENCY_ITEMS = 100;

/** What the harness gives a runner besides the data. */
export interface RunnerHooks {
  readonly seed: number;
  readonly backend: BackendChoice;
  /** Active (unpaused) training time so far. */
  elapsed(): { seconds: number; cpuSeconds: number };
  /** Runs work that is not training (evaluation, exporting data) outside the measured window; `fn` may return a promise (the window resumes when it settles). */
  untimed<T>(fn: () => T): T;
  /**
   * Runs inference of the trained model on `items` test items in a measurement window of its
   * own (outside training): its seconds, CPU seconds and energy become the record's inference
   * cost. Several calls add up (feature extraction, then prediction). `fn` may return a
   * promise (work on the coding pool's threads): the window then closes when it settles.
   */
  inference<T>(fn: () => T, items: number): T;
  /**
   * Single-item latency of the trained model: `predictOne(i)` classifies test item i alone;
   * it runs `count` times outside the training window, each call timed on its own after a
   * few untimed warm-up calls, and the median and 95th percentile are recorded.
   */
  latency(predictOne: (i: number) => void, count: number): void;
  /** The training ran in a child process: the meter charges what it used (see Meter.attributeChild). */
  childUsage(usage: ChildUsage, trainSeconds?: number, trainCpuSeconds?: number): void;
  /** Progress of the training loop; also where the meter samples memory. */
  progress(done: number, total: number, label: string): void;
}

/** What a runner's prepare set up, in words: the run says it before training. */
export interface Prepared {
  /** e.g. "tfjs backend: wasm (SIMD, the fastest available here)". */
  readonly summary: string;
  readonly warnings: readonly string[];
}

/** A tfjs backend's start-up as the run says it. */
export const preparedBackend = (b: BackendInfo): Prepared => ({ summary: `tfjs backend: ${b.name} (${b.reason})`, warnings: b.warnings });

export interface RunnerOptions {
  readonly epochs?: number;
  /**
   * The runner's own settings, by parameter name: what its `settings` schema reads (with its
   * defaults). The harness checked them against that schema before any training.
   */
  readonly settings?: Readonly<Record<string, unknown>>;
  /**
   * The thread budget of the comparison (default 1): external runners get it as {threads}
   * and in OMP/MKL/OpenBLAS variables; our TypeScript kernels and tfjs-wasm use one thread.
   */
  readonly threads?: number;
  /**
   * Threads for work outside every window (scoring validation images for the learning
   * curve; default: `threads`). The harness gives every core: no measured figure changes,
   * only how long a run takes.
   */
  readonly evaluationThreads?: number;
  /** External runners are stopped after this many seconds (default 3600). */
  readonly externalTimeoutSeconds?: number;
}

export type Family = 'deep' | 'sparse';
/** Classification runners train on labelled images; detection runners on defect-free ones only. */
export type Task = 'classification' | 'detection';

export interface Runner {
  readonly name: string;
  readonly family: Family;
  readonly task: Task;
  readonly description: string;
  /**
   * The runner's own settings (a zod object with documented defaults), which a run sets by
   * parameter name (run's settings, the CLI's --cnn-arch): checked once, before any training,
   * errors naming runner.parameter. Absent: the runner takes none.
   */
  readonly settings?: z.ZodType<Readonly<Record<string, unknown>>>;
  /**
   * Heavy set-up that is not training (a backend's start-up): done before the meter starts, so
   * an unavailable backend fails before any cell; what it set up is said to the user.
   */
  prepare?(hooks: Pick<RunnerHooks, 'backend'>): Promise<Prepared | undefined>;
  train(split: Split, options: RunnerOptions, hooks: RunnerHooks): Promise<RunnerOutput>;
}

/**
 * Hooks that meter nothing: every window runs its work at once and the clock reads zero. For
 * calling a runner outside the suite where only its outputs matter (the tuner, tests).
 */
export function plainHooks(seed: number): RunnerHooks {
  return {
    seed,
    backend: 'auto',
    elapsed: () => ({ seconds: 0, cpuSeconds: 0 }),
    untimed: (fn) => fn(),
    inference: (fn) => fn(),
    latency() {},
    childUsage() {},
    progress() {},
  };
}
