import type { Split } from '../datasets/types.js';
import { evaluateScores, groupMembers, SCORING, type DetectionEvaluation } from '../detect/evaluate.js';
import { flops } from '../sparse/flops.js';
import { Rng } from '../util/rng.js';
import { gatherRows } from '../util/rows.js';
import type { CurvePoint, RunnerHooks, RunnerOutput } from './types.js';

/** One texture's model inside a detector. */
export interface GroupModel {
  /** Advances training by `units` (mini-batches, epochs). */
  train(units: number): void;
  /** Patch scores of n images on the SCORING grid (n x rows x cols); async where threads score them. */
  scores(images: Float32Array, n: number): Float64Array | Promise<Float64Array>;
  dispose?(): void;
}

export interface DetectorPlan {
  /** Training units per group model. */
  readonly units: number;
  /** Learning-curve points, evenly spaced over the units. */
  readonly evaluations: number;
  readonly unit: string;
  /** Builds a group's model from its defect-free training images (inside the measured window). */
  make(group: number, images: Float32Array, n: number, rng: Rng): GroupModel;
}

/**
 * Curve points before the last score every CURVE_SUBSET_EVERY-th test image (a fixed subset,
 * the same for every detector and repeat of a split), so that five points cost about two
 * full scorings; the last point, the reported figure, scores the whole test set. Below
 * CURVE_SUBSET_MIN test images the whole set is scored each time.
 */
export const CURVE_SUBSET_EVERY = 5;
const CURVE_SUBSET_MIN = 100;

/** The test rows of the curve subset, or undefined when the whole test set is scored. */
export function curveRows(split: Split): Uint32Array | undefined {
  const n = split.yTest.length;
  if (!split.detection || n < CURVE_SUBSET_MIN) return undefined;
  return Uint32Array.from({ length: Math.ceil(n / CURVE_SUBSET_EVERY) }, (_, r) => r * CURVE_SUBSET_EVERY);
}

/** The split with only the curve subset of its test images (the split itself when small). */
export function curveSubset(split: Split): Split {
  const det = split.detection;
  const keep = curveRows(split);
  if (!det || !keep) return split;
  const pixels = split.height * split.width;
  return {
    ...split,
    testIndex: Uint32Array.from(keep, (i) => split.testIndex[i]),
    XTest: gatherRows(split.XTest, keep, split.features),
    yTest: gatherRows(split.yTest, keep, 1),
    detection: { ...det, maskTest: gatherRows(det.maskTest, keep, pixels), groupTest: gatherRows(det.groupTest, keep, 1) },
  };
}

export const IMAGE_AUROC = 'image AUROC (mean over textures)';

/**
 * Trains one model per group (texture) of a detection split, all advanced in turn, so
 * that the learning curve after each slice measures the whole detector: image AUROC
 * averaged over the groups, evaluated outside the measured window.
 */
export async function trainDetector(split: Split, plan: DetectorPlan, hooks: RunnerHooks, label: string): Promise<{ curve: CurvePoint[]; evaluation: DetectionEvaluation; evaluationFlops: number }> {
  const det = split.detection;
  if (!det) throw new Error(`${label}: ${split.dataset} is not a detection dataset`);
  const rng = new Rng(hooks.seed);
  const pixels = split.height * split.width;
  const models = det.groupNames.map((_, group) => {
    const members = [...det.groupTrain.keys()].filter((i) => det.groupTrain[i] === group);
    return plan.make(group, gatherRows(split.XTrain, members, pixels), members.length, rng.fork());
  });
  try {
    const curve: CurvePoint[] = [];
    let evaluation: DetectionEvaluation | undefined;
    let done = 0;
    let evaluationFlops = 0;
    const subset = curveSubset(split);
    for (let e = 1; e <= plan.evaluations; e++) {
      const until = Math.round((plan.units * e) / plan.evaluations);
      for (; done < until; done++) {
        for (const m of models) m.train(1);
        hooks.progress(done + 1, plan.units, `${label} ${plan.unit} ${done + 1}/${plan.units}`);
      }
      const before = flops.value;
      const last = e === plan.evaluations;
      const target = last ? split : subset;
      // every texture's patch scores first (a model may score on the coding pool's threads),
      // then the evaluation over them
      const score = async (): Promise<DetectionEvaluation> => {
        const members = groupMembers(target);
        const scores = await Promise.all(members.map((m, group) => (m.length === 0 ? new Float64Array(0) : models[group].scores(gatherRows(target.XTest, m, pixels), m.length))));
        return evaluateScores(target, members, scores);
      };
      // the final scoring of the test images is what a deployed detector does: timed as inference
      evaluation = await (last ? hooks.inference(score, split.yTest.length) : hooks.untimed(score));
      evaluationFlops += flops.value - before;
      curve.push({ ...hooks.elapsed(), metric: evaluation.imageAuroc, step: done });
    }
    if (!evaluation) throw new Error(`${label}: no evaluation (evaluations must be >= 1)`);
    return { curve, evaluation, evaluationFlops };
  } finally {
    for (const m of models) m.dispose?.();
  }
}

/** The figures every detector reports, from its final evaluation. */
export function detectionOutput(curve: CurvePoint[], evaluation: DetectionEvaluation): Pick<RunnerOutput, 'accuracy' | 'metricName' | 'heatmaps'> & { metrics: Record<string, number> } {
  const metrics: Record<string, number> = { imageAuroc: evaluation.imageAuroc, pixelAuroc: evaluation.pixelAuroc };
  for (const [group, a] of Object.entries(evaluation.byGroup)) {
    metrics[`imageAuroc.${group}`] = a.imageAuroc;
    metrics[`pixelAuroc.${group}`] = a.pixelAuroc;
  }
  for (const [kind, a] of Object.entries(evaluation.byKind)) metrics[`imageAuroc.${kind}`] = a;
  return { accuracy: curve[curve.length - 1].metric, metricName: IMAGE_AUROC, heatmaps: evaluation.heatmaps, metrics };
}

export const SCORING_CONFIG = { scorePatch: SCORING.k, scoreStride: SCORING.stride, imageScoreQuantile: SCORING.quantile, curveSubsetEvery: CURVE_SUBSET_EVERY } as const;
