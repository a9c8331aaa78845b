import { backend_util, type KernelBackend, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOf } from './compose.js';

/**
 * Conv2DBackpropInput as a forward convolution (stride 1): dx is dy convolved with the
 * spatially flipped filter, channels swapped, padded by K - 1 - pad on each side:
 *   dx[b, i, j, ci] = sum_{kh, kw, co} dy[b, i + pt - kh, j + pl - kw, co] w[kh, kw, ci, co]
 * XNNPACK then does the work instead of the wasm backend's direct loop (~8 ms a call on
 * the default CNN). Strided convolutions keep the built-in kernel, passed as `fallback`.
 */
export function makeConv2DBackpropInput(backendName: string, fallback: KernelFunc): KernelConfig {
  const conv2d = kernelOf('Conv2D', backendName);
  const transpose = kernelOf('Transpose', backendName);
  const reverse = kernelOf('Reverse', backendName);

  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as {
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    const info = backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const plain = a.dataFormat !== 'NCHW' && info.strideHeight === 1 && info.strideWidth === 1;
    if (!plain || top > kh - 1 || bottom > kh - 1 || left > kw - 1 || right > kw - 1) return fallback(args);
    const run = (f: KernelFunc, inp: Record<string, TensorInfo>, at: Record<string, unknown>): TensorInfo =>
      f({ inputs: inp, backend, attrs: at as NamedAttrMap }) as TensorInfo;
    const flipped = run(reverse, { x: filter }, { dims: [0, 1] });
    const swapped = run(transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
    try {
      return run(conv2d, { x: dy, filter: swapped }, {
        strides: [1, 1],
        pad: [
          [0, 0],
          [kh - 1 - top, kh - 1 - bottom],
          [kw - 1 - left, kw - 1 - right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined,
      });
    } finally {
      (backend as KernelBackend).disposeData(flipped.dataId);
      (backend as KernelBackend).disposeData(swapped.dataId);
    }
  };
  return { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc };
}
