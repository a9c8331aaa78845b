import { datasetEntry, loadDataset, splitSizes } from '../datasets/registry.js';
import { makeSplit } from '../datasets/split.js';
import type { Split } from '../datasets/types.js';
import { parameterError } from '../errors.js';
import { elasticNet, type ElasticNetOptions } from '../sparse/estimators.js';
import { enetPath, oneVsRestTargets, type PathOptions } from '../sparse/path.js';
import { readFileSync } from 'node:fs';
import { lassoCodes, validateDictionary } from '../sparse/coding.js';
import { DICTIONARY_RUNNER } from '../runners/dictionary.js';
import { CodingPool, shared } from '../sparse/coding-pool.js';
import { onlineDictionary } from '../sparse/dictionary.js';
import { extractPatches, patchGrid } from '../sparse/patches.js';
import { Rng } from '../util/rng.js';

export interface SolveData {
  readonly dataset: string;
  readonly seed: number;
  readonly trainSize?: number;
  readonly testSize?: number;
}

function trainingSplit(d: SolveData): Split {
  const e = datasetEntry(d.dataset);
  const available = e.available();
  if (!available.ok) throw parameterError('dataset', ` ${d.dataset}: ${available.reason}`);
  return makeSplit(loadDataset(d.dataset), { ...splitSizes(e, d), seed: d.seed });
}

export interface PathTargetSummary {
  readonly target: string;
  readonly alphas: number[];
  readonly gaps: number[];
  readonly nonzeros: number[];
  readonly passes: number[];
  readonly newtonSteps: number[];
  readonly finalObjective: number;
  readonly converged: boolean;
}

export interface PathSummary {
  readonly problem: string;
  readonly dataset: string;
  readonly samples: number;
  readonly features: number;
  readonly options: Omit<PathOptions, 'alphas'>;
  readonly mode: string;
  readonly seconds: { prepare: number; solve: number; total: number };
  readonly maxGap: number;
  readonly passes: number;
  readonly newtonSteps: number;
  readonly targets: PathTargetSummary[];
}

/**
 * The one-vs-rest LASSO / elastic-net paths on a dataset's training split: one centered
 * 0/1 target per class, each with its own grid (as scikit-learn's lasso_path for a 1-D y).
 */
export function solvePath(data: SolveData, opts: Partial<PathOptions>, onAlpha?: (t: number, i: number) => void): PathSummary {
  const split = trainingSplit(data);
  const n = split.yTrain.length;
  const r = enetPath({ data: split.XTrain, rows: n, columns: split.features }, oneVsRestTargets(split.yTrain, split.classes), opts, onAlpha);
  const targets = r.targets.map((t, c) => ({
    target: `class ${c} vs rest`,
    alphas: [...t.alphas],
    gaps: [...t.gaps],
    nonzeros: [...t.nonzeros],
    passes: [...t.passes],
    newtonSteps: [...t.newtonSteps],
    finalObjective: t.objectives[t.objectives.length - 1],
    converged: t.converged.every(Boolean),
  }));
  const sum = (f: (t: PathTargetSummary) => number[]): number => targets.reduce((s, t) => s + f(t).reduce((a, b) => a + b, 0), 0);
  return {
    problem: 'one-vs-rest elastic-net paths, (1/(2n))||y - Xw||^2 + alpha l1Ratio ||w||_1 + alpha (1 - l1Ratio)/2 ||w||^2, centered',
    dataset: data.dataset,
    samples: n,
    features: split.features,
    options: withoutGrid(r.options),
    mode: r.mode,
    seconds: { prepare: r.prepareSeconds, solve: r.solveSeconds, total: r.prepareSeconds + r.solveSeconds },
    maxGap: Math.max(...targets.flatMap((t) => t.gaps)),
    passes: sum((t) => t.passes),
    newtonSteps: sum((t) => t.newtonSteps),
    targets,
  };
}

export interface FitSummary {
  readonly dataset: string;
  readonly samples: number;
  readonly features: number;
  readonly alpha: number;
  readonly l1Ratio: number;
  readonly mode: string;
  readonly seconds: number;
  readonly targets: {
    target: string;
    nonzeros: number;
    l1Norm: number;
    maxAbsCoef: number;
    intercept: number;
    objective: number;
    gap: number;
    passes: number;
    newtonSteps: number;
    converged: boolean;
  }[];
}

/** One elastic-net fit per one-vs-rest target at a fixed alpha. */
export function solveFit(data: SolveData, opts: ElasticNetOptions): FitSummary {
  const split = trainingSplit(data);
  const n = split.yTrain.length;
  const p = split.features;
  const t0 = performance.now();
  const fit = elasticNet({ data: split.XTrain, rows: n, columns: p }, oneVsRestTargets(split.yTrain, split.classes), opts);
  const seconds = (performance.now() - t0) / 1e3;
  return {
    dataset: data.dataset,
    samples: n,
    features: p,
    alpha: opts.alpha,
    l1Ratio: opts.l1Ratio ?? 1,
    mode: fit.mode,
    seconds,
    targets: Array.from({ length: fit.targets }, (_, t) => {
      const w = fit.coef.subarray(t * p, (t + 1) * p);
      let nonzeros = 0;
      let l1Norm = 0;
      let maxAbsCoef = 0;
      for (const v of w) {
        if (v !== 0) nonzeros++;
        l1Norm += Math.abs(v);
        maxAbsCoef = Math.max(maxAbsCoef, Math.abs(v));
      }
      return {
        target: `class ${t} vs rest`,
        nonzeros,
        l1Norm,
        maxAbsCoef,
        intercept: fit.intercept[t],
        objective: fit.objectives[t],
        gap: fit.gaps[t],
        passes: fit.passes[t],
        newtonSteps: fit.newtonSteps[t],
        converged: fit.converged[t],
      };
    }),
  };
}

function withoutGrid({ alphas, ...rest }: PathOptions): Omit<PathOptions, 'alphas'> {
  void alphas; // the grid itself is reported per target
  return rest;
}

export interface DictionarySolveOptions {
  readonly patch: number;
  readonly atoms: number;
  readonly patches: number;
  readonly alpha: number;
  readonly batchSize: number;
  readonly iterations: number;
}

export interface DictionarySummary {
  readonly dataset: string;
  readonly options: DictionarySolveOptions;
  /** Learning alone (patch extraction and the final evaluation excluded). */
  readonly seconds: number;
  readonly trace: { iteration: number; objective: number }[];
  /** Mean 0.5 ||x - D^T a||^2 + alpha ||a||_1 over all the patches, codes at tol 1e-4. */
  readonly finalObjective: number;
  readonly resampled: number;
  /** atoms x patch pixels. */
  readonly dictionary: number[][];
}

/** Online dictionary learning on centered random patches of a dataset's training split. */
export function solveDictionary(data: SolveData, o: DictionarySolveOptions, seed: number): DictionarySummary {
  const split = trainingSplit(data);
  const P = o.patch * o.patch;
  const X = extractPatches(split.XTrain, split.height, split.width, o.patch, { count: o.patches, rng: new Rng(seed) });
  const t0 = performance.now();
  const fit = onlineDictionary(X, o.patches, P, { atoms: o.atoms, alpha: o.alpha, batchSize: o.batchSize, iterations: o.iterations, seed });
  const seconds = (performance.now() - t0) / 1e3;
  const final = lassoCodes(fit.D, o.atoms, P, X, o.patches, { alpha: o.alpha, tol: 1e-4, maxIter: 1000 });
  return {
    dataset: data.dataset,
    options: o,
    seconds,
    trace: fit.trace.filter((p) => p.iteration % 10 === 0 || p.iteration === 1),
    finalObjective: final.objective,
    resampled: fit.resampled,
    dictionary: Array.from({ length: o.atoms }, (_, k) => [...fit.D.subarray(k * P, (k + 1) * P)]),
  };
}

export interface CodesSolveOptions {
  readonly patch: number;
  readonly stride: number;
  readonly alpha: number;
  /** Atoms of the dictionary learned here when no dictionary file is given. */
  readonly atoms: number;
  /** A dictionary as `solve dictionary --json` prints it (its `dictionary` field: atoms x patch pixels). */
  readonly dictionaryFile?: string;
  /** Code only the first `limit` patches, in image-major, row, column order. */
  readonly limit?: number;
  readonly threads: number;
  readonly solver: 'homotopy' | 'cd';
  readonly tol: number;
}

export interface CodesSummary {
  readonly dataset: string;
  readonly options: Omit<CodesSolveOptions, 'dictionaryFile'> & { dictionary: string };
  readonly signals: number;
  readonly atoms: number;
  /** Coding alone: correlations and solves (patch extraction and dictionary learning excluded). */
  readonly seconds: number;
  readonly microsecondsPerSignal: number;
  /** Mean 0.5 ||x - D^T a||^2 + alpha ||a||_1 over the signals. */
  readonly objective: number;
  readonly meanNonzeros: number;
  readonly threads: number;
  readonly fallbacks: number;
}

/** A dictionary from a `solve dictionary --json` document: every problem names the file. */
export function readDictionaryFile(file: string, patch: number): { D: Float64Array; atoms: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw parameterError('dictionary', `: ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const rows = (doc as { dictionary?: unknown }).dictionary;
  if (!Array.isArray(rows) || rows.length === 0) throw parameterError('dictionary', `: ${file}: no "dictionary" field of atoms (the JSON that solve dictionary --json prints)`);
  const P = patch * patch;
  const D = new Float64Array(rows.length * P);
  rows.forEach((row: unknown, k) => {
    if (!Array.isArray(row) || row.length !== P) throw parameterError('dictionary', `: ${file}: atom ${k} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${P} (--patch ${patch})`);
    row.forEach((v: unknown, t) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw parameterError('dictionary', `: ${file}: atom ${k} value ${t} is not a finite number`);
      D[k * P + t] = v;
    });
  });
  return { D, atoms: rows.length };
}

/**
 * LASSO codes of every patch on a stride grid of a dataset's training split (centered as
 * the dictionary runner centers them), against a dictionary read from a file or learned
 * here with the dictionary runner's settings; timed alone, on `threads` threads.
 */
export async function solveCodes(data: SolveData, o: CodesSolveOptions): Promise<CodesSummary> {
  const split = trainingSplit(data);
  const P = o.patch * o.patch;
  const { rows, cols } = patchGrid(split.height, split.width, o.patch, o.stride);
  const perImage = rows * cols;
  const images = o.limit === undefined ? split.yTrain.length : Math.min(split.yTrain.length, Math.ceil(o.limit / perImage));
  const all = extractPatches(split.XTrain.subarray(0, images * split.height * split.width), split.height, split.width, o.patch, { stride: o.stride });
  const m = Math.min(all.length / P, o.limit ?? Infinity);
  // in shared memory from the start, with a shared buffer for the codes: the threads read and
  // write them in place, and no copy falls inside the timed call
  const X = shared(all.subarray(0, m * P));
  let D: Float64Array;
  let atoms: number;
  if (o.dictionaryFile) ({ D, atoms } = readDictionaryFile(o.dictionaryFile, o.patch));
  else {
    const { learnPatches, batchSize, iterations } = DICTIONARY_RUNNER;
    const rng = new Rng(data.seed);
    const sample = extractPatches(split.XTrain, split.height, split.width, o.patch, { count: learnPatches, rng });
    D = onlineDictionary(sample, learnPatches, P, { atoms: o.atoms, alpha: o.alpha, batchSize, iterations, seed: rng.nextUint32() }).D;
    atoms = o.atoms;
  }
  validateDictionary(D, atoms, P);
  const codeOptions = { alpha: o.alpha, tol: o.tol, maxIter: 1000, solver: o.solver } as const;
  const pool = await CodingPool.create(o.threads);
  try {
    // one untimed warm-up on up to 51,200 signals, so that every thread's JIT has optimised the
    // solver before the clock starts: a fresh worker after 256 (or 8,192) signals still ran
    // slower than this thread (1.4x on 2 threads; 1.7-1.96x once warm)
    const warm = Math.min(m, 51200);
    await pool.lassoCodes(D, atoms, P, X.subarray(0, warm * P), warm, codeOptions);
    const out = new Float64Array(new SharedArrayBuffer(m * atoms * 8));
    const t0 = performance.now();
    const r = await pool.lassoCodes(D, atoms, P, X, m, codeOptions, pool.threads, out);
    const seconds = (performance.now() - t0) / 1e3;
    let nonzeros = 0;
    for (let i = 0; i < r.codes.length; i++) if (r.codes[i] !== 0) nonzeros++;
    const { dictionaryFile, ...rest } = o;
    return {
      dataset: data.dataset,
      options: { ...rest, dictionary: dictionaryFile ?? `learned here with the dictionary runner's settings (${o.atoms} atoms, ${DICTIONARY_RUNNER.learnPatches} patches, ${DICTIONARY_RUNNER.iterations} mini-batches of ${DICTIONARY_RUNNER.batchSize}, seed ${data.seed})` },
      signals: m,
      atoms,
      seconds,
      microsecondsPerSignal: (seconds / Math.max(1, m)) * 1e6,
      objective: r.objective,
      meanNonzeros: nonzeros / Math.max(1, m),
      threads: pool.threads,
      fallbacks: r.fallbacks ?? 0,
    };
  } finally {
    await pool.close();
  }
}
