import { mdTable, sig } from './format.js';
import type { FitSummary, PathSummary } from '../suite/solve.js';

/** `solve lasso-path` in words: one row a target. */
export function pathTable(s: PathSummary): string {
  const rows = s.targets.map((t) => [
    t.target,
    sig(t.alphas[0]),
    sig(t.alphas[t.alphas.length - 1]),
    sig(Math.max(...t.gaps)),
    String(t.passes.reduce((a, b) => a + b, 0)),
    String(t.newtonSteps.reduce((a, b) => a + b, 0)),
    String(t.nonzeros[t.nonzeros.length - 1]),
    sig(t.finalObjective, 8),
    t.converged ? 'yes' : 'NO',
  ]);
  return (
    `${s.dataset}: ${s.samples} x ${s.features}, ${s.targets.length} targets x ${s.options.nAlphas} alphas (eps ${s.options.eps}, tol ${s.options.tol}), mode ${s.mode}\n` +
    `seconds: ${s.seconds.total.toFixed(3)} (Gram/preparation ${s.seconds.prepare.toFixed(3)}, paths ${s.seconds.solve.toFixed(3)}); worst duality gap ${sig(s.maxGap)}\n\n` +
    mdTable(['target', 'alpha_max', 'alpha_min', 'max gap', 'passes', 'newton steps', 'final nonzeros', 'final objective', 'converged'], rows) +
    '\n'
  );
}

/** `solve lasso` in words: one row a target. */
export function fitTable(s: FitSummary): string {
  const rows = s.targets.map((t) => [
    t.target,
    String(t.nonzeros),
    sig(t.l1Norm),
    sig(t.maxAbsCoef),
    sig(t.objective, 8),
    sig(t.gap),
    String(t.passes),
    String(t.newtonSteps),
    t.converged ? 'yes' : 'NO',
  ]);
  return (
    `${s.dataset}: ${s.samples} x ${s.features}, alpha ${s.alpha}, l1Ratio ${s.l1Ratio}, mode ${s.mode}, ${s.seconds.toFixed(3)} s\n\n` +
    mdTable(['target', 'nonzeros', '||w||_1', 'max |w|', 'objective', 'gap', 'passes', 'newton steps', 'converged'], rows) +
    '\n'
  );
}
