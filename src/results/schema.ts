import { z } from 'zod';

/** Bump when a field changes meaning; readers say clearly which versions they accept. */
export const SCHEMA_VERSION = 1;

const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const curvePointSchema = z.object({
  seconds: z.number().nonnegative(),
  cpuSeconds: z.number().nonnegative(),
  metric: z.number(),
  step: z.number(),
});

export const energySchema = z.object({
  joules: z.number().nonnegative(),
  method: z.string().regex(/^(measured|estimated):[a-z0-9+-]+$/, 'method must be measured:<sensors> or estimated:<model>'),
  components: z.object({ cpu: z.number(), dram: z.number(), gpu: z.number() }),
  componentMethods: z.object({ cpu: z.string(), dram: z.string(), gpu: z.string() }).optional(),
  idleJoules: z.number().optional(),
  netJoules: z.number().optional(),
  /** Per component: the idle draw over the window's seconds (measured components only), and gross - idle. */
  idleComponents: z.object({ cpu: z.number(), dram: z.number(), gpu: z.number() }).optional(),
  netComponents: z.object({ cpu: z.number(), dram: z.number(), gpu: z.number() }).optional(),
  flags: z.array(z.string()).optional(),
  samples: z.number().int().nonnegative(),
  uncertainty: z.object({ low: z.number(), high: z.number(), relative: z.number() }),
  constants: z
    .object({
      cpuWattsPerCore: z.number(),
      cpuWattsSource: z.string(),
      dramWattsPerGb: z.number(),
      dramWattsSource: z.string(),
      relativeUncertainty: z.number(),
    })
    .optional(),
});

export const backendSchema = z.object({
  requested: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']),
  name: z.enum(['tensorflow', 'wasm', 'cpu']),
  tfjsVersion: z.string(),
  reason: z.string(),
  simd: z.boolean().optional(),
  threads: z.number().optional(),
  customKernels: z.array(z.string()),
  warnings: z.array(z.string()),
});

const heatmapsSchema = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  scale: z.string(),
  /** absent: plain base64 bytes; deflate: deflated, then base64. */
  encoding: z.literal('deflate').optional(),
  items: z.array(z.object({ testIndex: z.number().int(), group: z.string(), kind: z.string(), image: z.string(), mask: z.string(), heat: z.string() })),
});

/** Runner and dataset names reach tables, plots and file names: a fixed pattern (no newline, no HTML). */
const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, ".", "_" or "-"');

/** A sweep's point: each axis's value (trainSize, cnn.arch, lasso.alpha, epochs). */
export const pointSchema = z.record(z.string(), z.union([z.number(), z.string()]));

export const resultSchema = z.object({
  dataset: NAME,
  runner: NAME,
  family: z.enum(['deep', 'sparse']),
  repeat: z.number().int().nonnegative(),
  seed: z.number().int(),
  /** validation: images held out for the curve (absent: records before it, whose curves read test). */
  split: z.object({ train: z.number().int(), validation: z.number().int().optional(), test: z.number().int(), seed: z.number().int() }),
  /** Test accuracy, or what metricName says (a detector's image AUROC); the curve reads validation. */
  accuracy: z.number().min(0).max(1),
  metricName: z.string().optional(),
  heatmaps: heatmapsSchema.optional(),
  curve: z.array(curvePointSchema),
  /** The runner's own figures; `flops` and `pfsDays` are the harness's (the training window's count, or the runner's analytic figure). */
  metrics: z.record(z.string(), z.number()),
  config: z.record(z.string(), z.union([scalar, z.array(scalar)])),
  backend: backendSchema.optional(),
  /** External trainers: the framework and threads they reported (absent in older records: config.framework, metrics.threads; see results/fields.ts). */
  runtime: z.object({ framework: z.string(), threads: z.number().optional() }).optional(),
  /** Sweeps: the point this result belongs to (absent: a run at the suite's one operating point). */
  point: pointSchema.optional(),
  /** Sharded runs: the cell's place in the whole plan, so a merge restores the unsharded order. */
  planIndex: z.number().int().nonnegative().optional(),
  measurement: z.object({
    seconds: z.number().nonnegative(),
    cpuSeconds: z.number().nonnegative(),
    pausedSeconds: z.number().nonnegative(),
    peakRssBytes: z.number().nonnegative(),
    /** How the peak was obtained (absent: records before per-window peaks, this process's resident set at the window's samples). */
    peakRssMethod: z.string().optional(),
    note: z.string().optional(),
    /** The run's calibration time on the machine that trained this (shards may differ). */
    calibrationSeconds: z.number().positive().optional(),
    /** The thread budget the runner was given (--threads); cores used = cpuSeconds / seconds. */
    threads: z.number().int().positive().optional(),
  }),
  energy: energySchema,
  converted: z.object({ kwh: z.number(), kwhWithPue: z.number(), co2eKg: z.number(), costUsd: z.number() }),
  /** Inference of the trained model on `items` test items, in a window of its own (absent: not measured, e.g. external runners). */
  inference: z
    .object({
      items: z.number().int().positive(),
      seconds: z.number().nonnegative(),
      cpuSeconds: z.number().nonnegative(),
      joules: z.number().nonnegative(),
      method: z.string(),
      /** One item at a time: `items` single predictions, each timed alone (batch throughput is the figures above). */
      latency: z.object({ items: z.number().int().positive(), medianSeconds: z.number().nonnegative(), p95Seconds: z.number().nonnegative(), source: z.string() }).optional(),
    })
    .optional(),
});

export const environmentSchema = z.object({
  cpuModel: z.string(),
  logicalCores: z.number().int(),
  memoryBytes: z.number(),
  platform: z.string(),
  arch: z.string(),
  osRelease: z.string(),
  node: z.string(),
  v8: z.string(),
  tfjs: z.string(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  hostname: z.string(),
});

export const runRecordSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Also the record's file name: a fixed pattern, so no id can name a path outside runs/. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'id must be letters, digits, ".", "_" or "-" (it names the record\'s file)'),
  createdAt: z.string(),
  suite: z.string(),
  seed: z.number().int(),
  repeats: z.number().int().positive(),
  argv: z.array(z.string()),
  environment: environmentSchema,
  conversion: z.object({ pue: z.number(), gCo2ePerKwh: z.number(), usdPerKwh: z.number(), intensitySource: z.string().optional() }),
  notes: z.array(z.string()).default([]),
  sensors: z.object({ used: z.array(z.string()), unavailable: z.array(z.string()) }).default({ used: [], unavailable: ['not recorded (schema 1 before sensors)'] }),
  idle: z.object({ seconds: z.number(), watts: z.object({ cpu: z.number(), dram: z.number(), gpu: z.number() }), method: z.string() }).optional(),
  /** The fixed workload's time on this machine in this run (see suite/calibrate.ts). */
  calibration: z.object({ seconds: z.number().positive(), workload: z.string() }).optional(),
  /** Set on the records of a sharded run: this record holds slice `index` of `count`. */
  shard: z
    .object({
      index: z.number().int().positive(),
      count: z.number().int().positive(),
      /** The plan's fingerprint (all shards of one run share it) and its cell count (absent: records before them). */
      plan: z.string().optional(),
      planCells: z.number().int().positive().optional(),
    })
    .optional(),
  /** Set on a sweep's record: the axes, in the order their values vary (results carry their point). */
  sweep: z.object({ axes: z.array(z.object({ name: z.string(), values: z.array(z.union([z.number(), z.string()])) })) }).optional(),
  /** The user's own sources this run read (built-in datasets are named by the results alone): where from, the images' sizes before resizing, and what was left out as bad (--skip-bad). */
  datasets: z
    .array(
      z.object({
        name: NAME,
        source: z.string(),
        samples: z.number().int().nonnegative(),
        originalSizes: z.array(z.object({ width: z.number().int(), height: z.number().int(), count: z.number().int().positive() })).optional(),
        skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
      }),
    )
    .optional(),
  results: z.array(resultSchema),
  /** Cells that failed (their trainer exited non-zero, timed out or printed nonsense), with the reason; absent: none failed. */
  failures: z
    .array(z.object({ dataset: NAME, runner: NAME, seed: z.number().int(), repeat: z.number().int().nonnegative(), point: pointSchema.optional(), reason: z.string() }))
    .optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
export type ResultEntry = z.infer<typeof resultSchema>;
export type Environment = z.infer<typeof environmentSchema>;
