import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { exportSplit } from '../datasets/export.js';
import { UsageError } from '../errors.js';
import { runMetered } from '../meter/child.js';
import type { CurvePoint, Family, Runner, Scalar } from './types.js';

/** A training command run as a runner: `{split}`, `{epochs}` and `{seed}` are filled in. */
export interface ExternalSpec {
  readonly name: string;
  readonly command: string;
  readonly family: Family;
}

/** The one JSON line an external trainer prints last on stdout. */
const reportSchema = z.object({
  accuracy: z.number().min(0).max(1),
  curve: z.array(z.object({ seconds: z.number().nonnegative(), metric: z.number(), step: z.number().optional() })).optional(),
  /** Seconds of training proper (no start-up, no data loading, no evaluation). */
  trainSeconds: z.number().nonnegative().optional(),
  framework: z.string().optional(),
  threads: z.number().optional(),
  msPerStep: z.number().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

export const EXTERNAL_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function validateExternal(spec: ExternalSpec): void {
  if (!EXTERNAL_NAME.test(spec.name)) throw new UsageError(`--external-name: "${spec.name}" must match ${EXTERNAL_NAME}`);
  if (!spec.command.trim()) throw new UsageError('--cmd: empty command');
  if (!spec.command.includes('{split}')) {
    throw new UsageError('--cmd: the command must read the split from {split} (sparsebench exports it there), so every runner trains on the same data');
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
 * prints one JSON line: {"accuracy": ..., "curve"?: [{"seconds", "metric", "step"?}],
 * "trainSeconds"?: ..., "framework"?: ...}. The meter charges the process tree's measured
 * CPU and memory; time is the command's own training time when it reports one.
 */
export function makeExternalRunner(spec: ExternalSpec): Runner {
  validateExternal(spec);
  return {
    name: spec.name,
    family: spec.family,
    task: 'classification',
    description: `external command: ${spec.command}`,
    async train(split, options, hooks) {
      const dir = hooks.untimed(() => {
        const d = mkdtempSync(join(tmpdir(), 'sparsebench-split-'));
        exportSplit(split, d);
        return d;
      });
      try {
        const command = spec.command
          .replaceAll('{split}', dir)
          .replaceAll('{epochs}', String(options.epochs ?? 3))
          .replaceAll('{seed}', String(hooks.seed));
        let lines = 0;
        const run = await runMetered(command, { onStderr: () => hooks.progress(++lines, lines, `${spec.name}: running`) });
        if (run.exitCode !== 0) {
          throw new UsageError(`--cmd (${spec.name}) exited with ${run.exitCode}: ${run.stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
        }
        const parsed = reportSchema.safeParse(lastJsonLine(run.stdout));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new UsageError(
            `--cmd (${spec.name}): the last JSON line on stdout must be {"accuracy": 0..1, ...}; ${issue ? `field ${issue.path.join('.') || '(root)'}: ${issue.message}` : 'none found'}`,
          );
        }
        const report = parsed.data;
        const trainSeconds = report.trainSeconds ?? report.curve?.[report.curve.length - 1]?.seconds;
        hooks.childUsage(run, trainSeconds);
        const cpuPerSecond = run.wallSeconds > 0 ? run.cpuSeconds / run.wallSeconds : 1;
        const curve: CurvePoint[] = (report.curve ?? []).map((p, i) => ({
          seconds: p.seconds,
          cpuSeconds: p.seconds * cpuPerSecond,
          metric: p.metric,
          step: p.step ?? i,
        }));
        if (curve.length === 0) curve.push({ seconds: trainSeconds ?? run.wallSeconds, cpuSeconds: run.cpuSeconds, metric: report.accuracy, step: 1 });
        const config: Record<string, Scalar | readonly Scalar[]> = {
          command: spec.command,
          framework: report.framework ?? 'unknown',
          curveCpuSeconds: 'pro-rated from the process CPU/wall ratio',
          seed: hooks.seed,
        };
        for (const [k, v] of Object.entries(report.config ?? {})) {
          if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) config[k] = v as Scalar;
          else if (Array.isArray(v) && v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) config[k] = v as Scalar[];
        }
        const metrics: Record<string, number> = {
          processWallSeconds: run.wallSeconds,
          processCpuSeconds: run.cpuSeconds,
          trainSamples: split.yTrain.length,
        };
        if (trainSeconds !== undefined) metrics.reportedTrainSeconds = trainSeconds;
        if (report.msPerStep !== undefined) metrics.msPerStep = report.msPerStep;
        if (report.threads !== undefined) metrics.threads = report.threads;
        return { accuracy: report.accuracy, curve, metrics, config };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
