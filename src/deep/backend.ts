import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parameterError } from '../errors.js';
import type { BackendChoice, BackendInfo, BackendName } from './backend-choice.js';

export * from './backend-choice.js';
import { REPLACED, registerMissingWasmKernels, replaceSlowWasmKernels } from './kernels/register.js';

let active: BackendInfo | undefined;

/**
 * Selects the tfjs backend: tensorflow (tfjs-node, native libtensorflow) when it loads,
 * else wasm (XNNPACK, SIMD) with our Conv2DBackpropFilter, else the pure-JS cpu backend
 * with a loud warning: cpu is ~50x slower than wasm and would make sparse look good.
 */
export async function selectBackend(requested: BackendChoice): Promise<BackendInfo> {
  if (active && active.requested === requested) return active;
  const skipped: string[] = [];
  const order: BackendName[] = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  for (const name of order) {
    const failure = await tryBackend(name);
    if (failure === undefined) {
      active = describe(requested, name, skipped);
      return active;
    }
    skipped.push(`${name}: ${failure}`);
    if (requested !== 'auto') {
      throw parameterError('backend', ` ${name}: unavailable (${failure})`);
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.join('; ')}`);
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      // Optional dependency: absent where its install could not download libtensorflow.
      const moduleName = '@tensorflow/tfjs-node';
      await import(moduleName);
    }
    if (name === 'wasm') registerMissingWasmKernels();
    const ok = await tf.setBackend(name);
    if (!ok) return 'tf.setBackend returned false';
    await tf.ready();
    if (name === 'wasm') replaceSlowWasmKernels();
    return undefined;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    return name === 'tensorflow' && /Cannot find (module|package)/.test(msg)
      ? '@tensorflow/tfjs-node is not installed (its install downloads libtensorflow)'
      : msg;
  }
}

function describe(requested: BackendChoice, name: BackendName, skipped: string[]): BackendInfo {
  const warnings: string[] = [];
  if (name === 'cpu') {
    warnings.push(
      'tfjs is on the pure-JS cpu backend, roughly 50-100x slower than wasm (85x measured on a 2-core EPYC VM): deep-learning times are not representative and any speed verdict is unfair to deep learning',
    );
  }
  const reason =
    requested === 'auto'
      ? skipped.length === 0
        ? `auto: ${name} loaded first`
        : `auto: ${name} (skipped ${skipped.join('; ')})`
      : `requested with --backend ${name}`;
  const env = tf.env();
  return {
    requested,
    name,
    tfjsVersion: tf.version.tfjs,
    reason,
    simd: name === 'wasm' ? env.getBool('WASM_HAS_SIMD_SUPPORT') : undefined,
    threads: name === 'wasm' ? (env.getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? undefined : 1) : undefined,
    customKernels: name === 'wasm' ? ['Conv2DBackpropFilter', ...REPLACED] : [],
    warnings,
  };
}
