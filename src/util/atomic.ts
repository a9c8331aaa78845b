import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { entriesOfDeadOwners } from './pid.js';

/**
 * Write a file atomically: the bytes go to a temporary file in the same directory,
 * which is then renamed over the target. A reader sees the old file or the new one,
 * never half of either, and a crash leaves at most a stray temporary file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temporary files of writeFileAtomic calls whose process is gone (killed
 * mid-write), from `dir`; those of live processes are theirs to finish. Returns the names.
 */
export function removeStrayTemps(dir: string): string[] {
  const stray = entriesOfDeadOwners(dir, TEMP);
  for (const name of stray) rmSync(join(dir, name), { force: true });
  return stray;
}
