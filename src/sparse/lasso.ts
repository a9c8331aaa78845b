/**
 * LASSO and elastic net by coordinate descent: the kernels and their shared pieces.
 * See cd-common.ts for the objective and scaling, cd-gram.ts (covariance updates with
 * working sets, for n > p) and cd-naive.ts (residual updates on column-major X).
 */
export * from './cd-common.js';
export { cdGram, gramDualityGap, GramWorkspace, type SupportFactor } from './cd-gram.js';
export { cdNaive } from './cd-naive.js';
