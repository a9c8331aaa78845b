/**
 * Micro-benchmarks of the deep-learning kernels (benchmark.js): mean milliseconds per call
 * with the relative margin of error. Figures, not tests: `npm run bench:kernels`.
 * The solver kernels are in solvers.bench.ts.
 */
import Benchmark from 'benchmark';
import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { selectBackend } from '../src/deep/backend.js';
import { adam } from '../src/deep/adam.js';
import { buildCnn, DEFAULT_CNN, trainStep } from '../src/deep/cnn.js';
import { Rng } from '../src/util/rng.js';

const split = stratifiedSplit(loadMnist(), { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 42 });
const n = split.yTrain.length;
const p = split.features;
const backend = await selectBackend((process.env.SPARSEBENCH_BACKEND as 'auto' | undefined) ?? 'auto');
process.stderr.write(`tfjs backend: ${backend.name} (${backend.reason})\n`);

// CNN: one training step on a batch of 64
const rng = new Rng(1);
const model = buildCnn(split, DEFAULT_CNN, rng);
const optimizer = adam(1e-3);
const xs = tf.tensor4d(split.XTrain.subarray(0, 64 * p), [64, 28, 28, 1]);
const ys = tf.oneHot(tf.tensor1d(split.yTrain.subarray(0, 64), 'int32'), 10) as tf.Tensor2D;
const x2 = tf.randomNormal([64, 13, 13, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
const dy2 = tf.randomNormal([64, 11, 11, 16], 0, 1, 'float32', 4) as tf.Tensor4D;

const suite = new Benchmark.Suite('kernels');
suite
  .add(`cnn training step, batch 64 (${backend.name})`, () => {
    trainStep(model, optimizer, xs, ys);
  })
  .add(`Conv2DBackpropFilter x[64,13,13,8] dy[64,11,11,16] (${backend.name})`, () => {
    tf.tidy(() =>
      (
        tf.engine().runKernel('Conv2DBackpropFilter', { x: x2, dy: dy2 }, {
          strides: 1,
          pad: 'valid',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape: [3, 3, 8, 16],
        } as unknown as tf.NamedAttrMap) as tf.Tensor
      ).dataSync(),
    );
  })
  .on('cycle', (e: Benchmark.Event) => {
    const b = e.target as unknown as Benchmark;
    const stats = b.stats as Benchmark.Stats;
    console.log(`${(stats.mean * 1e3).toFixed(3).padStart(10)} ms  +/-${stats.rme.toFixed(1)}%  ${b.name} (${stats.sample.length} samples)`);
  })
  .run({ async: false });
