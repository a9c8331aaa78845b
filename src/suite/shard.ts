import { parameterError } from '../errors.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The shard a cluster engine gave this process, from its environment (`--shard env`):
 * - SLURM job arrays: SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT tasks, numbered from
 *   SLURM_ARRAY_TASK_MIN (an array --array=0-3 and one --array=1-4 give the same shards);
 * - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (from 0); the Job's completions are not in
 *   the pod's environment, so the count is stated (`--shard env/N`) and must match.
 * Either way the result is slice I of N (1-based) as `--shard I/N` gives it.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, statedCount?: number): Shard {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v.trim() === '') return undefined;
    if (!/^\d+$/.test(v.trim())) throw parameterError('shard', ` env: ${name}=${v} is not a whole number`);
    return Number(v);
  };
  const slurmId = int('SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const count = int('SLURM_ARRAY_TASK_COUNT');
    if (count === undefined) throw parameterError('shard', ' env: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    if (statedCount !== undefined && statedCount !== count) throw parameterError('shard', ` env/${statedCount}: the SLURM array has ${count} tasks`);
    const index = slurmId - (int('SLURM_ARRAY_TASK_MIN') ?? 0) + 1;
    if (index < 1 || index > count) throw parameterError('shard', ` env: SLURM task ${slurmId} is outside an array of ${count} from ${int('SLURM_ARRAY_TASK_MIN') ?? 0} (a stepped --array is not supported: give --shard I/N)`);
    return { index, count };
  }
  const k8s = int('JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (statedCount === undefined) throw parameterError('shard', ' env: JOB_COMPLETION_INDEX is set; state the Job\'s completions as --shard env/N');
    if (k8s >= statedCount) throw parameterError('shard', ` env/${statedCount}: JOB_COMPLETION_INDEX=${k8s} is not below ${statedCount}`);
    return { index: k8s + 1, count: statedCount };
  }
  throw parameterError('shard', ' env: neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set');
}
