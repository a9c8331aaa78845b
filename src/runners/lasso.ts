import { z } from 'zod';
import { defineRunner } from './define.js';
import { accuracyOf, DEFAULT_LASSO_CLASSIFIER, predict, type LassoClassifierOptions } from '../sparse/classifier.js';
import { fitWithCurve } from './linear.js';
import { LATENCY_ITEMS, TEST_ACCURACY, type Runner } from './types.js';

/**
 * The runner's penalty, chosen on validation images of the tuning seeds among 1e-4 to 1e-2
 * (bench/tune.ts, results/tuning.md; 1e-3 before, a default never tuned).
 */
export const LASSO_RUNNER = { alpha: 3e-4 } as const;

/** The runner's own settings: its penalty, when not the tuned LASSO_RUNNER.alpha. */
export const LASSO_SETTINGS = z.object({ alpha: z.number().positive().finite().optional() }).strict();

export const lassoRunner = defineRunner({
  name: 'lasso',
  family: 'sparse',
  task: 'classification',
  description: 'one-vs-rest LASSO by coordinate descent (covariance updates), warm-started path to a fixed alpha',
  settings: LASSO_SETTINGS,
  async train(split, options, hooks) {
    const { alpha } = LASSO_SETTINGS.parse(options.settings ?? {});
    const o: LassoClassifierOptions = { ...DEFAULT_LASSO_CLASSIFIER, alpha: alpha ?? LASSO_RUNNER.alpha };
    const { fit, curve } = fitWithCurve(
      { X: split.XTrain, y: split.yTrain, features: split.features },
      { X: split.XVal, y: split.yVal },
      split.classes,
      o,
      hooks,
      'lasso',
    );
    // inference: the fitted model classifying the test set, in a window of its own,
    // the one scoring of the test set
    const testAccuracy = accuracyOf(hooks.inference(() => predict(fit.model, split.XTest), split.yTest.length), split.yTest);
    const f = split.features;
    hooks.latency((i) => predict(fit.model, split.XTest.subarray(i * f, (i + 1) * f)), Math.min(LATENCY_ITEMS, split.yTest.length));
    const final = fit.path[fit.path.length - 1];
    return {
      metric: { name: TEST_ACCURACY, value: testAccuracy },
      curve,
      metrics: {
        nonzeros: final.nonzeros,
        coefficients: fit.model.coef.length,
        passes: fit.path.reduce((s, p) => s + p.passes, 0),
        finalGap: final.maxGap,
        converged: final.converged ? 1 : 0,
        alphaMax: fit.alphaMax,
        trainSamples: split.yTrain.length,
      },
      config: {
        alpha: o.alpha,
        alphaSelection: alpha === undefined ? 'tuned on validation (bench/tune.ts)' : 'given (settings lasso.alpha)',
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
});
