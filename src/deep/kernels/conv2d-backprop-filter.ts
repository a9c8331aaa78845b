import { backend_util, type KernelBackend, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOf } from './compose.js';

/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it (tfjs-backend-wasm 4.x).
 *
 * dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, oh*s + kh - pt, ow*s + kw - pl, ci] * dy[b, oh, ow, co]
 *
 * is itself a forward convolution once the batch axis plays the role of channels:
 * input  x'  = transpose(x,  [3, 1, 2, 0])  : [Ci, H, W, B]
 * filter dy' = transpose(dy, [1, 2, 0, 3])  : [OH, OW, B, Co]
 * conv2d(x', dy', stride 1, dilation = original stride, same explicit padding)
 *        : [Ci, KH', KW', Co], KH' >= KH (extra rows come from bottom/right padding
 *          the forward pass never reached), sliced to KH x KW and transposed back.
 * XNNPACK does the multiply-adds. Only the backend's own kernels are called, on
 * TensorInfos, and every intermediate is released, so it composes like a native one.
 * (Transposes written in JS on views of the wasm heap were measured 3x slower than the
 * backend's Transpose.)
 */
export function makeConv2DBackpropFilter(backendName: string): KernelConfig {
  const conv2d = kernelOf('Conv2D', backendName);
  const transpose = kernelOf('Transpose', backendName);
  const slice = kernelOf('Slice', backendName);

  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as {
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported');
    const run = (f: KernelFunc, inp: Record<string, TensorInfo>, at: Record<string, unknown>): TensorInfo =>
      f({ inputs: inp, backend, attrs: at as NamedAttrMap }) as TensorInfo;
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      a.filterShape,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
    const { top, bottom, left, right } = info.padInfo;
    const temps: TensorInfo[] = [];
    try {
      const xT = run(transpose, { x }, { perm: [3, 1, 2, 0] });
      temps.push(xT);
      const dyT = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyT);
      const raw = run(conv2d, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      });
      temps.push(raw);
      let cropped = raw;
      if (raw.shape[1] !== kh || raw.shape[2] !== kw) {
        cropped = run(slice, { x: raw }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
        temps.push(cropped);
      }
      return run(transpose, { x: cropped }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const t of temps) (backend as KernelBackend).disposeData(t.dataId);
    }
  };
  return { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc };
}
