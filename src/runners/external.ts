import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { exportSplit } from '../datasets/export.js';
import { parameterError, UsageError } from '../errors.js';
import { cpuBetween, runMetered, type ChildUsage } from '../meter/child.js';
import { ServedFailure, ServedProcess } from '../meter/served.js';
import { errorScores, evaluateDetection, SCORING, type DetectionEvaluation } from '../detect/evaluate.js';
import type { Split } from '../datasets/types.js';
import { validationView } from '../datasets/split.js';
import { gatherRows } from '../util/rows.js';
import { trackDir } from '../util/cleanup.js';
import { splitCommand, substitute } from './argv.js';
import { detectionOutput } from './detection.js';
import { TEST_ACCURACY, type CurvePoint, type Family, type Runner, type RunnerHooks, type RunnerOutput, type Runtime, type Scalar, type Task } from './types.js';

/**
 * A training command run as a runner: split into arguments by splitCommand (no shell), with
 * `{split}`, `{epochs}`, `{seed}` and `{threads}` filled into single arguments; the same
 * values are in its environment as SPARSEBENCH_SPLIT, _EPOCHS, _SEED and _THREADS.
 */
export interface ExternalSpec {
  readonly name: string;
  readonly command: string;
  readonly family: Family;
  /** classification (default): the command reports its accuracy; detection: it writes per-pixel errors that we score. */
  readonly task?: Task;
  /** `{epochs}` when the suite cell sets none (detection cells: the detector's own epoch count). */
  readonly defaultEpochs?: number;
  /** Detection: the image score is this quantile of its patch scores (default SCORING.quantile). */
  readonly imageQuantile?: number;
  /**
   * The same trainer as a server (bench/peers/served.py's protocol, src/meter/served.ts):
   * `start` runs once per run and thread budget, and each repeat is one request
   * {"args": [the words of `args`, fields filled]}, answered by the report line that
   * `command` would print. `command` must be `start` without its serve flag, then `args`.
   */
  readonly served?: { readonly start: string; readonly args: string };
  /**
   * Settings the trainer takes as flags (name -> flag, e.g. learningRate -> --lr): the runner's
   * settings schema accepts them as positive numbers, and a set one is appended as `flag value`
   * (argparse keeps the last of a repeated flag), so a sweep or tuning sets them by name.
   */
  readonly options?: Readonly<Record<string, string>>;
}

/** Seconds an external trainer may run before its process group is stopped (--external-timeout). */
export const DEFAULT_EXTERNAL_TIMEOUT = 3600;

/** One word for --cmd (and a POSIX shell): single quotes, with each ' written as '\''. */
export function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** The one JSON line an external trainer prints last on stdout. */
const reportSchema = z.object({
  accuracy: z.number().min(0).max(1),
  curve: z.array(z.object({ seconds: z.number().nonnegative(), metric: z.number(), step: z.number().optional() })).optional(),
  /** Seconds of training proper (no start-up, no data loading, no evaluation). */
  trainSeconds: z.number().nonnegative().optional(),
  /**
   * The training intervals, [start, end] in epoch seconds (Python's time.time()), evaluation
   * between them excluded: the cell is then charged the CPU its process tree used inside
   * them, not a uniform share of the process's lifetime (start-up runs on one core, training
   * on all it is given).
   */
  trainWindows: z.array(z.tuple([z.number(), z.number()]).refine(([a, b]) => b >= a, 'end before start')).optional(),
  framework: z.string().optional(),
  threads: z.number().optional(),
  msPerStep: z.number().optional(),
  /** The trainer's own timing of inference on the test set (after training). */
  inference: z.object({ seconds: z.number().nonnegative(), items: z.number().int().positive() }).optional(),
  /** The trainer's own single-item latency: `items` predictions of one test item each, timed alone. */
  latency: z.object({ items: z.number().int().positive(), medianSeconds: z.number().nonnegative(), p95Seconds: z.number().nonnegative() }).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

const errorsFile = z.string().regex(/^[\w.-]+$/, 'a file name in the split directory');

/**
 * A detector's JSON line: at each checkpoint, the file (in the split directory) holding the
 * per-pixel squared reconstruction errors of the validation images (the curve), and after
 * training one file of the test images' errors (the reported figure), float32 little-endian
 * in split order; sparsebench scores them exactly as it scores its own detectors.
 */
const detectionReportSchema = reportSchema.omit({ accuracy: true, curve: true }).extend({
  curve: z.array(z.object({ seconds: z.number().nonnegative(), step: z.number(), errors: errorsFile })).min(1),
  testErrors: errorsFile,
});

/** The settings an external trainer takes by name (ExternalSpec.options), as its runner's schema: positive numbers. */
export function externalSettings(spec: Pick<ExternalSpec, 'options'>): z.ZodType<Readonly<Record<string, unknown>>> | undefined {
  const names = Object.keys(spec.options ?? {});
  return names.length ? z.object(Object.fromEntries(names.map((k) => [k, z.number().positive().finite().optional()]))).strict() : undefined;
}

export const EXTERNAL_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function validateExternal(spec: ExternalSpec): void {
  if (!EXTERNAL_NAME.test(spec.name)) throw parameterError('externals.name', `: "${spec.name}" must match ${EXTERNAL_NAME}`);
  const argv = splitCommand(spec.command);
  if (!argv.some((a) => a.includes('{split}'))) {
    throw parameterError('command', ': the command must read the split from {split} (sparsebench exports it there), so every runner trains on the same data');
  }
}

function lastJsonLine(stdout: string): unknown {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t);
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * Any training command as a runner. The split is exported (outside the measured window)
 * to a temporary directory in sparsebench's raw format; the command trains on it and
 * prints one JSON line: {"accuracy": ... (on the test images), "curve"?: [{"seconds",
 * "metric" (on the validation images), "step"?}],
 * "trainSeconds"?: ..., "framework"?: ...}. The meter charges the process tree's measured
 * CPU and memory; time is the command's own training time when it reports one.
 */
export function makeExternalRunner(spec: ExternalSpec): Runner {
  validateExternal(spec);
  const task = spec.task ?? 'classification';
  const flags = spec.options ?? {};
  return {
    name: spec.name,
    family: spec.family,
    task,
    description: `external command: ${spec.command}`,
    ...(Object.keys(flags).length ? { settings: externalSettings(spec) } : {}),
    async train(split, options, hooks) {
      const extra = Object.entries(options.settings ?? {}).flatMap(([k, v]) => (flags[k] && v !== undefined ? [flags[k], String(v)] : []));
      const threads = options.threads ?? 1;
      const timeoutSeconds = options.externalTimeoutSeconds ?? DEFAULT_EXTERNAL_TIMEOUT;
      let untrackDir = (): void => {};
      const dir = hooks.untimed(() => {
        const d = mkdtempSync(join(tmpdir(), 'sparsebench-split-'));
        untrackDir = trackDir(d);
        exportSplit(split, d);
        return d;
      });
      try {
        // split into words once, the fields filled into single arguments, no shell: the
        // split's path stays one argument whatever $TMPDIR holds (spaces, quotes, ;)
        const fields = { split: dir, epochs: String(options.epochs ?? spec.defaultEpochs ?? 3), seed: String(hooks.seed), threads: String(threads) };
        let lines = 0;
        const onStderr = (): void => hooks.progress(++lines, lines, `${spec.name}: running`);
        const { run, json } = spec.served
          ? await servedRequest(spec, spec.served, fields, threads, timeoutSeconds, onStderr, extra)
          : await oneShot(spec, fields, threads, timeoutSeconds, onStderr, extra);
        if (task === 'detection') return scoreDetector(spec, split, dir, json, run, hooks);
        const parsed = reportSchema.safeParse(json);
        if (!parsed.success) throw badReport(spec, parsed.error.issues[0], '{"accuracy": 0..1, ...}');
        const report = parsed.data;
        const trainSeconds = report.trainSeconds ?? report.curve?.[report.curve.length - 1]?.seconds;
        const cpuAt = trainingCpu(run, report.trainWindows);
        hooks.childUsage(run, trainSeconds, cpuAt ? cpuAt(Infinity) : undefined);
        const curve: CurvePoint[] = (report.curve ?? []).map((p, i) => ({
          seconds: p.seconds,
          cpuSeconds: cpuAt ? cpuAt(p.seconds) : p.seconds * cpuPerSecondOf(run),
          metric: p.metric,
          step: p.step ?? i,
        }));
        if (curve.length === 0) curve.push({ seconds: trainSeconds ?? run.wallSeconds, cpuSeconds: cpuAt ? cpuAt(Infinity) : run.cpuSeconds, metric: report.accuracy, step: 1 });
        return {
          metric: { name: TEST_ACCURACY, value: report.accuracy },
          curve,
          metrics: childMetrics(report, run, split, trainSeconds),
          config: configOf(spec, report, hooks.seed),
          runtime: runtimeOf(report),
          ...reportedInference(report, cpuPerSecondOf(run)),
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
        untrackDir();
      }
    },
  };
}

/**
 * The budget as the usual native thread pools read it, so that a trainer that does not
 * take {threads} (numpy, scikit-learn, torch's own pools) still keeps to it.
 */
function threadEnv(threads: number): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, NUMEXPR_NUM_THREADS: n, VECLIB_MAXIMUM_THREADS: n };
}

const tail = (stderr: string): string => stderr.trim().split('\n').slice(-3).join(' | ');

const timedOut = (spec: ExternalSpec, timeoutSeconds: number): UsageError =>
  parameterError('command', ` (${spec.name}) ran past externalTimeoutSeconds ${timeoutSeconds} s and was stopped (its whole process group)`);

/** One process for this repeat, the fields also in its environment: the report is its last JSON line on stdout. */
async function oneShot(spec: ExternalSpec, fields: Parameters<typeof substitute>[1], threads: number, timeoutSeconds: number, onStderr: () => void, extra: readonly string[]): Promise<{ run: ChildUsage; json: unknown }> {
  const argv = [...substitute(splitCommand(spec.command), fields), ...extra];
  const env = { ...threadEnv(threads), SPARSEBENCH_SPLIT: fields.split, SPARSEBENCH_EPOCHS: fields.epochs, SPARSEBENCH_SEED: fields.seed, SPARSEBENCH_THREADS: fields.threads };
  const run = await runMetered(argv, { env, timeoutSeconds, onStderr });
  if (run.timedOut) throw timedOut(spec, timeoutSeconds);
  if (run.exitCode !== 0) throw parameterError('command', ` (${spec.name}) exited with ${run.exitCode}: ${tail(run.stderrTail)}`);
  return { run, json: lastJsonLine(run.stdout) };
}

/** Served trainers by command and thread budget (their environment holds the budget): one process each per run. */
const servers = new Map<string, ServedProcess>();

/** One request to this trainer's server, started at its first repeat. */
async function servedRequest(
  spec: ExternalSpec,
  served: NonNullable<ExternalSpec['served']>,
  fields: Parameters<typeof substitute>[1],
  threads: number,
  timeoutSeconds: number,
  onStderr: () => void,
  extra: readonly string[],
): Promise<{ run: ChildUsage; json: unknown }> {
  const { key, server } = serverFor(served, threads);
  try {
    const reply = await server.request(JSON.stringify({ args: [...substitute(splitCommand(served.args), fields), ...extra] }), timeoutSeconds, onStderr);
    let json: unknown;
    try {
      json = JSON.parse(reply.line);
    } catch {
      json = undefined;
    }
    const error = (json as { error?: unknown } | undefined)?.error;
    if (typeof error === 'string') {
      // stderr is another pipe: what the trainer wrote there before answering may arrive just after
      await new Promise((resolve) => setTimeout(resolve, 50));
      const why = tail(server.stderrTail);
      throw parameterError('command', ` (${spec.name}) failed (served request ${reply.request + 1}): ${error}${why ? `: ${why}` : ''}`);
    }
    return { run: reply, json };
  } catch (err) {
    if (!(err instanceof ServedFailure)) throw err;
    servers.delete(key);
    if (err.timedOut) throw timedOut(spec, timeoutSeconds);
    throw parameterError('command', ` (${spec.name}) served process ${err.message}: ${tail(err.stderrTail)}`);
  }
}

/** This trainer's live server for this thread budget, started when there is none. */
function serverFor(served: NonNullable<ExternalSpec['served']>, threads: number): { key: string; server: ServedProcess } {
  const key = `${served.start}\0${threads}`;
  let server = servers.get(key);
  if (!server?.alive) {
    server = new ServedProcess(splitCommand(served.start), { ...threadEnv(threads), SPARSEBENCH_THREADS: String(threads) });
    servers.set(key, server);
  }
  return { key, server };
}

/**
 * Starts the servers of these trainers side by side and waits until each has answered a ping
 * (its interpreter up, its libraries imported): a run does this before its first cell, so that
 * no cell's request waits for an interpreter, and two start-ups (Python importing torch, about
 * 3 s each here) overlap instead of adding up. Nothing is measured meanwhile. A server that
 * fails to start is dropped here without a word: the first request starts it again and says why.
 */
export async function startServedRunners(specs: readonly ExternalSpec[], threads: number, timeoutSeconds: number = DEFAULT_EXTERNAL_TIMEOUT): Promise<void> {
  await Promise.all(
    specs.map(async (spec) => {
      if (!spec.served) return;
      const { key, server } = serverFor(spec.served, threads);
      try {
        await server.ping(timeoutSeconds);
      } catch {
        servers.delete(key);
        await server.close();
      }
    }),
  );
}

/** Ends every served trainer (the end of a run); a later repeat would start a fresh one. */
export async function closeServedRunners(): Promise<void> {
  const all = [...servers.values()];
  servers.clear();
  await Promise.all(all.map((s) => s.close()));
}

function badReport(spec: ExternalSpec, issue: z.ZodIssue | undefined, shape: string): UsageError {
  return parameterError('command', ` (${spec.name}): the last JSON line on stdout must be ${shape}; ${issue ? `field ${issue.path.join('.') || '(root)'}: ${issue.message}` : 'none found'}`);
}

/** Reads the errors a detection command wrote at each checkpoint and scores them (outside the window). */
function scoreDetector(
  spec: ExternalSpec,
  split: Split,
  dir: string,
  json: unknown,
  run: ChildUsage,
  hooks: RunnerHooks,
): RunnerOutput {
  const parsed = detectionReportSchema.safeParse(json);
  if (!parsed.success) throw badReport(spec, parsed.error.issues[0], '{"curve": [{"seconds", "step", "errors": FILE}], "testErrors": FILE, ...}');
  const report = parsed.data;
  const trainSeconds = report.trainSeconds ?? report.curve[report.curve.length - 1].seconds;
  const cpuAt = trainingCpu(run, report.trainWindows);
  hooks.childUsage(run, trainSeconds, cpuAt ? cpuAt(Infinity) : undefined);
  const cpuPerSecond = cpuPerSecondOf(run);
  const pixels = split.height * split.width;
  // scored as our detectors are: the curve on the validation images, the figure on test
  const validation = validationView(split);
  const score = (target: Split, file: string): DetectionEvaluation =>
    hooks.untimed(() => {
      const n = target.yTest.length;
      const path = join(dir, file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        throw parameterError('command', ` (${spec.name}): ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
      const which = target === split ? 'test' : 'validation';
      if (bytes.length !== n * pixels * 4) throw parameterError('command', ` (${spec.name}): ${file} holds ${bytes.length} bytes, not ${n} x ${pixels} float32 errors of the ${which} images`);
      const errors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      const scores = errorScores(errors, n, split.height, split.width);
      const perImage = scores.length / n;
      return evaluateDetection(target, (_group, _images, _n, members) => gatherRows(scores, members, perImage), spec.imageQuantile);
    });
  const curve: CurvePoint[] = report.curve.map((p) => ({
    seconds: p.seconds,
    cpuSeconds: cpuAt ? cpuAt(p.seconds) : p.seconds * cpuPerSecond,
    metric: score(validation, p.errors).imageAuroc,
    step: p.step,
  }));
  const evaluation = score(split, report.testErrors);
  const out = detectionOutput(evaluation);
  return {
    ...out,
    curve,
    metrics: { ...out.metrics, ...childMetrics(report, run, split, trainSeconds) },
    config: { ...configOf(spec, report, hooks.seed), imageScoreQuantile: spec.imageQuantile ?? SCORING.quantile },
    runtime: runtimeOf(report),
    ...reportedInference(report, cpuPerSecond),
  };
}

const cpuPerSecondOf = (run: ChildUsage): number => (run.wallSeconds > 0 ? run.cpuSeconds / run.wallSeconds : 1);

/**
 * With reported training intervals: the tree's CPU at a cumulative training time (seconds,
 * Infinity for all of it), read off the CPU series through the intervals in order; without
 * them, undefined (the caller pro-rates).
 */
function trainingCpu(run: ChildUsage, windows: readonly (readonly [number, number])[] | undefined): ((trainingSeconds: number) => number) | undefined {
  const series = run.cpuSeries;
  if (!windows?.length || !series || series.length < 2) return undefined;
  const ms = windows.map(([a, b]) => [a * 1000, b * 1000] as const);
  return (s) => {
    let time = 0;
    let cpu = 0;
    for (const [a, b] of ms) {
      const d = (b - a) / 1000;
      if (time + d >= s) return cpu + cpuBetween(series, a, a + (s - time) * 1000);
      time += d;
      cpu += cpuBetween(series, a, b);
    }
    return cpu;
  };
}

/** Inference as the trainer timed it; its CPU time pro-rated from the process's CPU/wall ratio (no window of ours sees inside the child). */
function reportedInference(
  report: { inference?: { seconds: number; items: number }; latency?: { items: number; medianSeconds: number; p95Seconds: number } },
  cpuPerSecond: number,
): Pick<RunnerOutput, 'inference'> {
  const i = report.inference;
  const l = report.latency;
  return i
    ? {
        inference: {
          items: i.items,
          seconds: i.seconds,
          cpuSeconds: i.seconds * cpuPerSecond,
          source: 'reported by the trainer, CPU pro-rated',
          ...(l ? { latency: { ...l, source: 'reported by the trainer, one item per call' } } : {}),
        },
      }
    : {};
}

type CommonReport = Pick<z.infer<typeof reportSchema>, 'framework' | 'config' | 'msPerStep' | 'threads' | 'trainWindows'>;

function configOf(spec: ExternalSpec, report: CommonReport, seed: number): Record<string, Scalar | readonly Scalar[]> {
  const config: Record<string, Scalar | readonly Scalar[]> = {
    command: spec.command,
    curveCpuSeconds: report.trainWindows?.length ? 'the process tree\'s CPU inside the reported training intervals (sampled at 10 Hz)' : 'pro-rated from the process CPU/wall ratio',
    seed,
  };
  if (spec.served) config.process = 'served: one process answers every repeat of the run (served.py), started before its first cell';
  for (const [k, v] of Object.entries(report.config ?? {})) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) config[k] = v as Scalar;
    else if (Array.isArray(v) && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) config[k] = v as Scalar[];
  }
  return config;
}

function childMetrics(report: CommonReport, run: { wallSeconds: number; cpuSeconds: number; request?: number }, split: Split, trainSeconds: number | undefined): Record<string, number> {
  // served: the request's wall and CPU (a run starts its servers before the first cell: no request includes an interpreter's start-up)
  const metrics: Record<string, number> = { processWallSeconds: run.wallSeconds, processCpuSeconds: run.cpuSeconds, trainSamples: split.yTrain.length };
  if (run.request !== undefined) metrics.servedRequest = run.request + 1;
  if (trainSeconds !== undefined) metrics.reportedTrainSeconds = trainSeconds;
  if (report.msPerStep !== undefined) metrics.msPerStep = report.msPerStep;
  return metrics;
}

/** The framework and threads the trainer reported: the report names the cell's backend by them. */
const runtimeOf = (report: CommonReport): Runtime => ({ framework: report.framework ?? 'unknown', ...(report.threads === undefined ? {} : { threads: report.threads }) });
