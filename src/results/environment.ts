import { execFileSync } from 'node:child_process';
import { cpus, hostname, release, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Environment } from './schema.js';

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
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
    tfjs: tf.version.tfjs,
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    hostname: hostname(),
  };
}
