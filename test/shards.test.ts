import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellKey } from '../src/suite/run.js';
import { shardFromEnv } from '../src/suite/shard.js';
import { cli } from './helpers/cli.js';
import { AXES, cells, recordIn, SWEEP, tmp } from './helpers/sweep.js';

describe('sweep: shards on a cluster', () => {
  it('three shards from SLURM and Kubernetes variables, run as separate processes, merge into the unsharded plan', () => {
    const whole = join(tmp(), 'results');
    expect(cli([...SWEEP, '--results-dir', whole]).code).toBe(0);
    const dir = tmp();
    const shards = [
      { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0' },
      { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0' },
      { JOB_COMPLETION_INDEX: '2' },
    ].map((vars, i) => {
      const out = join(dir, `shard${i}`);
      const r = cli([...SWEEP, '--shard', 'JOB_COMPLETION_INDEX' in vars ? 'env/3' : 'env', '--results-dir', out], { ...process.env, ...vars });
      expect(r.code, r.stderr).toBe(0);
      const rec = recordIn(out);
      expect(rec.shard).toMatchObject({ index: i + 1, count: 3 });
      return join(out, 'runs', readdirSync(join(out, 'runs')).find((f) => f.endsWith('.json')) as string);
    });
    const merged = cli(['merge', ...shards, '--results-dir', join(dir, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);
    const record = recordIn(join(dir, 'merged'));
    expect(record.sweep?.axes).toEqual(AXES);
    expect(record.results.map(cellKey)).toEqual(recordIn(whole).results.map(cellKey));
    expect(cells(record)).toEqual(cells(recordIn(whole)));
    // a gap is refused: two of three shards
    const gap = cli(['merge', shards[0], shards[1], '--results-dir', join(dir, 'gap')]);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toMatch(/shards 1, 2 given, 1, 2, 3 expected/);
  }, 120_000);

  it('reads the shard from SLURM arrays (from any first index) and Kubernetes Indexed Jobs, and refuses what does not add up', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 4, count: 4 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' })).toEqual({ index: 1, count: 2 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 5)).toEqual({ index: 1, count: 5 });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0' })).toThrow(/state the Job's completions as --shard env\/N/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '5' }, 5)).toThrow(/not below 5/);
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(/not a whole number/);
    expect(() => shardFromEnv({})).toThrow(/neither SLURM_ARRAY_TASK_ID/);
  });
});
