import type { ResultEntry } from '../results/schema.js';

/** What a group of results' `accuracy` holds: test accuracy unless a runner named its metric. */
export function metricLabel(rs: readonly Pick<ResultEntry, 'metricName'>[]): string {
  return rs.find((r) => r.metricName)?.metricName ?? 'test accuracy';
}

/**
 * A value of that metric at a target, in words: "91.2% accuracy" or "image AUROC 0.912";
 * on the validation images (where curves read since the validation split): "91.2% validation
 * accuracy", "validation image AUROC 0.912".
 */
export function atTarget(label: string, value: number, sig: (x: number) => string, validation = false): string {
  const on = validation ? 'validation ' : '';
  return label === 'test accuracy' ? `${sig(value * 100)}% ${on}accuracy` : `${on}${label.replace(/ \(.*\)$/, '')} ${sig(value)}`;
}
