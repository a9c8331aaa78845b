import { getKernel, type KernelFunc } from '@tensorflow/tfjs-core';

/** A backend's own registered kernel, for kernels we build from others. */
export function kernelOf(name: string, backendName: string): KernelFunc {
  const k = getKernel(name, backendName);
  if (!k) throw new Error(`backend ${backendName} has no ${name} kernel to build on`);
  return k.kernelFunc;
}
