import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { makeUntransposedMatMul } from './matmul.js';
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
  wrap('Conv2DBackpropInput', (original) => makeConv2DBackpropInput('wasm', original));
  install(makeMaxPoolGrad());
  wrap('BatchMatMul', (original) => makeUntransposedMatMul('BatchMatMul', 'wasm', original));
  wrap('_FusedMatMul', (original) => makeUntransposedMatMul('_FusedMatMul', 'wasm', original));
  return [...REPLACED];
}

/** The kernels replaceSlowWasmKernels installs. */
export const REPLACED = ['Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', '_FusedMatMul'] as const;

/** Installs `make(original)` over a built-in kernel, once (the original stays its fallback). */
function wrap(name: string, make: (original: KernelFunc) => KernelConfig): void {
  const current = getKernel(name, 'wasm');
  if (!current) throw new Error(`wasm backend has no ${name} kernel`);
  if (!ours.has(current.kernelFunc)) install(make(current.kernelFunc));
}
