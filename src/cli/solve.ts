import { fitTable, pathTable } from '../report/solve-tables.js';
import { Command, Option } from 'commander';
import { solveCodes, solveDictionary, solveFit, solvePath } from '../suite/solve.js';

import { DEFAULT_SEED, integer, seedOption, real, threadsSpec } from './options.js';

/** `solve lasso-path|lasso|dictionary|codes`: the sparse solvers alone, timed, with optimality figures. */
export function registerSolve(program: Command): void {
  const solve = program.command('solve').description('the sparse solvers alone on a dataset\'s training split, with timings and optimality figures');
  const solverOptions = (c: Command): Command =>
    c
      .option('--dataset <name>', 'dataset whose training split is used', 'mnist')
      .option('--seed <n>', 'split seed', seedOption(), DEFAULT_SEED)
      .option('--train-size <n>', 'training samples (default: the dataset\'s)', integer('--train-size', 1))
      .option('--l1-ratio <r>', 'elastic-net mixing, 1 = LASSO', real('--l1-ratio', (x) => x > 0 && x <= 1, 'in (0, 1]'), 1)
      .option('--tol <t>', 'stop when the duality gap <= tol ||y||^2 / n (scikit-learn\'s rule)', real('--tol', (x) => x > 0, 'positive'), 1e-4)
      .option('--max-iter <n>', 'most coordinate passes per alpha', integer('--max-iter', 1), 1000)
      .addOption(new Option('--mode <m>', 'gram: covariance updates (n > p); naive: residual updates').choices(['auto', 'gram', 'naive']).default('auto'))
      .addOption(new Option('--selection <s>', 'coordinate order').choices(['cyclic', 'random']).default('cyclic'))
      .addOption(new Option('--screening <s>', 'working sets from the strong rule, or none').choices(['strong', 'none']).default('strong'))
      .option('--no-newton', 'no Newton steps on the support (pure coordinate descent)')
      .option('--json', 'one JSON document on stdout');
  solverOptions(
    solve
      .command('lasso-path')
      .description('one-vs-rest LASSO / elastic-net paths, alpha_max down to eps x alpha_max, warm-started')
      .option('--n-alphas <n>', 'alphas on the path', integer('--n-alphas', 1), 100)
      .option('--eps <e>', 'alpha_min / alpha_max', real('--eps', (x) => x > 0 && x < 1, 'in (0, 1)'), 1e-3),
  ).action((opts) => {
    const summary = solvePath(
      { dataset: opts.dataset, seed: opts.seed, trainSize: opts.trainSize },
      { nAlphas: opts.nAlphas, eps: opts.eps, ...solverSettings(opts) },
    );
    process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : pathTable(summary));
  });
  solverOptions(
    solve
      .command('lasso')
      .description('one elastic-net fit per one-vs-rest target at a fixed alpha')
      .requiredOption('--alpha <a>', 'regularisation (scikit-learn scaling)', real('--alpha', (x) => x > 0, 'positive')),
  ).action((opts) => {
    const summary = solveFit(
      { dataset: opts.dataset, seed: opts.seed, trainSize: opts.trainSize },
      { alpha: opts.alpha, ...solverSettings(opts) },
    );
    process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : fitTable(summary));
  });
  // the flags both patch commands share (dictionary, codes)
  const patchOptions = (c: Command, seedHelp: string, atomsHelp: string): Command =>
    c
      .option('--dataset <name>', 'dataset whose training split is used', 'mnist')
      .option('--seed <n>', seedHelp, seedOption(), DEFAULT_SEED)
      .option('--patch <k>', 'patch side', integer('--patch', 1), 7)
      .option('--atoms <n>', atomsHelp, integer('--atoms', 1), 64)
      .option('--alpha <a>', 'code sparsity: 0.5 ||x - D^T a||^2 + alpha ||a||_1', real('--alpha', (x) => x > 0, 'positive'), 0.1);
  patchOptions(
    solve.command('dictionary').description('online dictionary learning (Mairal et al.) on centered random patches of the training split'),
    'split, patch and learning seed',
    'dictionary atoms',
  )
    .option('--patches <n>', 'random patches learned from', integer('--patches', 1), 80000)
    .option('--batch <n>', 'mini-batch size', integer('--batch', 1), 256)
    .option('--iterations <n>', 'mini-batches', integer('--iterations', 1), 200)
    .option('--json', 'one JSON document on stdout (with the dictionary)')
    .action((opts) => {
      const s = solveDictionary(
        { dataset: opts.dataset, seed: opts.seed },
        { patch: opts.patch, atoms: opts.atoms, patches: opts.patches, alpha: opts.alpha, batchSize: opts.batch, iterations: opts.iterations },
        opts.seed,
      );
      if (opts.json) process.stdout.write(JSON.stringify(s) + '\n');
      else {
        process.stdout.write(
          `${s.dataset}: ${s.options.atoms} atoms of ${s.options.patch}x${s.options.patch} on ${s.options.patches} patches, alpha ${s.options.alpha}, batch ${s.options.batchSize}, ${s.options.iterations} iterations\n` +
            `seconds: ${s.seconds.toFixed(3)}; final objective on all patches ${s.finalObjective.toFixed(6)}; atoms resampled ${s.resampled}\n` +
            s.trace.map((p) => `  iteration ${p.iteration}: batch objective ${p.objective.toFixed(5)}`).join('\n') +
            '\n(--json prints the dictionary)\n',
        );
      }
    });
  patchOptions(
    solve.command('codes').description('LASSO codes of every patch on a stride grid of the training split, timed alone (correlations and solves)'),
    'split seed (and the learned dictionary\'s)',
    'atoms of the dictionary learned here (without --dictionary)',
  )
    .option('--stride <s>', 'patch grid step', integer('--stride', 1), 3)
    .option('--dictionary <file>', 'a dictionary: the JSON that `solve dictionary --json` prints')
    .option('--limit <n>', 'code only the first n patches (image-major, row, column order)', integer('--limit', 1))
    .option('--threads <n|auto>', 'threads that code (auto: every core)', threadsSpec, 1)
    .addOption(new Option('--solver <s>', 'homotopy: exact LARS-lasso path; cd: coordinate descent to --tol').choices(['homotopy', 'cd']).default('homotopy'))
    .option('--tol <t>', 'cd: duality gap <= tol ||x||^2 per signal', real('--tol', (x) => x > 0, 'positive'), 1e-4)
    .option('--json', 'one JSON document on stdout')
    .action(async (opts) => {
      const s = await solveCodes(
        { dataset: opts.dataset, seed: opts.seed },
        { patch: opts.patch, stride: opts.stride, alpha: opts.alpha, atoms: opts.atoms, dictionaryFile: opts.dictionary, limit: opts.limit, threads: opts.threads, solver: opts.solver, tol: opts.tol },
      );
      process.stdout.write(
        opts.json
          ? JSON.stringify(s) + '\n'
          : `${s.dataset}: ${s.signals} patches of ${opts.patch}x${opts.patch} (stride ${opts.stride}) against ${s.atoms} atoms, alpha ${opts.alpha}, ${opts.solver}, ${s.threads} thread(s)\n` +
              `seconds: ${s.seconds.toFixed(3)} (${s.microsecondsPerSignal.toFixed(2)} us per patch); objective ${s.objective.toFixed(7)}; mean nonzeros ${s.meanNonzeros.toFixed(2)}\n`,
      );
    });
}

/** The solver flags both solve commands share, as solver options. */
function solverSettings(opts: Record<string, unknown>) {
  return {
    l1Ratio: opts.l1Ratio as number,
    tol: opts.tol as number,
    maxIter: opts.maxIter as number,
    mode: opts.mode as 'auto' | 'gram' | 'naive',
    selection: opts.selection as 'cyclic' | 'random',
    screening: opts.screening as 'strong' | 'none',
    newton: opts.newton as boolean,
  };
}
