import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parameterError, UsageError } from '../errors.js';
import { resultSchema, type ResultEntry } from './schema.js';
import { RUNS_DIR } from './store.js';
import { pidAlive } from '../util/pid.js';

/**
 * A run's journal, RESULTS/runs/<id>.journal: one JSON line for the plan, then one per
 * finished or failed cell, each written and fsynced the moment the cell ends. Whatever ends
 * the run (a kill, a full disk, a failing trainer), every finished cell is on disk; `run
 * --resume` picks the journal up and trains only what is missing or failed; the record is
 * assembled from it atomically at the end, and the journal removed, unless cells failed:
 * then it stays beside the record, so that --resume can retrain them under the same id.
 */
export const JOURNAL_SUFFIX = '.journal';

/** What makes two runs the same plan: if any of it differs, a journal is not resumed. */
export const planSchema = z.record(z.string(), z.unknown());
export type Plan = z.infer<typeof planSchema>;

const headerSchema = z.object({ kind: z.literal('plan'), id: z.string(), createdAt: z.string(), plan: planSchema, cells: z.array(z.string()) });
const lineSchema = z.union([
  headerSchema,
  z.object({ kind: z.literal('cell'), key: z.string(), entry: resultSchema }),
  /** A cell that failed (its trainer exited non-zero, timed out or printed nonsense): trained again on --resume. */
  z.object({ kind: z.literal('failed'), key: z.string(), reason: z.string() }),
]);
export type JournalHeader = z.infer<typeof headerSchema>;

export interface OpenJournal {
  readonly path: string;
  readonly header: JournalHeader;
  /** Finished cells by key, in the order they finished. */
  readonly done: Map<string, ResultEntry>;
  /** Cells that failed and have not finished since, with the reason. */
  readonly failed: Map<string, string>;
  append(key: string, entry: ResultEntry): void;
  fail(key: string, reason: string): void;
  /** The record is written: the journal is no longer needed. */
  remove(): void;
  /** This process no longer writes the journal (its lock is removed). */
  release(): void;
}

/**
 * Which process writes a journal: `<journal>.lock` holds its PID, so that a second process
 * (a resume while a worker that outlived its supervisor still trains) cannot train the same
 * cells again. A lock whose process is gone (kill -9) is stale and taken over.
 */
function lock(path: string, id: string): void {
  const file = `${path}.lock`;
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid !== process.pid && pidAlive(pid)) {
      throw parameterError('resume', `: run ${id} is still being written by process ${pid} (one that outlived its supervisor finishes its cell and stops, or another resume): wait for it to end, or stop it`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // no lock, or an unreadable one: ours now
  }
  writeFileSync(file, `${process.pid}\n`);
}


function appendLine(path: string, value: unknown): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, JSON.stringify(value) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function open(path: string, header: JournalHeader, done: Map<string, ResultEntry>, failed: Map<string, string>): OpenJournal {
  lock(path, header.id);
  return {
    path,
    header,
    done,
    failed,
    append(key, entry) {
      appendLine(path, { kind: 'cell', key, entry });
      done.set(key, entry);
      failed.delete(key);
    },
    fail(key, reason) {
      appendLine(path, { kind: 'failed', key, reason });
      failed.set(key, reason);
    },
    remove() {
      rmSync(path, { force: true });
      rmSync(`${path}.lock`, { force: true });
    },
    release() {
      rmSync(`${path}.lock`, { force: true });
    },
  };
}

/** Starts a journal for a new run (its header is on disk before the first cell trains). */
export function createJournal(resultsDir: string, header: JournalHeader): OpenJournal {
  const dir = join(resultsDir, RUNS_DIR);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${header.id}${JOURNAL_SUFFIX}`);
  appendLine(path, header);
  return open(path, header, new Map(), new Map());
}

/**
 * Reads a journal. A line cut short by a kill mid-write (the last one) is dropped: its cell
 * did not finish as far as the journal knows, and trains again.
 */
export function readJournal(path: string): { header: JournalHeader; done: Map<string, ResultEntry>; failed: Map<string, string> } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
  let header: JournalHeader | undefined;
  const done = new Map<string, ResultEntry>();
  const failed = new Map<string, string>();
  lines.forEach((line, i) => {
    let parsed: z.infer<typeof lineSchema>;
    try {
      parsed = lineSchema.parse(JSON.parse(line));
    } catch (err) {
      if (i === lines.length - 1 && header) return;
      throw new Error(`${path}: line ${i + 1} is not a journal line (${(err as Error).message.split('\n')[0]})`);
    }
    if (parsed.kind === 'plan') header = parsed;
    else if (parsed.kind === 'failed') {
      if (!done.has(parsed.key)) failed.set(parsed.key, parsed.reason);
    } else {
      done.set(parsed.key, parsed.entry);
      failed.delete(parsed.key);
    }
  });
  if (!header) throw new Error(`${path}: no plan line`);
  return { header, done, failed };
}

export interface UnfinishedRun {
  readonly path: string;
  readonly header: JournalHeader;
  readonly finished: number;
  readonly failed: number;
}

/** Unfinished runs under RESULTS/runs/, newest first; a journal that cannot be read is reported. */
export function unfinishedRuns(resultsDir: string): { runs: UnfinishedRun[]; problems: { file: string; problem: string }[] } {
  const dir = join(resultsDir, RUNS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(JOURNAL_SUFFIX));
  } catch {
    return { runs: [], problems: [] };
  }
  const runs: UnfinishedRun[] = [];
  const problems: { file: string; problem: string }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (!lstatSync(path).isFile()) throw new Error(`${path}: not a regular file`);
      const { header, done, failed } = readJournal(path);
      runs.push({ path, header, finished: done.size, failed: failed.size });
    } catch (err) {
      problems.push({ file: path, problem: (err as Error).message });
    }
  }
  runs.sort((a, b) => b.header.createdAt.localeCompare(a.header.createdAt));
  return { runs, problems };
}

/** The fields of two plans that differ, for the message refusing a resume. */
export function planDifferences(a: Plan, b: Plan): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/**
 * The journal to resume: `id` names one; without it, the newest unfinished run of the same
 * plan. A named journal of another plan is refused, naming what differs.
 */
export function resumeJournal(resultsDir: string, plan: Plan, id?: string): OpenJournal | undefined {
  const { runs } = unfinishedRuns(resultsDir);
  if (id !== undefined) {
    const run = runs.find((r) => r.header.id === id);
    if (!run) throw parameterError('resume', ` ${id}: no unfinished run of that id under ${join(resultsDir, RUNS_DIR)} (unfinished: ${runs.map((r) => r.header.id).join(', ') || 'none'})`);
    const diff = planDifferences(run.header.plan, plan);
    if (diff.length) throw parameterError('resume', ` ${id}: that run had another plan (differs in ${diff.join(', ')}); run it with its own arguments`);
    const { header, done, failed } = readJournal(run.path);
    return open(run.path, header, done, failed);
  }
  const run = runs.find((r) => planDifferences(r.header.plan, plan).length === 0);
  if (!run) return undefined;
  const { header, done, failed } = readJournal(run.path);
  return open(run.path, header, done, failed);
}
