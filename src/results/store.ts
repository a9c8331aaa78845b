import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { runRecordSchema, SCHEMA_VERSION, type RunRecord } from './schema.js';

export const RUNS_DIR = 'runs';

/** Writes one run record atomically under DIR/runs/ and returns its path. */
export function writeRecord(resultsDir: string, record: RunRecord): string {
  const parsed = runRecordSchema.parse(record);
  const path = join(resultsDir, RUNS_DIR, `${record.id}.json`);
  writeFileAtomic(path, JSON.stringify(parsed, null, 2) + '\n');
  return path;
}

export interface RecordProblem {
  readonly file: string;
  readonly problem: string;
}

/** Parses one record file; a problem names the file and the first bad field. */
export function readRecord(file: string): RunRecord {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new Error(`${file}: schemaVersion ${String(version)} is not supported (this build reads ${SCHEMA_VERSION})`);
  }
  const parsed = runRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Reads every record under DIR/runs/, oldest first. A corrupt or foreign file is
 * reported and skipped: one bad file never hides the others.
 */
export function readRecords(resultsDir: string): { records: RunRecord[]; files: string[]; problems: RecordProblem[] } {
  const dir = join(resultsDir, RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  } catch {
    return { records: [], files: [], problems: [] };
  }
  const found: { record: RunRecord; file: string }[] = [];
  const problems: RecordProblem[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      // a symlink (dangling or not), a directory or a device is named and skipped, like a corrupt file
      const st = lstatSync(file);
      if (!st.isFile()) throw new Error(`${file}: not a regular file (${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'special'})`);
      found.push({ record: readRecord(file), file });
    } catch (err) {
      problems.push({ file, problem: (err as Error).message });
    }
  }
  found.sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt) || a.record.id.localeCompare(b.record.id));
  return { records: found.map((f) => f.record), files: found.map((f) => f.file), problems };
}
