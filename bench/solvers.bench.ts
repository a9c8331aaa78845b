/**
 * `npm run bench:solvers`: the MNIST one-vs-rest LASSO path (8,000 x 784, 10 targets x
 * 100 alphas, eps 1e-3, tol 1e-4), ours and scikit-learn's side by side in one run on the
 * same exported split, then benchmark.js micro-benchmarks of the kernels.
 * scikit-learn is optional: Debian's python3-sklearn, or SPARSEBENCH_PYTHON=/path/to/python.
 * Options: --rounds N (default 3), --sklearn-default (also time scikit-learn without Gram).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Benchmark from 'benchmark';
import { exportSplit } from '../src/datasets/export.js';
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { median } from '../src/report/stats.js';
import { CenteredDesign } from '../src/sparse/design.js';
import { centeredGram, columnMeans, sparseRows } from '../src/sparse/gram.js';
import { centeredGramWasm } from '../src/sparse/gram-wasm.js';
import { alphaMax, gramDualityGap } from '../src/sparse/lasso.js';
import { lassoPath, oneVsRestTargets } from '../src/sparse/path.js';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 3) || 3;
const withDefault = args.includes('--sklearn-default');

const split = stratifiedSplit(loadMnist(), { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 42 });
const n = split.yTrain.length;
const p = split.features;
const X = { data: split.XTrain, rows: n, columns: p };
const Y = oneVsRestTargets(split.yTrain, split.classes);

interface Run {
  solver: string;
  seconds: number;
  passes: number;
  maxGap: number;
  objectives: number[];
}

function ours(): Run {
  const t0 = performance.now();
  const r = lassoPath(X, Y, { nAlphas: 100, eps: 1e-3, tol: 1e-4 });
  const seconds = (performance.now() - t0) / 1e3;
  return {
    solver: 'sparsebench lassoPath (gram, strong-rule working sets, Newton on the support)',
    seconds,
    passes: r.targets.reduce((s, t) => s + t.passes.reduce((a, b) => a + b, 0), 0),
    maxGap: Math.max(...r.targets.flatMap((t) => [...t.gaps])),
    objectives: r.targets.map((t) => t.objectives[t.objectives.length - 1]),
  };
}

function findPython(): string | undefined {
  const candidates = [process.env.SPARSEBENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0);
}

const python = findPython();
const dir = mkdtempSync(join(tmpdir(), 'sparsebench-split-'));
exportSplit(split, dir);

function sklearn(mode: 'gram' | 'default'): Run {
  const out = execFileSync(python as string, [join('bench', 'peers', 'sklearn_lasso_path.py'), dir, '--mode', mode], { encoding: 'utf8' });
  const r = JSON.parse(out) as { solver: string; seconds: number; passes: number; maxGap: number; targets: { finalObjective: number }[] };
  return { solver: r.solver, seconds: r.seconds, passes: r.passes, maxGap: r.maxGap, objectives: r.targets.map((t) => t.finalObjective) };
}

ours(); // one untimed run so V8 has compiled the kernels, as Python's are compiled ahead of time
const runs = new Map<string, Run[]>();
const record = (r: Run): void => void runs.set(r.solver, [...(runs.get(r.solver) ?? []), r]);
for (let i = 0; i < rounds; i++) {
  // interleaved, so drift of a noisy machine hits every solver alike
  record(ours());
  if (python) record(sklearn('gram'));
  if (python && withDefault) record(sklearn('default'));
}
rmSync(dir, { recursive: true, force: true });

console.log(`MNIST one-vs-rest LASSO path: ${n} x ${p}, ${Y.length} targets x 100 alphas, eps 1e-3, tol 1e-4; ${rounds} interleaved rounds`);
if (!python) console.log('scikit-learn not found (apt-get install python3-sklearn, or set SPARSEBENCH_PYTHON): ours only');
const oursMedian = median(runs.get([...runs.keys()][0])!.map((r) => r.seconds));
for (const [solver, rs] of runs) {
  const med = median(rs.map((r) => r.seconds));
  const ratio = med / oursMedian;
  console.log(
    `${med.toFixed(3).padStart(8)} s median (min ${Math.min(...rs.map((r) => r.seconds)).toFixed(3)})  ${ratio.toFixed(2)}x ours  passes ${rs[0].passes}  worst gap ${rs[0].maxGap.toExponential(2)}  ${solver}`,
  );
}
if (python) {
  const a = runs.get([...runs.keys()][0])![0].objectives;
  const b = runs.get([...runs.keys()][1])![0].objectives;
  const diff = a.map((v, i) => v - b[i]);
  console.log(`final objectives, ours - scikit-learn: max ${Math.max(...diff).toExponential(2)}, min ${Math.min(...diff).toExponential(2)} (negative: ours lower)`);
}

// micro-benchmarks of the kernels
const design = CenteredDesign.from(split.XTrain, n, p, 'gram');
const target = design.target(Y[3]);
const alpha = 0.1 * alphaMax(target.xty, n, 1);
const cd = { alpha, l1Ratio: 1, tol: 1e-4, maxIter: 1, positive: false, newton: false, screening: 'none' } as const;
design.solve(target, { ...cd, maxIter: 50 });
new Benchmark.Suite('solver kernels')
  .add(`sparseRows + centeredGram ${n}x${p} (JavaScript reference)`, () => {
    const rows = sparseRows(split.XTrain, n, p);
    centeredGram(rows, columnMeans(rows));
  })
  .add(`sparseRows + centeredGramWasm ${n}x${p} (compiled, used)`, () => {
    const rows = sparseRows(split.XTrain, n, p);
    centeredGramWasm(rows, columnMeans(rows));
  })
  .add('one CD pass over all 784 coordinates (covariance updates, warm)', () => {
    design.solve(target, cd);
  })
  .add('one duality-gap evaluation (O(p) from q)', () => {
    gramDualityGap(target.xty, target.yNorm2, n, target.w, target.aux, cd);
  })
  .on('cycle', (e: Benchmark.Event) => {
    const b = e.target as unknown as Benchmark;
    const stats = b.stats as Benchmark.Stats;
    console.log(`${(stats.mean * 1e3).toFixed(4).padStart(10)} ms  +/-${stats.rme.toFixed(1)}%  ${b.name} (${stats.sample.length} samples)`);
  })
  .run({ async: false });
