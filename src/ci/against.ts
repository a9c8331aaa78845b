import { join } from 'node:path';
import { judgeRounds, type AbComparison, type AbGates, type AbRound } from '../report/ab.js';
import { compareRecords, type Gates } from '../report/compare.js';
import type { RunRecord } from '../results/schema.js';
import { packageRoot } from '../util/package-root.js';
import { cliSide, runRounds, type SideRunner } from './rounds.js';
import { prepareRef, RefUnavailable, type PreparedRef } from './worktree.js';

export interface AgainstOptions {
  /** The git repository REF is taken from (this checkout). */
  readonly repo: string;
  readonly ref: string;
  /** A/A: REF against itself, to measure the noise the gates must stand clear of. */
  readonly aa: boolean;
  readonly rounds: number;
  readonly seed: number;
  /** `run` flags both sides get (suite, datasets, runners, peer, sensors). */
  readonly runArgs: readonly string[];
  /** Records of each side go to DIR/ab/base and DIR/ab/change (each with its README). */
  readonly resultsDir: string;
  readonly gates: AbGates;
  /** The committed baseline: the change side's deterministic figures are held to it exactly. */
  readonly baseline?: RunRecord;
  readonly exactGates: Gates;
  readonly log: (m: string) => void;
}

/** The change side's records of every round in one record, each round's entries marked with their round. */
export function pooledChange(changes: readonly RunRecord[]): RunRecord {
  return { ...changes[0], repeats: changes.length, results: changes.flatMap((c, round) => c.results.map((e) => ({ ...e, repeat: round }))) };
}

/**
 * `compare --against REF`: builds REF in a worktree, runs it and this build in interleaved
 * rounds and judges time and energy by paired ratios; holds the change's deterministic
 * figures to the baseline. When REF cannot be built or run, says why and judges the exact
 * gates alone (the change side still runs every round).
 */
export async function compareAgainst(o: AgainstOptions): Promise<AbComparison & { fallback?: string }> {
  let prepared: PreparedRef | undefined;
  let fallback: string | undefined;
  try {
    o.log(`preparing ${o.ref} in a temporary worktree`);
    prepared = prepareRef(o.repo, o.ref, o.log);
    o.log(`${o.ref} = ${prepared.commit.slice(0, 12)}: built (${prepared.install})`);
  } catch (err) {
    if (!(err instanceof RefUnavailable)) throw err;
    fallback = err.message;
  }
  try {
    const changeCli = o.aa && prepared ? prepared.cli : join(packageRoot(), 'dist', 'cli.js');
    const dir = (side: string): string => join(o.resultsDir, 'ab', side);
    const change = cliSide(changeCli, o.runArgs, dir(o.aa ? 'base-again' : 'change'), o.aa ? `${o.ref} (again)` : 'change');
    let rounds: AbRound[] | undefined;
    if (prepared) {
      const base = cliSide(prepared.cli, o.runArgs, dir('base'), `base ${o.ref}`);
      let baseFailed: string | undefined;
      // a REF too old for these flags or this schema fails on its first round: fall back then
      const guarded: SideRunner = async (seed, r) => {
        try {
          return await base(seed, r);
        } catch (err) {
          baseFailed = (err as Error).message;
          throw err;
        }
      };
      try {
        rounds = await runRounds({ rounds: o.rounds, seed: o.seed, base: guarded, change, onSide: (r, side) => o.log(`round ${r + 1}/${o.rounds}: ${side} done`) });
      } catch (err) {
        if (baseFailed === undefined) throw err;
        fallback = baseFailed;
      }
    }
    if (!rounds) {
      o.log(`time and energy not judged: ${fallback}; exact gates only`);
      const changes: RunRecord[] = [];
      for (let r = 0; r < o.rounds; r++) changes.push(await change(o.seed + r, r));
      const exact = o.baseline ? compareRecords(o.baseline, pooledChange(changes), o.exactGates) : undefined;
      return {
        baseLabel: o.ref,
        changeLabel: 'this build',
        rounds: 0,
        orders: [],
        rows: [],
        regressions: exact?.regressions ?? 0,
        notes: [`${o.ref} could not be measured (${fallback}): time and energy were not judged, only the exact gates`],
        exact,
        fallback,
      };
    }
    const labels = { base: `${o.ref} (${prepared?.commit.slice(0, 12)})`, change: o.aa ? `${o.ref} again (A/A)` : 'this build' };
    const judged = judgeRounds(rounds, o.gates, labels);
    const exact = o.baseline ? compareRecords(o.baseline, pooledChange(rounds.map((r) => r.change)), o.exactGates) : undefined;
    return { ...judged, exact, regressions: judged.regressions + (exact?.regressions ?? 0) };
  } finally {
    prepared?.cleanup();
  }
}
