import { execFileSync } from 'node:child_process';
import { cpus, hostname, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import type { Environment } from './schema.js';

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The installed TensorFlow.js version, from its package.json: importing tfjs for it would cost every record 0.5 s. */
function tfjsVersion(): string {
  try {
    return (createRequire(import.meta.url)('@tensorflow/tfjs/package.json') as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Enough about the machine and software to judge and rerun a result. */
export function collectEnvironment(): Environment {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    logicalCores: cpus().length,
    memoryBytes: totalmem(),
    platform: process.platform,
    arch: process.arch,
    osRelease: release(),
    node: process.version,
    v8: process.versions.v8,
    tfjs: tfjsVersion(),
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    hostname: hostname(),
  };
}
