import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOf } from './compose.js';

/**
 * BatchMatMul / _FusedMatMul with transposeA or transposeB, as an explicit transpose then
 * the untransposed product. The wasm backend sends untransposed products to XNNPACK but
 * computes transposed ones in a plain loop: for the gradients of a 1600 x 128 dense layer
 * that is ~12 ms against ~2 ms (transpose included). Weight gradients (X^T dY) and input
 * gradients (dY W^T) are exactly these products.
 */
export function makeUntransposedMatMul(kernelName: 'BatchMatMul' | '_FusedMatMul', backendName: string, original: KernelFunc): KernelConfig {
  const transpose = kernelOf('Transpose', backendName);
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const temps: TensorInfo[] = [];
    const flip = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
      const out = transpose({ inputs: { x: t }, backend, attrs: { perm } as unknown as NamedAttrMap }) as TensorInfo;
      temps.push(out);
      return out;
    };
    try {
      return original({
        inputs: { ...inputs, a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as NamedAttrMap,
      });
    } finally {
      for (const t of temps) (backend as KernelBackend).disposeData(t.dataId);
    }
  };
  return { kernelName, backendName, kernelFunc };
}
