/**
 * A short, fixed workload timed in every run, so that times and energies can be compared
 * across machines of different speed: a metric divided by the calibration time moves
 * when the code gets slower, not when the machine does. Float64 multiply-adds over a
 * cache-resident array, like the solver's kernels; best of a few tries.
 */
export interface Calibration {
  readonly seconds: number;
  readonly workload: string;
}

const N = 1 << 15;
const ROUNDS = 3000;

export function calibrate(tries = 5): Calibration {
  const a = new Float64Array(N);
  for (let i = 0; i < N; i++) a[i] = Math.sin(i);
  let best = Infinity;
  let sink = 0;
  for (let t = 0; t < tries; t++) {
    const t0 = performance.now();
    let s = 0;
    for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < N; i++) s += a[i] * a[(i * 7) & (N - 1)];
    best = Math.min(best, (performance.now() - t0) / 1000);
    sink += s;
  }
  if (!Number.isFinite(sink)) throw new Error('calibration: not finite');
  return { seconds: best, workload: `${ROUNDS} x ${N} float64 multiply-adds, best of ${tries}` };
}
