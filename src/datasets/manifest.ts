import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

/** datasets/<name>.json: what the source files must hash to, committed with the code. */
export interface Manifest {
  readonly dataset: string;
  readonly source: string;
  readonly samples: number;
  readonly classes: number;
  readonly files: Readonly<Record<string, { sha256: string; samples: number }>>;
}

export function readManifest(name: string): Manifest {
  const file = join(packageRoot(), 'datasets', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** Hashes every file the manifest lists under `dir`; returns one line per mismatch. */
export function verifyManifest(manifest: Manifest, dir: string): string[] {
  const problems: string[] = [];
  for (const [file, want] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      problems.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      continue;
    }
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== want.sha256) problems.push(`${path}: sha256 ${got.slice(0, 12)}... differs from the manifest's ${want.sha256.slice(0, 12)}...`);
  }
  return problems;
}
