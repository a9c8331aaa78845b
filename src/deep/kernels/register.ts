import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { makeConv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { makeConv2DBackpropInput } from './conv2d-backprop-input.js';
import { makeMaxPoolGrad } from './max-pool-grad.js';

const ours = new WeakSet<object>();

function install(config: KernelConfig): void {
  const current = getKernel(config.kernelName, config.backendName);
  if (current && ours.has(current.kernelFunc)) return;
  if (current) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
  ours.add(config.kernelFunc);
}

/**
 * Kernels the wasm backend lacks (Conv2DBackpropFilter: without it the CNN cannot train).
 * Safe before the backend starts.
 */
export function registerMissingWasmKernels(): string[] {
  if (getKernel('Conv2DBackpropFilter', 'wasm')) return [];
  install(makeConv2DBackpropFilter('wasm'));
  return ['Conv2DBackpropFilter'];
}

/**
 * Faster replacements of slow built-in wasm training kernels. Call after the backend has
 * started: a replaced kernel stays the fallback of ours and needs its own set-up done.
 */
export function replaceSlowWasmKernels(): string[] {
  const input = getKernel('Conv2DBackpropInput', 'wasm');
  if (!input) throw new Error('wasm backend has no Conv2DBackpropInput kernel');
  if (!ours.has(input.kernelFunc)) install(makeConv2DBackpropInput('wasm', input.kernelFunc));
  install(makeMaxPoolGrad());
  return ['Conv2DBackpropInput', 'MaxPoolGrad'];
}
