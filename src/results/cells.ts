import type { ResultEntry, RunRecord } from './schema.js';

/** A record's results grouped by cell, "dataset/runner", in the record's order. */
export function byCell(record: RunRecord): Map<string, ResultEntry[]> {
  const m = new Map<string, ResultEntry[]>();
  for (const x of record.results) {
    const key = `${x.dataset}/${x.runner}`;
    const list = m.get(key);
    if (list) list.push(x);
    else m.set(key, [x]);
  }
  return m;
}
