import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The command line of the CLI as users run it: the compiled dist/cli.js (built by
 * test/global-setup.ts when stale). It starts in a second where tsx takes nearly two, and
 * `run` starts twice (supervisor and worker).
 */
export const CLI: readonly string[] = [fileURLToPath(new URL('../../dist/cli.js', import.meta.url))];

/** Runs the CLI to the end: its exit code and what it printed. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
