import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** One training step: gradients of `loss` with respect to `variables`, then the update. */
export interface StepOptimizer {
  readonly name: string;
  step(loss: () => tf.Scalar, variables: tf.Variable[]): void;
  dispose(): void;
}

/** View of a tensor's float32 data where the backend keeps it in JS-visible memory. */
function hostView(t: tf.Tensor): Float32Array | undefined {
  const backend = tf.backend();
  const name = tf.getBackend();
  if (name === 'wasm') return (backend as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  if (name === 'cpu') return (backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId).values;
  return undefined;
}

/**
 * Adam with tfjs' exact update (bias-corrected moments, epsilon added to sqrt(v_hat)) in
 * one JS loop per variable, reading weights and gradients where the backend keeps them.
 * tf.train.adam runs about a dozen kernels per variable per step (~70 launches for the
 * default CNN's six variables) for 5,258 numbers.
 * The new weights are assigned as new tensors, never written in place: the wasm backend
 * caches XNNPACK's packed copy of a filter by its data id, so an in-place write would go
 * unseen by the next convolution (a test pins this down).
 * Falls back to tf.train.adam on backends whose memory JS cannot see (tensorflow).
 */
export class FusedAdam implements StepOptimizer {
  readonly name = 'adam (fused update in JS)';
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private accBeta1: number;
  private accBeta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
  ) {
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
    this.epsilon = tf.backend().epsilon();
  }

  static supported(): boolean {
    return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
  }

  step(loss: () => tf.Scalar, variables: tf.Variable[]): void {
    const { value, grads } = tf.variableGrads(loss, variables);
    try {
      const { learningRate: lr, beta1, beta2, epsilon } = this;
      const c1 = 1 - this.accBeta1;
      const c2 = 1 - this.accBeta2;
      const updates: [tf.Variable, Float32Array][] = [];
      for (const variable of variables) {
        const g = grads[variable.name];
        if (!g) continue;
        const w = hostView(variable);
        const gv = hostView(g);
        if (!w || !gv) throw new Error(`FusedAdam: backend ${tf.getBackend()} memory is not visible to JS`);
        let m = this.m.get(variable.name);
        let v = this.v.get(variable.name);
        if (!m || !v) {
          m = new Float32Array(w.length);
          v = new Float32Array(w.length);
          this.m.set(variable.name, m);
          this.v.set(variable.name, v);
        }
        const next = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) {
          const gi = gv[i];
          const mi = m[i] * beta1 + gi * (1 - beta1);
          const vi = v[i] * beta2 + gi * gi * (1 - beta2);
          m[i] = mi;
          v[i] = vi;
          next[i] = w[i] - lr * (mi / c1 / (Math.sqrt(vi / c2) + epsilon));
        }
        updates.push([variable, next]);
      }
      for (const [variable, next] of updates) {
        const t = tf.tensor(next, variable.shape, 'float32');
        variable.assign(t);
        t.dispose();
      }
      this.accBeta1 *= beta1;
      this.accBeta2 *= beta2;
    } finally {
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    }
  }

  dispose(): void {
    this.m.clear();
    this.v.clear();
  }
}

/** tf.train.adam behind the same interface, for backends FusedAdam cannot write to. */
export class TfAdam implements StepOptimizer {
  readonly name = 'adam (tf.train.adam)';
  private readonly optimizer: tf.Optimizer;

  constructor(learningRate: number) {
    this.optimizer = tf.train.adam(learningRate);
  }

  step(loss: () => tf.Scalar, variables: tf.Variable[]): void {
    tf.tidy(() => {
      this.optimizer.minimize(loss, false, variables);
    });
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export function adam(learningRate: number): StepOptimizer {
  return FusedAdam.supported() ? new FusedAdam(learningRate) : new TfAdam(learningRate);
}
