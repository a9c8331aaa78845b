import { parameterError, UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { gatherRows } from '../util/rows.js';
import { featureCount, isDetection, ROLE_TRAIN, type Dataset, type DetectionDataset, type Split } from './types.js';

export interface SplitOptions {
  trainSize: number;
  testSize: number;
  /**
   * Images held out for every choice made while training (learning curves, times to a
   * target, settings): the test set is scored once, at the end. Default: an eighth of the
   * training size (at least two per class; for detection a multiple of the textures).
   */
  validationSize?: number;
  seed: number;
  /**
   * Draw the test and validation images before the training images, so that training sets of
   * every size share one test set and one validation set (a sweep over the training size):
   * points of a sweep are then comparable. Off: the order every record so far was split in.
   */
  evaluationFirst?: boolean;
}

/** The validation size a split takes when none is given (see SplitOptions.validationSize). */
export function defaultValidationSize(data: Dataset, trainSize: number): number {
  if (isDetection(data)) {
    const groups = data.detection.groupNames.length;
    return groups * Math.max(2, Math.round(trainSize / 8 / groups));
  }
  return Math.max(2 * data.classes, Math.round(trainSize / 8));
}

/**
 * Seeded, stratified split: each class contributes to train and test in proportion
 * to its share of the data (largest-remainder rounding), so class balance is kept
 * whatever the sizes. Same dataset + options => byte-identical split.
 */
export function stratifiedSplit(data: Dataset, opts: SplitOptions): Split {
  const n = data.y.length;
  const { trainSize, testSize, seed } = opts;
  const validationSize = opts.validationSize ?? defaultValidationSize(data, trainSize);
  if (!Number.isInteger(trainSize) || trainSize < data.classes) {
    throw parameterError('trainSize', ` must be an integer >= ${data.classes}, got ${trainSize}`);
  }
  if (!Number.isInteger(testSize) || testSize < 1) {
    throw parameterError('testSize', ` must be a positive integer, got ${testSize}`);
  }
  if (!Number.isInteger(validationSize) || validationSize < data.classes) {
    throw parameterError('validationSize', ` must be an integer >= ${data.classes} (one per class), got ${validationSize}`);
  }
  if (trainSize + testSize + validationSize > n) {
    throw parameterError('sizes', `: ${data.name} has ${n} samples; train ${trainSize} + validation ${validationSize} + test ${testSize} is too many`);
  }
  const rng = new Rng(seed);
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  for (let i = 0; i < n; i++) byClass[data.y[i]].push(i);
  for (const members of byClass) rng.shuffle(members);

  const counts = byClass.map((m) => m.length);
  const sets: Sets = { train: [], validation: [], test: [] };
  // validation is drawn after train and test by default, so a seed's train and test sets are the
  // same whatever the validation size; evaluationFirst draws test, then validation, then training
  const order = drawOrder(opts);
  const quotas: Partial<Record<Part, number[]>> = {};
  const left = [...counts];
  for (const part of order) {
    const quota = allocate(left, { train: trainSize, validation: validationSize, test: testSize }[part], counts);
    quotas[part] = quota;
    quota.forEach((q, c) => (left[c] -= q));
  }
  byClass.forEach((members, c) => {
    let from = 0;
    for (const part of order) {
      const q = (quotas[part] as number[])[c];
      sets[part].push(...members.slice(from, from + q));
      from += q;
    }
  });
  return assembleShuffled(data, sets, order, rng, seed);
}

type Part = 'train' | 'validation' | 'test';
type Sets = Record<Part, number[]>;

/** The order the parts are drawn (and shuffled) in: see SplitOptions.evaluationFirst. */
const drawOrder = (opts: SplitOptions): readonly Part[] => (opts.evaluationFirst ? ['test', 'validation', 'train'] : ['train', 'test', 'validation']);

/** Each part shuffled in drawing order (so that with evaluationFirst no evaluation order moves with the training size), then gathered. */
function assembleShuffled(data: Dataset, sets: Sets, order: readonly Part[], rng: Rng, seed: number): Split {
  const shuffled: Partial<Record<Part, Uint32Array>> = {};
  for (const part of order) shuffled[part] = rng.shuffle(Uint32Array.from(sets[part]));
  return assemble(data, shuffled.train as Uint32Array, shuffled.validation as Uint32Array, shuffled.test as Uint32Array, seed);
}

/** Share of defective images in a detection test set (the rest are defect-free), unless the source has a split of its own. */
export const TEST_DEFECT_RATE = 0.5;

/**
 * Seeded split of a detection dataset: training images are defect-free only, the same
 * number from every group (texture); the test set holds each group equally, with
 * TEST_DEFECT_RATE defective images spread over the defect kinds as evenly as they allow.
 * A source with a split of its own (roles: MVTec AD's train/ and test/ folders) keeps it:
 * training draws from its training images only, validation and test from its test images
 * only, with each group's own share of defective images there.
 */
export function detectionSplit(data: DetectionDataset, opts: SplitOptions): Split {
  const { trainSize, testSize, seed } = opts;
  const validationSize = opts.validationSize ?? defaultValidationSize(data, trainSize);
  const groups = data.detection.groupNames.length;
  for (const [flag, v] of [['trainSize', trainSize], ['validationSize', validationSize], ['testSize', testSize]] as const) {
    if (!Number.isInteger(v) || v < 2 * groups || v % groups !== 0) {
      throw parameterError(flag, ` must be a multiple of ${groups} (one share per texture of ${data.name}) and at least ${2 * groups}, got ${v}`);
    }
  }
  const rng = new Rng(seed);
  const train: number[] = [];
  const test: number[] = [];
  const val: number[] = [];
  const pools = detectionPools(data);
  for (let g = 0; g < groups; g++) {
    const { trainGood, byClass } = pools[g];
    for (const members of byClass) rng.shuffle(members);
    rng.shuffle(trainGood);
    const [good, ...defective] = byClass;
    const nTrain = trainSize / groups;
    const nTest = testSize / groups;
    const nVal = validationSize / groups;
    const { nBad, nValBad } = defectiveShares(pools[g], nTest, nVal, data.detection.roles !== undefined);
    const name = data.detection.groupNames[g];
    // without roles, training and evaluation share one pool of defect-free images
    const shared = data.detection.roles === undefined;
    // evaluationFirst: the defect-free test and validation images first, training from the rest
    const evaluationGood = nTest - nBad + nVal - nValBad;
    const evalGood = shared && !opts.evaluationFirst ? good.slice(nTrain) : good;
    if (shared && nTrain + nTest - nBad + nVal - nValBad > good.length) {
      throw parameterError('sizes', `: ${data.name}/${name} has ${good.length} defect-free images; train ${nTrain} + validation ${nVal - nValBad} + test ${nTest - nBad} is too many`);
    }
    if (!shared && nTrain > trainGood.length) throw new UsageError(`${data.name}/${name} has ${trainGood.length} training images (train/good); trainSize ${trainSize} asks ${nTrain} of each group`);
    if (!shared && nTest - nBad + nVal - nValBad > good.length) {
      throw parameterError('sizes', `: ${data.name}/${name} has ${good.length} defect-free test images (test/good); validation ${nVal - nValBad} + test ${nTest - nBad} is too many`);
    }
    const available = defective.map((m) => m.length);
    if (nBad + nValBad > available.reduce((a, b) => a + b, 0)) {
      throw parameterError('sizes', `: ${data.name}/${name} has too few defective images for a test set of ${nTest} and a validation set of ${nVal}`);
    }
    const quota = allocate(available, nBad, available.map(() => 1));
    const valQuota = allocate(available.map((a, k) => a - quota[k]), nValBad, available.map(() => 1));
    const goodTest = nTest - nBad;
    train.push(...(shared ? (opts.evaluationFirst ? good.slice(evaluationGood) : good) : trainGood).slice(0, nTrain));
    test.push(...evalGood.slice(0, goodTest), ...defective.flatMap((m, k) => m.slice(0, quota[k])));
    val.push(...evalGood.slice(goodTest, goodTest + nVal - nValBad), ...defective.flatMap((m, k) => m.slice(quota[k], quota[k] + valQuota[k])));
  }
  const split = assembleShuffled(data, { train, validation: val, test }, drawOrder(opts), rng, seed);
  const d = data.detection;
  const pixels = data.height * data.width;
  return {
    ...split,
    detection: {
      maskTest: gatherRows(d.masks, split.testIndex, pixels),
      maskVal: gatherRows(d.masks, split.valIndex, pixels),
      groupTrain: Uint8Array.from(split.trainIndex, (i) => d.groups[i]),
      groupVal: Uint8Array.from(split.valIndex, (i) => d.groups[i]),
      groupTest: Uint8Array.from(split.testIndex, (i) => d.groups[i]),
      groupNames: d.groupNames,
      kindNames: d.kindNames,
    },
  };
}

interface DetectionPool {
  /** Defect-free images training may draw (with roles: the source's training images; else empty, and byClass[0] serves both). */
  readonly trainGood: number[];
  /** The images validation and test draw, by label (with roles: the source's test images; else all). */
  readonly byClass: number[][];
}

/** Each group's pools, in index order (the split shuffles them with its seed). */
function detectionPools(data: DetectionDataset): DetectionPool[] {
  const { groups, groupNames, roles } = data.detection;
  return groupNames.map((_, g) => {
    const trainGood: number[] = [];
    const byClass: number[][] = Array.from({ length: data.classes }, () => []);
    for (let i = 0; i < data.y.length; i++) {
      if (groups[i] !== g) continue;
      if (roles !== undefined && roles[i] === ROLE_TRAIN) {
        if (data.y[i] === 0) trainGood.push(i);
      } else byClass[data.y[i]].push(i);
    }
    return { trainGood, byClass };
  });
}

/** Defective images in a group's test and validation shares: TEST_DEFECT_RATE, or with roles the group's own share. */
function defectiveShares(pool: DetectionPool, nTest: number, nVal: number, own: boolean): { nBad: number; nValBad: number } {
  const all = pool.byClass.reduce((n, m) => n + m.length, 0);
  const rate = !own ? TEST_DEFECT_RATE : all === 0 ? 0 : (all - pool.byClass[0].length) / all;
  return { nBad: Math.round(nTest * rate), nValBad: Math.round(nVal * rate) };
}

/**
 * Default sizes of a detection source with a split of its own: every training image the
 * smallest group has, and its test images, a fifth to validate and the rest to test (the
 * test share shrunk until every group's good and defective images cover it).
 */
export function ownSplitSizes(data: DetectionDataset): { trainSize: number; validationSize: number; testSize: number } {
  const pools = detectionPools(data);
  const groups = pools.length;
  const nTrain = Math.min(...pools.map((p) => p.trainGood.length));
  const pool = Math.min(...pools.map((p) => p.byClass.reduce((n, m) => n + m.length, 0)));
  const nVal = Math.max(2, Math.round(pool / 5));
  const fits = (nTest: number): boolean =>
    pools.every((p) => {
      const { nBad, nValBad } = defectiveShares(p, nTest, nVal, true);
      const bad = p.byClass.slice(1).reduce((n, m) => n + m.length, 0);
      return nTest - nBad + nVal - nValBad <= p.byClass[0].length && nBad + nValBad <= bad;
    });
  let nTest = pool - nVal;
  while (nTest >= 2 && !fits(nTest)) nTest--;
  if (nTrain < 2 || nTest < 2) {
    throw new UsageError(`${data.name}: too few images for a split (each group needs at least 2 training images in train/good and ${nVal + 2} test images in test/)`);
  }
  return { trainSize: nTrain * groups, validationSize: nVal * groups, testSize: nTest * groups };
}

/** The split every runner uses: stratified for classification, good-only training for detection. */
export function makeSplit(data: Dataset, opts: SplitOptions): Split {
  return isDetection(data) ? detectionSplit(data, opts) : stratifiedSplit(data, opts);
}

function assemble(data: Dataset, trainIndex: Uint32Array, valIndex: Uint32Array, testIndex: Uint32Array, seed: number): Split {
  const [XTrain, yTrain] = gather(data, trainIndex);
  const [XVal, yVal] = gather(data, valIndex);
  const [XTest, yTest] = gather(data, testIndex);
  return {
    dataset: data.name,
    seed,
    height: data.height,
    width: data.width,
    channels: data.channels,
    classes: data.classes,
    features: featureCount(data),
    trainIndex,
    valIndex,
    testIndex,
    XTrain,
    yTrain,
    XVal,
    yVal,
    XTest,
    yTest,
  };
}

/**
 * The split as an evaluation on its validation part sees it: the validation images in the
 * test fields, so that every scorer of test images scores them unchanged. Runners evaluate
 * their curves on this view and the test set once, at the end.
 */
export function validationView(split: Split): Split {
  const det = split.detection;
  return {
    ...split,
    testIndex: split.valIndex,
    XTest: split.XVal,
    yTest: split.yVal,
    ...(det ? { detection: { ...det, maskTest: det.maskVal, groupTest: det.groupVal } } : {}),
  };
}

/**
 * Split `total` across classes in proportion to `weights` (largest remainder),
 * never exceeding `available[c]`.
 */
function allocate(available: number[], total: number, weights: number[] = available): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const quota = exact.map((e, c) => Math.min(Math.floor(e), available[c]));
  let left = total - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  while (left > 0) {
    let placed = false;
    for (const [, c] of order) {
      if (left === 0) break;
      if (quota[c] < available[c]) {
        quota[c]++;
        left--;
        placed = true;
      }
    }
    if (!placed) throw new Error('allocate: not enough samples');
  }
  return quota;
}

function gather(data: Dataset, index: Uint32Array): [Float32Array, Uint8Array] {
  return [gatherRows(data.X, index, featureCount(data)), Uint8Array.from(index, (i) => data.y[i])];
}
