import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Newest modification time of the files under dir. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Tests that run the CLI as a user does spawn the compiled dist/cli.js (see helpers/cli.ts):
 * built here when any source is newer than it, so a test never runs stale code.
 */
export default function setup(): void {
  let built = 0;
  try {
    built = statSync('dist/cli.js').mtimeMs;
  } catch {
    // not built yet
  }
  if (built >= newest('src') && built >= statSync('tsconfig.json').mtimeMs) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
