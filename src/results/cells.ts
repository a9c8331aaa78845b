import type { ResultEntry, RunRecord } from './schema.js';

/** A sweep's point in words: "trainSize=50, lasso.alpha=0.001". */
export const pointLabel = (p: Readonly<Record<string, number | string>>): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(', ');

/** A result's cell: "dataset/runner", and in a sweep its point ("mnist/lasso @ trainSize=50"). */
export const cellOf = (x: Pick<ResultEntry, 'dataset' | 'runner' | 'point'>): string => `${x.dataset}/${x.runner}${x.point ? ` @ ${pointLabel(x.point)}` : ''}`;

/** A record's results grouped by cell (cellOf), in the record's order. */
export function byCell(record: RunRecord): Map<string, ResultEntry[]> {
  const m = new Map<string, ResultEntry[]>();
  for (const x of record.results) {
    const key = cellOf(x);
    const list = m.get(key);
    if (list) list.push(x);
    else m.set(key, [x]);
  }
  return m;
}
