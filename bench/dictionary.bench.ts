/**
 * `npm run bench:dictionary`: online dictionary learning (64 atoms, alpha 0.1, batch 256,
 * 200 iterations) on 80,000 centered 7x7 MNIST patches, ours and scikit-learn's
 * MiniBatchDictionaryLearning side by side on the same patches (when python3-sklearn is
 * installed, or SPARSEBENCH_PYTHON names a Python with it), with the final objective of
 * each dictionary on all the patches; then sparse coding alone (`solve codes`) on one and two
 * threads beside scikit-learn's sparse_encode. Options: --rounds N (ours; scikit-learn runs once).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { median } from '../src/report/stats.js';
import { findPython } from '../src/runners/peers.js';
import { lassoCodes } from '../src/sparse/coding.js';
import { onlineDictionary } from '../src/sparse/dictionary.js';
import { extractPatches } from '../src/sparse/patches.js';
import { solveCodes, type CodesSummary } from '../src/suite/solve.js';
import { Rng } from '../src/util/rng.js';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 3) || 3;
const n = 80000;
const P = 49;
const split = stratifiedSplit(loadMnist(), { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 42 });
const X = extractPatches(split.XTrain, 28, 28, 7, { count: n, rng: new Rng(42) });
const o = { atoms: 64, alpha: 0.1, batchSize: 256, iterations: 200 };

const times: number[] = [];
let D: Float64Array = new Float64Array(0);
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  D = onlineDictionary(X, n, P, { ...o, seed: r }).D;
  times.push((performance.now() - t0) / 1000);
}
const ours = lassoCodes(D, o.atoms, P, X, n, { alpha: o.alpha, tol: 1e-4, maxIter: 1000 }).objective;
console.log(`online dictionary learning: 64 atoms, alpha 0.1, batch 256, 200 iterations on ${n} centered 7x7 MNIST patches`);
console.log(`sparsebench          ${median(times).toFixed(3)} s median of ${rounds} (min ${Math.min(...times).toFixed(3)}); final objective on all patches ${ours.toFixed(6)}`);

const python = findPython('sklearn');
if (!python) console.log('scikit-learn not found (apt-get install python3-sklearn, or set SPARSEBENCH_PYTHON)');
else {
  const dir = mkdtempSync(join(tmpdir(), 'sparsebench-patches-'));
  writeFileSync(join(dir, 'patches.f64'), Buffer.from(X.buffer, X.byteOffset, X.byteLength));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ patches: n, features: P, byteOrder: 'little-endian', dtype: 'float64' }));
  const out = execFileSync(python, [join('bench', 'peers', 'sklearn_dictionary.py'), dir], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const sk = JSON.parse(out.trim().split('\n').pop() as string) as { solver: string; seconds: number; finalObjective: number };
  console.log(`${sk.solver}  ${sk.seconds.toFixed(3)} s; final objective on all patches ${sk.finalObjective.toFixed(6)}`);
  console.log(`ratio: scikit-learn / sparsebench = ${(sk.seconds / median(times)).toFixed(1)}x; objective ours - scikit-learn = ${(ours - sk.finalObjective).toExponential(2)}`);
}

// Sparse coding alone: the first 51,200 stride-3 patches of the training split (800 images)
// against the dictionary just learned, ours on one and two threads (`sparsebench solve codes`)
// beside scikit-learn's sparse_encode with every algorithm, on the same patches.
{
  const limit = 51200;
  const dir = mkdtempSync(join(tmpdir(), 'sparsebench-codes-'));
  try {
    const dictionaryFile = join(dir, 'dictionary.json');
    writeFileSync(dictionaryFile, JSON.stringify({ dictionary: Array.from({ length: o.atoms }, (_, k) => [...D.subarray(k * P, (k + 1) * P)]) }));
    const settings = { patch: 7, stride: 3, alpha: o.alpha, atoms: o.atoms, dictionaryFile, limit, solver: 'homotopy', tol: 1e-4 } as const;
    // interleaved rounds, medians: this VM's speed drifts by a third from one second to the next
    const runs: Record<'one' | 'two' | 'cd', CodesSummary[]> = { one: [], two: [], cd: [] };
    for (let r = 0; r < rounds; r++) {
      runs.one.push(await solveCodes({ dataset: 'mnist', seed: 42 }, { ...settings, threads: 1 }));
      runs.two.push(await solveCodes({ dataset: 'mnist', seed: 42 }, { ...settings, threads: 2 }));
      runs.cd.push(await solveCodes({ dataset: 'mnist', seed: 42 }, { ...settings, solver: 'cd', tol: 1e-2, threads: 1 }));
    }
    const us = (xs: CodesSummary[]): number => median(xs.map((x) => x.microsecondsPerSignal));
    const one = runs.one[0];
    console.log(`\nsparse coding: the first ${one.signals} stride-3 7x7 patches of the training split, ${o.atoms} atoms, alpha ${o.alpha}; medians of ${rounds} interleaved rounds`);
    for (const [label, xs] of [['homotopy, 1 thread', runs.one], ['homotopy, 2 threads', runs.two], ['cd tol 1e-2, 1 thread', runs.cd]] as const) {
      console.log(`sparsebench ${label.padEnd(22)} ${us(xs).toFixed(2)} us per patch; objective ${xs[0].objective.toFixed(7)}; mean nonzeros ${xs[0].meanNonzeros.toFixed(2)}`);
    }
    const speedups = runs.one.map((x, r) => x.seconds / runs.two[r].seconds);
    console.log(`2 threads / 1 thread speed-up: ${median(speedups).toFixed(2)}x median (rounds: ${speedups.map((x) => x.toFixed(2)).join(', ')})`);
    if (python) {
      // the split solve codes codes: the same seed and sizes as `split` above
      const grid = extractPatches(split.XTrain.subarray(0, 800 * 784), 28, 28, 7, { stride: 3 }).subarray(0, limit * P);
      writeFileSync(join(dir, 'patches.f64'), Buffer.from(grid.buffer, grid.byteOffset, grid.byteLength));
      writeFileSync(join(dir, 'dictionary.f64'), Buffer.from(D.buffer, D.byteOffset, D.byteLength));
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({ patches: limit, features: P, atoms: o.atoms, byteOrder: 'little-endian', dtype: 'float64' }));
      const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
      const out = execFileSync(python, [join('bench', 'peers', 'sklearn_sparse_encode.py'), dir, '--alpha', String(o.alpha), '--omp-nonzeros', String(Math.round(one.meanNonzeros))], { encoding: 'utf8', env });
      let bestLasso = Infinity;
      for (const line of out.trim().split('\n')) {
        const sk = JSON.parse(line) as { solver: string; problem: string; microsecondsPerSignal: number; objective: number; meanNonzeros: number };
        if (sk.problem === 'lasso') bestLasso = Math.min(bestLasso, sk.microsecondsPerSignal);
        console.log(`${sk.solver.padEnd(46)} ${sk.microsecondsPerSignal.toFixed(1)} us per patch; objective ${sk.objective.toFixed(7)} (${sk.problem}); mean nonzeros ${sk.meanNonzeros.toFixed(2)}`);
      }
      console.log(`ratio: scikit-learn's fastest LASSO algorithm / sparsebench homotopy (1 thread) = ${(bestLasso / us(runs.one)).toFixed(1)}x`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
