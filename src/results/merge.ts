import { UsageError } from '../errors.js';
import type { RunRecord } from './schema.js';

/**
 * Joins the records of one sharded run (`run --shard I/N` on N machines) into one: same
 * suite, seed and shard count, every shard exactly once. Each result keeps the calibration
 * of the machine that trained it; the merged record keeps the first shard's environment
 * and names the others in its notes.
 */
export function mergeShards(records: readonly RunRecord[]): RunRecord {
  if (records.length === 0) throw new UsageError('merge: no records given');
  const first = records[0];
  const count = first.shard?.count;
  for (const r of records) {
    if (!r.shard) throw new UsageError(`merge: ${r.id} is not a shard (run it with --shard I/N)`);
    if (r.shard.count !== count) throw new UsageError(`merge: ${r.id} is shard ${r.shard.index}/${r.shard.count}, others are of ${count}`);
    if (r.suite !== first.suite || r.seed !== first.seed) {
      throw new UsageError(`merge: ${r.id} ran suite ${r.suite} seed ${r.seed}, ${first.id} suite ${first.suite} seed ${first.seed}`);
    }
    if (r.shard.plan !== first.shard?.plan) throw new UsageError(`merge: ${r.id} ran another plan than ${first.id} (other arguments: fingerprints ${r.shard.plan ?? 'none'} and ${first.shard?.plan ?? 'none'})`);
  }
  const indices = records.map((r) => r.shard?.index ?? 0).sort((a, b) => a - b);
  const expected = Array.from({ length: count ?? 0 }, (_, i) => i + 1);
  if (JSON.stringify(indices) !== JSON.stringify(expected)) {
    throw new UsageError(`merge: shards ${indices.join(', ')} given, ${expected.join(', ')} expected, each once`);
  }
  const ordered = [...records].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const results = ordered.flatMap((r) => r.results);
  const planCells = first.shard?.planCells;
  if (planCells !== undefined) {
    // every cell of the plan exactly once, finished or failed: no gap, no duplicate
    const seen = new Set<number>();
    for (const e of results) {
      if (e.planIndex === undefined || seen.has(e.planIndex)) throw new UsageError(`merge: cell ${e.planIndex ?? '(unnumbered)'} of the plan (${e.dataset}/${e.runner}, seed ${e.seed}) appears twice or without its place`);
      seen.add(e.planIndex);
    }
    const failed = ordered.reduce((n, r) => n + (r.failures?.length ?? 0), 0);
    if (seen.size + failed !== planCells) throw new UsageError(`merge: the plan has ${planCells} cells; the shards hold ${seen.size} results and ${failed} failures`);
    results.sort((a, b) => (a.planIndex ?? 0) - (b.planIndex ?? 0));
  }
  const hosts = [...new Set(ordered.map((r) => `${r.environment.hostname} (${r.environment.cpuModel})`))];
  return {
    ...first,
    id: `${first.id}-merged`,
    createdAt: ordered.map((r) => r.createdAt).sort().at(-1) as string,
    repeats: Math.max(...ordered.map((r) => r.repeats)),
    notes: [...new Set(ordered.flatMap((r) => r.notes)), `merged from ${count} shards run on ${hosts.join(', ')}`],
    results,
    ...(ordered.some((r) => r.failures?.length) ? { failures: ordered.flatMap((r) => r.failures ?? []) } : {}),
    shard: undefined,
  };
}
