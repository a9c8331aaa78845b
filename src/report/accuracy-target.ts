import type { ResultEntry } from '../results/schema.js';

/**
 * Seconds of training until the learning curve first reaches `target` accuracy, linearly
 * interpolated between the last point below and the first at or above it (as MLPerf
 * times to a quality target). Undefined when the curve never gets there. `clock` picks wall
 * seconds or CPU seconds of the curve points.
 */
export function secondsToAccuracy(
  curve: readonly { seconds: number; cpuSeconds?: number; metric: number }[],
  target: number,
  clock: 'seconds' | 'cpuSeconds' = 'seconds',
): number | undefined {
  const at = (p: (typeof curve)[number]): number => (clock === 'seconds' ? p.seconds : (p.cpuSeconds ?? NaN));
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i];
    if (p.metric < target) continue;
    if (i === 0) return at(p);
    const q = curve[i - 1];
    const f = p.metric === q.metric ? 1 : (target - q.metric) / (p.metric - q.metric);
    return at(q) + f * (at(p) - at(q));
  }
  return undefined;
}

/**
 * Joules to the target: the window's energy pro-rated to the time to the target (the
 * meter gives energy per window, not per curve point).
 */
export function joulesToAccuracy(r: ResultEntry, target: number, joules = r.energy.joules): number | undefined {
  const s = secondsToAccuracy(r.curve, target);
  if (s === undefined || r.measurement.seconds <= 0) return undefined;
  return (joules * s) / r.measurement.seconds;
}
