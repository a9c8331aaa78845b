import {
  backend_util,
  getKernel,
  registerKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * Conv2DBackpropFilter for backends that lack it (tfjs-backend-wasm 4.x).
 *
 * dW[kh, kw, ci, co] = sum_{b, oh, ow} x[b, oh*s + kh - pt, ow*s + kw - pl, ci] * dy[b, oh, ow, co]
 *
 * is itself a forward convolution once the batch axis plays the role of channels:
 * input  x'  = transpose(x,  [3, 1, 2, 0])  : [Ci, H, W, B]
 * filter dy' = transpose(dy, [1, 2, 0, 3])  : [OH, OW, B, Co]
 * conv2d(x', dy', stride 1, dilation = original stride, same explicit padding)
 *        : [Ci, KH', KW', Co], KH' >= KH (extra rows come from bottom/right padding
 *          the forward pass never reached), sliced to KH x KW and transposed back.
 * Only the backend's own registered kernels are called, on TensorInfos, and every
 * intermediate is released, so the kernel composes like a native one.
 */
export function makeConv2DBackpropFilter(backendName: string): KernelConfig {
  const kernel = (name: string): KernelFunc => {
    const k = getKernel(name, backendName);
    if (!k) throw new Error(`backend ${backendName} has no ${name} kernel to build Conv2DBackpropFilter from`);
    return k.kernelFunc;
  };
  const conv2d = kernel('Conv2D');
  const transpose = kernel('Transpose');
  const slice = kernel('Slice');

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
    const run = (f: KernelFunc, inp: Record<string, TensorInfo>, at: Record<string, unknown>): TensorInfo =>
      f({ inputs: inp, backend, attrs: at as NamedAttrMap }) as TensorInfo;

    const temps: TensorInfo[] = [];
    try {
      const xT = run(transpose, { x }, { perm: [3, 1, 2, 0] });
      temps.push(xT);
      const dyT = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyT);
      const explicit: backend_util.ExplicitPadding = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      const raw = run(conv2d, { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: explicit,
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

/** Registers our kernel unless the backend already has one (a future tfjs may). */
export function ensureConv2DBackpropFilter(backendName: string): boolean {
  if (getKernel('Conv2DBackpropFilter', backendName)) return false;
  registerKernel(makeConv2DBackpropFilter(backendName));
  return true;
}
