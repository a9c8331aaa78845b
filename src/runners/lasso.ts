import { accuracyOf, DEFAULT_LASSO_CLASSIFIER, fitLassoClassifier, predict, type LassoClassifierOptions } from '../sparse/classifier.js';
import { pfsDays } from '../meter/flops.js';
import { flops } from '../sparse/flops.js';
import type { CurvePoint, Runner } from './types.js';

export const lassoRunner: Runner = {
  name: 'lasso',
  family: 'sparse',
  description: 'one-vs-rest LASSO by coordinate descent (covariance updates), warm-started path to a fixed alpha',
  async train(split, options, hooks) {
    const o: LassoClassifierOptions = { ...DEFAULT_LASSO_CLASSIFIER, alpha: options.alpha ?? DEFAULT_LASSO_CLASSIFIER.alpha };
    let passes = 0;
    const curve: CurvePoint[] = [];
    const flopsAtStart = flops.value;
    const fit = fitLassoClassifier(split.XTrain, split.yTrain, split.features, split.classes, o, {
      onPass(index, total) {
        // ticks also sample memory; every 16th pass is plenty at ~0.3 ms a pass
        if ((++passes & 15) === 0) hooks.progress(index, total, `lasso path ${index + 1}/${total}, ${passes} passes`);
      },
      onPathPoint(point, model, index, total) {
        const metric = hooks.untimed(() => accuracyOf(predict(model, split.XTest), split.yTest));
        curve.push({ ...hooks.elapsed(), metric, step: index + 1 });
        hooks.progress(index + 1, total, `lasso path ${index + 1}/${total} alpha=${point.alpha.toPrecision(3)}`);
      },
    });
    const counted = flops.value - flopsAtStart;
    const final = fit.path[fit.path.length - 1];
    return {
      accuracy: curve[curve.length - 1].metric,
      curve,
      metrics: {
        nonzeros: final.nonzeros,
        coefficients: fit.model.coef.length,
        passes: fit.path.reduce((s, p) => s + p.passes, 0),
        finalGap: final.maxGap,
        converged: final.converged ? 1 : 0,
        alphaMax: fit.alphaMax,
        trainSamples: split.yTrain.length,
        flops: counted,
        pfsDays: pfsDays(counted),
      },
      config: {
        alpha: o.alpha,
        alphaSelection: 'fixed (no validation search)',
        l1Ratio: o.l1Ratio,
        tol: o.tol,
        maxIter: o.maxIter,
        pathPoints: o.pathPoints,
        mode: fit.mode,
        targets: 'one-vs-rest, centered one-hot',
        seed: hooks.seed,
      },
    };
  },
};
