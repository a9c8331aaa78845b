import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { roundOrder, type AbRound } from '../report/ab.js';
import type { RunRecord } from '../results/schema.js';
import { readRecord } from '../results/store.js';

/** Trains one side's cells on one seed and returns its record. */
export type SideRunner = (seed: number, round: number) => Promise<RunRecord>;

export interface RoundsOptions {
  readonly rounds: number;
  /** Round r trains seed + r on both sides: the pair shares a seed, the rounds cover several. */
  readonly seed: number;
  readonly base: SideRunner;
  readonly change: SideRunner;
  readonly onSide?: (round: number, side: 'base' | 'change', record: RunRecord) => void;
}

/**
 * Runs the rounds in ABBA order (round 0 base first, round 1 change first, ...), one side
 * at a time so that they never compete for cores. The pairing is what makes the ratio
 * trustworthy on a noisy machine: whatever slows the machine for a minute slows both
 * sides of the round that ran in that minute.
 */
export async function runRounds(o: RoundsOptions): Promise<AbRound[]> {
  const out: AbRound[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const order = roundOrder(r);
    const seed = o.seed + r;
    const got: Partial<Record<'base' | 'change', RunRecord>> = {};
    for (const side of order === 'AB' ? (['base', 'change'] as const) : (['change', 'base'] as const)) {
      got[side] = await o[side](seed, r);
      o.onSide?.(r, side, got[side] as RunRecord);
    }
    out.push({ round: r, order, seed, base: got.base as RunRecord, change: got.change as RunRecord });
  }
  return out;
}

/**
 * One side as a child process: `node CLI run ARGS --seed S --repeats 1 --json` into its own
 * results directory. Its record is read back through our schema, so a REF too old to write
 * one we can read fails here, by name, and the caller falls back.
 */
export function cliSide(cli: string, runArgs: readonly string[], resultsDir: string, label: string): SideRunner {
  return (seed) =>
    new Promise((resolve, reject) => {
      const args = [cli, 'run', ...runArgs, '--seed', String(seed), '--repeats', '1', '--json', '--no-progress', '--results-dir', resultsDir];
      execFile(process.execPath, args, { maxBuffer: 256 * 2 ** 20, env: process.env }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${label}: \`run\` exited ${String((err as { code?: unknown }).code ?? err.message)}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
          return;
        }
        try {
          const line = stdout.trim().split('\n').at(-1) ?? '';
          const { recordPath } = JSON.parse(line) as { recordPath?: string };
          if (typeof recordPath !== 'string') throw new Error('no recordPath in its --json output');
          resolve(readRecord(recordPath.startsWith('/') ? recordPath : join(process.cwd(), recordPath)));
        } catch (e) {
          reject(new Error(`${label}: cannot read its record (${(e as Error).message})`));
        }
      });
    });
}
