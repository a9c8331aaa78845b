import { accuracyOf, fitLassoClassifier, predict, type LassoClassifierFit, type LassoClassifierOptions } from '../sparse/classifier.js';
import type { CurvePoint, RunnerHooks } from './types.js';

/**
 * The one-vs-rest elastic-net classifier as the sparse runners train it: along its path,
 * each point's validation accuracy (evaluated outside the window) makes the learning curve.
 */
export function fitWithCurve(
  train: { X: Float32Array | Float64Array; y: Uint8Array; features: number },
  validation: { X: Float32Array | Float64Array; y: Uint8Array },
  classes: number,
  o: LassoClassifierOptions,
  hooks: RunnerHooks,
  label: string,
): { fit: LassoClassifierFit; curve: CurvePoint[] } {
  let passes = 0;
  const curve: CurvePoint[] = [];
  const fit = fitLassoClassifier(train.X, train.y, train.features, classes, o, {
    onPass(index, total) {
      // ticks also sample memory; every 16th pass is plenty at well under a millisecond a pass
      if ((++passes & 15) === 0) hooks.progress(index, total, `${label} path ${index + 1}/${total}, ${passes} passes`);
    },
    onPathPoint(point, model, index, total) {
      const metric = hooks.untimed(() => accuracyOf(predict(model, validation.X), validation.y));
      curve.push({ ...hooks.elapsed(), metric, step: index + 1 });
      hooks.progress(index + 1, total, `${label} path ${index + 1}/${total} alpha=${point.alpha.toPrecision(3)}`);
    },
  });
  return { fit, curve };
}
