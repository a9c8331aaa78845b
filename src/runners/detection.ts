import type { Split } from '../datasets/types.js';
import { evaluateScores, groupMembers, imageAurocOf, SCORING, type DetectionEvaluation } from '../detect/evaluate.js';
import { validationView } from '../datasets/split.js';
import { Rng } from '../util/rng.js';
import { gatherRows } from '../util/rows.js';
import { IMAGE_AUROC, type CurvePoint, type RunnerHooks, type RunnerOutput } from './types.js';

/** One texture's model inside a detector. */
export interface GroupModel {
  /** Advances training by `units` (mini-batches, epochs). */
  train(units: number): void;
  /**
   * Patch scores of n images on the SCORING grid (n x rows x cols); async where threads score
   * them. offClock: the learning curve's scoring, outside every window (it may use the
   * runner's evaluation threads); otherwise the test images' scoring, timed as inference.
   */
  scores(images: Float32Array, n: number, offClock: boolean): Float64Array | Promise<Float64Array>;
  dispose?(): void;
}

export interface DetectorPlan {
  /** Training units per group model. */
  readonly units: number;
  /** Learning-curve points, evenly spaced over the units. */
  readonly evaluations: number;
  readonly unit: string;
  /** The image score: this quantile of its patch scores (default SCORING.quantile). */
  readonly quantile?: number;
  /** Builds a group's model from its defect-free training images (inside the measured window). */
  make(group: number, images: Float32Array, n: number, rng: Rng): GroupModel;
}


/**
 * Trains one model per group (texture) of a detection split, all advanced in turn, so
 * that the learning curve after each slice measures the whole detector: image AUROC on
 * the validation images, averaged over the groups, evaluated outside the measured window.
 * The test images are scored once, after training, in the inference window: that
 * evaluation is the detector's reported figure.
 */
export async function trainDetector(split: Split, plan: DetectorPlan, hooks: RunnerHooks, label: string): Promise<{ curve: CurvePoint[]; evaluation: DetectionEvaluation }> {
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
    let done = 0;
    // every texture's patch scores first (a model may score on the coding pool's threads),
    // then the evaluation over them: the image AUROC alone for a curve point, everything for the test
    const scoresOf = async (target: Split, offClock: boolean): Promise<{ members: number[][]; scores: Float64Array[] }> => {
      const members = groupMembers(target);
      const scores = await Promise.all(members.map((m, group) => (m.length === 0 ? new Float64Array(0) : models[group].scores(gatherRows(target.XTest, m, pixels), m.length, offClock))));
      return { members, scores };
    };
    const validation = validationView(split);
    for (let e = 1; e <= plan.evaluations; e++) {
      const until = Math.round((plan.units * e) / plan.evaluations);
      for (; done < until; done++) {
        for (const m of models) m.train(1);
        hooks.progress(done + 1, plan.units, `${label} ${plan.unit} ${done + 1}/${plan.units}`);
      }
      const metric = await hooks.untimed(async () => {
        const { members, scores } = await scoresOf(validation, true);
        return imageAurocOf(validation, members, scores, plan.quantile);
      });
      curve.push({ ...hooks.elapsed(), metric, step: done });
    }
    if (curve.length === 0) throw new Error(`${label}: no evaluation (evaluations must be >= 1)`);
    // the final scoring of the test images is what a deployed detector does: timed as inference
    const evaluation = await hooks.inference(async () => {
      const { members, scores } = await scoresOf(split, false);
      return evaluateScores(split, members, scores, plan.quantile);
    }, split.yTest.length);
    return { curve, evaluation };
  } finally {
    for (const m of models) m.dispose?.();
  }
}

/** The figures every detector reports, from its evaluation on the test images. */
export function detectionOutput(evaluation: DetectionEvaluation): Pick<RunnerOutput, 'metric' | 'heatmaps'> & { metrics: Record<string, number> } {
  const metrics: Record<string, number> = { imageAuroc: evaluation.imageAuroc, pixelAuroc: evaluation.pixelAuroc };
  for (const [group, a] of Object.entries(evaluation.byGroup)) {
    metrics[`imageAuroc.${group}`] = a.imageAuroc;
    metrics[`pixelAuroc.${group}`] = a.pixelAuroc;
  }
  for (const [kind, a] of Object.entries(evaluation.byKind)) metrics[`imageAuroc.${kind}`] = a;
  return { metric: { name: IMAGE_AUROC, value: evaluation.imageAuroc }, heatmaps: evaluation.heatmaps, metrics };
}

/** The scoring a detector's record names: the shared grid, and its own image-score quantile. */
export const scoringConfig = (quantile: number = SCORING.quantile) => ({ scorePatch: SCORING.k, scoreStride: SCORING.stride, imageScoreQuantile: quantile, curveOn: 'validation images' }) as const;
