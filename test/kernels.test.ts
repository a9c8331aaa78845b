import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/deep/backend.js';
import { Rng } from '../src/util/rng.js';

type Pad = 'valid' | 'same';

/** Runs one kernel on the named backend from host arrays and returns host values. */
async function onBackend(name: string, fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  return tf.tidy(fn).dataSync() as Float32Array;
}

function random(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
}

/** A random convolution: batch, sides in [minSide, minSide + sides), 1-5 in and 1-6 out channels, a 1-4 x 1-4 filter (drawn in this order, so seeds give the same cases). */
function convShape(rng: Rng, batches: number, minSide: number, sides: number) {
  return {
    b: 1 + rng.nextInt(batches),
    h: minSide + rng.nextInt(sides),
    w: minSide + rng.nextInt(sides),
    ci: 1 + rng.nextInt(5),
    co: 1 + rng.nextInt(6),
    kh: 1 + rng.nextInt(4),
    kw: 1 + rng.nextInt(4),
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  const info = await selectBackend('wasm');
  expect(info.customKernels).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', '_FusedMatMul']);
});

describe('Conv2DBackpropFilter registered for wasm', () => {

  const rng = new Rng(7);
  const cases: { pad: Pad; stride: number }[] = [
    { pad: 'valid', stride: 1 },
    { pad: 'same', stride: 1 },
    { pad: 'valid', stride: 2 },
    { pad: 'same', stride: 2 },
  ];
  for (const { pad, stride } of cases) {
    for (let trial = 0; trial < 4; trial++) {
      const { b, h, w, ci, co, kh, kw } = convShape(rng, 4, 5, 10);
      it(`matches cpu: pad ${pad}, stride ${stride}, x [${b},${h},${w},${ci}], filter [${kh},${kw},${ci},${co}]`, async () => {
        const info = tf.backend_util.computeConv2DInfo([b, h, w, ci], [kh, kw, ci, co], stride, 1, pad);
        const x = random(rng, b * h * w * ci);
        const dy = random(rng, b * info.outHeight * info.outWidth * co);
        const run = (): tf.Tensor =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor4d(x, [b, h, w, ci]), dy: tf.tensor4d(dy, [b, info.outHeight, info.outWidth, co]) },
            { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [kh, kw, ci, co] } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
        const got = await onBackend('wasm', run);
        const want = await onBackend('cpu', run);
        expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4);
      });
    }
  }

  it('gives the same filter gradient as cpu through tf.grad of a conv layer', async () => {
    const x = random(rng, 2 * 12 * 12 * 3);
    const f = random(rng, 3 * 3 * 3 * 4);
    const grad = (): tf.Tensor =>
      tf.grad((filter: tf.Tensor) => tf.conv2d(tf.tensor4d(x, [2, 12, 12, 3]), filter as tf.Tensor4D, 2, 'same').square().sum())(
        tf.tensor4d(f, [3, 3, 3, 4]),
      );
    expect(maxAbsDiff(await onBackend('wasm', grad), await onBackend('cpu', grad))).toBeLessThanOrEqual(1e-4);
  });

  it('leaks no tensors or backend memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    const g = tf.grad((filter: tf.Tensor) => tf.conv2d(x, filter as tf.Tensor4D, 1, 'valid').sum())(f);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(beforeBytes);
    x.dispose();
    f.dispose();
  });
});

describe('Conv2DBackpropInput replaced on wasm (forward conv with the flipped filter)', () => {
  const rng = new Rng(17);
  for (const pad of ['valid', 'same'] as const) {
    for (const stride of [1, 2]) {
      for (let trial = 0; trial < 3; trial++) {
        const { b, h, w, ci, co, kh, kw } = convShape(rng, 3, 6, 8);
        it(`matches cpu: pad ${pad}, stride ${stride}${stride > 1 ? ' (built-in fallback)' : ''}, x [${b},${h},${w},${ci}], filter [${kh},${kw},${ci},${co}]`, async () => {
          const info = tf.backend_util.computeConv2DInfo([b, h, w, ci], [kh, kw, ci, co], stride, 1, pad);
          const dy = random(rng, b * info.outHeight * info.outWidth * co);
          const f = random(rng, kh * kw * ci * co);
          const run = (): tf.Tensor =>
            tf.engine().runKernel(
              'Conv2DBackpropInput',
              { dy: tf.tensor4d(dy, [b, info.outHeight, info.outWidth, co]), filter: tf.tensor4d(f, [kh, kw, ci, co]) },
              { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [b, h, w, ci] } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
          expect(maxAbsDiff(await onBackend('wasm', run), await onBackend('cpu', run))).toBeLessThanOrEqual(1e-4);
        });
      }
    }
  }
});

describe('MaxPoolGrad replaced on wasm (JS on the heap)', () => {
  const rng = new Rng(23);
  const cases = [
    { size: 2, stride: 2, pad: 'valid' as const },
    { size: 2, stride: 2, pad: 'same' as const },
    { size: 3, stride: 2, pad: 'same' as const },
    { size: 3, stride: 1, pad: 'valid' as const },
    { size: 2, stride: 1, pad: 'same' as const },
  ];
  for (const { size, stride, pad } of cases) {
    for (const ties of [false, true]) {
      it(`matches cpu: ${size}x${size}, stride ${stride}, ${pad}${ties ? ', with ties (first maximum wins)' : ''}`, async () => {
        const shape: [number, number, number, number] = [2, 7 + rng.nextInt(4), 6 + rng.nextInt(5), 1 + rng.nextInt(4)];
        const n = shape.reduce((a, b) => a * b);
        // ties: values on a coarse grid, and many zeros as after a relu
        const x = Float32Array.from({ length: n }, () => (ties ? Math.max(0, Math.round(rng.nextFloat() * 4 - 2)) : rng.nextFloat()));
        const info = tf.backend_util.computePool2DInfo(shape, size, stride, 1, pad);
        const dy = random(rng, shape[0] * info.outHeight * info.outWidth * shape[3]);
        const run = (): tf.Tensor => {
          const input = tf.tensor4d(x, shape);
          const output = tf.maxPool(input, size, stride, pad);
          return tf.engine().runKernel(
            'MaxPoolGrad',
            { dy: tf.tensor4d(dy, output.shape as [number, number, number, number]), input, output },
            { filterSize: size, strides: stride, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
        };
        expect(maxAbsDiff(await onBackend('wasm', run), await onBackend('cpu', run))).toBeLessThanOrEqual(1e-6);
      });
    }
  }
});

describe('BatchMatMul / _FusedMatMul with transposes, untransposed on wasm', () => {
  const rng = new Rng(29);
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matches cpu: transposeA ${ta}, transposeB ${tb}, batched and fused with bias + relu`, async () => {
      const [b, m, k, n] = [2, 3 + rng.nextInt(20), 2 + rng.nextInt(30), 1 + rng.nextInt(15)];
      const a = random(rng, b * m * k);
      const c = random(rng, b * k * n);
      const bias = random(rng, n);
      const shapeA = ta ? [b, k, m] : [b, m, k];
      const shapeB = tb ? [b, n, k] : [b, k, n];
      const plain = (): tf.Tensor => tf.matMul(tf.tensor3d(a, shapeA as [number, number, number]), tf.tensor3d(c, shapeB as [number, number, number]), ta, tb);
      const fused = (): tf.Tensor =>
        tf.fused.matMul({
          a: tf.tensor2d(a.subarray(0, m * k), (ta ? [k, m] : [m, k]) as [number, number]),
          b: tf.tensor2d(c.subarray(0, k * n), (tb ? [n, k] : [k, n]) as [number, number]),
          transposeA: ta,
          transposeB: tb,
          bias: tf.tensor1d(bias),
          activation: 'relu',
        });
      expect(maxAbsDiff(await onBackend('wasm', plain), await onBackend('cpu', plain))).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(await onBackend('wasm', fused), await onBackend('cpu', fused))).toBeLessThanOrEqual(1e-4);
    });
  }
});
