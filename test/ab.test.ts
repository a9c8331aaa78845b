import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pooledChange } from '../src/ci/against.js';
import { runRounds, type SideRunner } from '../src/ci/rounds.js';
import { prepareRef, RefUnavailable } from '../src/ci/worktree.js';
import { abMarkdown, DEFAULT_AB_GATES, DEFAULT_ROUNDS, judgeRounds } from '../src/report/ab.js';
import { compareRecords, DEFAULT_GATES } from '../src/report/compare.js';
import { pairedLogRatio } from '../src/report/paired.js';
import type { RunRecord } from '../src/results/schema.js';
import { Rng } from '../src/util/rng.js';
import { entry, record } from './helpers/records.js';
import { CLI } from './helpers/cli.js';

/**
 * Stand-in sides with known timings: each run's seconds are the true time x the machine's
 * drift at that moment (shared by both sides of a round) x its own log-normal noise. The
 * noise levels are those measured on this machine kind (README, CI section): the paired
 * ratio of a sub-second cell varies by about 10% (log sd) from round to round, while the
 * machine itself drifts by up to 30% within an hour, which pairing cancels.
 */
function standIn(rng: Rng, trueSeconds: Record<'cnn' | 'lasso', number>, noise: number, drift: () => number): SideRunner {
  return async (seed) => {
    const d = drift();
    const r = record(`s${seed}`, [
      entry('cnn', trueSeconds.cnn * d * Math.exp(noise * rng.nextNormal()), 0.92),
      entry('lasso', trueSeconds.lasso * d * Math.exp(noise * rng.nextNormal()), 0.85),
    ]);
    r.results.forEach((e) => {
      e.seed = seed;
      e.split = { ...e.split, seed };
      e.measurement.cpuSeconds = e.measurement.seconds * Math.exp(0.05 * rng.nextNormal());
      e.energy = { ...e.energy, joules: e.measurement.cpuSeconds * 2.4 };
    });
    return r;
  };
}

/** One simulated CI job: N rounds of base against change on a drifting machine. */
async function simulatedJob(seed: number, slowdown: number, noise = 0.07) {
  const rng = new Rng(seed);
  let level = 1;
  let calls = 0;
  // the machine's speed wanders (a random walk, bounded at +/-30%): 15% steps between rounds, 3% between the two sides of one
  const drift = () => (level = Math.min(1.3, Math.max(0.7, level * Math.exp((calls++ % 2 === 0 ? 0.15 : 0.03) * rng.nextNormal()))));
  const base = standIn(rng, { cnn: 0.5, lasso: 0.25 }, noise, drift);
  const change = standIn(rng, { cnn: 0.5, lasso: 0.25 * slowdown }, noise, drift);
  const rounds = await runRounds({ rounds: DEFAULT_ROUNDS, seed: 42, base, change });
  return judgeRounds(rounds);
}

const flagged = (c: ReturnType<typeof judgeRounds>) => c.rows.filter((r) => r.verdict === 'regression').map((r) => `${r.cell} ${r.metric}`);

describe('paired log-ratio interval', () => {
  it('is the t-interval on the logs: known values, and a range (not an interval) from one pair', () => {
    const i = pairedLogRatio([1.1, 1.2, 1.0, 1.15, 1.05]);
    const logs = [1.1, 1.2, 1.0, 1.15, 1.05].map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);
    // t(0.975, 4) = 2.776445
    expect(i.low).toBeCloseTo(Math.exp(mean - (2.776445 * sd) / Math.sqrt(5)), 6);
    expect(i.high).toBeCloseTo(Math.exp(mean + (2.776445 * sd) / Math.sqrt(5)), 6);
    expect(i.method).toBe('t-interval on log ratios, 95%, N=5');
    const one = pairedLogRatio([1.3]);
    expect(one).toMatchObject({ low: 1.3, high: 1.3, level: null, method: 'range of 1' });
    // nothing from fewer than 5 pairs is called a 95% interval
    expect(pairedLogRatio([1.1, 1.2, 1.0, 1.15])).toMatchObject({ low: 1.0, high: 1.2, level: null, method: 'range of 4' });
    expect(() => pairedLogRatio([1, 0])).toThrow(/positive/);
  });

  it('covers the true ratio in about 95% of seeded simulations with shared per-pair drift', () => {
    const rng = new Rng(7);
    let covered = 0;
    for (let s = 0; s < 1000; s++) {
      const ratios = Array.from({ length: 5 }, () => {
        const drift = Math.exp(0.3 * rng.nextNormal());
        return (1.4 * drift * Math.exp(0.1 * rng.nextNormal())) / (drift * Math.exp(0.1 * rng.nextNormal()));
      });
      const i = pairedLogRatio(ratios);
      if (i.low <= 1.4 && 1.4 <= i.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(930);
    expect(covered).toBeLessThanOrEqual(970);
  });
});

describe('compare --against: interleaved rounds', () => {
  it('alternates which side goes first (ABBA), and pairs each round on one seed', async () => {
    const calls: string[] = [];
    const side = (name: string): SideRunner => async (seed, r) => {
      calls.push(`${name}${r}:${seed}`);
      return record(name);
    };
    const rounds = await runRounds({ rounds: 4, seed: 42, base: side('A'), change: side('B') });
    expect(calls).toEqual(['A0:42', 'B0:42', 'B1:43', 'A1:43', 'A2:44', 'B2:44', 'B3:45', 'A3:45']);
    expect(rounds.map((r) => r.order)).toEqual(['AB', 'BA', 'AB', 'BA']);
  });

  it('an unchanged tree (A/A) on a drifting, noisy machine: no regression in any of 200 simulated jobs', async () => {
    let falseAlarms = 0;
    for (let job = 0; job < 200; job++) falseAlarms += flagged(await simulatedJob(1000 + job, 1)).length > 0 ? 1 : 0;
    expect(falseAlarms).toBe(0);
  });

  it('a real 1.5x slowdown of the LASSO runner is flagged in at least 4 of 5 jobs, and nothing else is', async () => {
    const jobs = await Promise.all([1, 2, 3, 4, 5].map((s) => simulatedJob(s, 1.5)));
    const hits = jobs.filter((c) => flagged(c).includes('mnist/lasso train seconds')).length;
    expect(hits).toBeGreaterThanOrEqual(4);
    for (const c of jobs) expect(flagged(c).filter((f) => !f.startsWith('mnist/lasso'))).toEqual([]);
    // over many jobs as well, not just these five
    let many = 0;
    for (let s = 100; s < 200; s++) many += flagged(await simulatedJob(s, 1.5)).includes('mnist/lasso train seconds') ? 1 : 0;
    expect(many).toBeGreaterThanOrEqual(80);
  });

  it('a slower change whose settings changed is another experiment: shown with its ratio, not judged, and says what changed', async () => {
    const rng = new Rng(3);
    const steady = () => 1;
    // a side whose lasso cells carry the given alpha in their config
    const at = (side: SideRunner, alpha: number): SideRunner => async (seed, round) => {
      const r = await side(seed, round);
      for (const e of r.results) if (e.runner === 'lasso') e.config = { ...e.config, alpha };
      return r;
    };
    const base = at(standIn(rng, { cnn: 0.5, lasso: 0.25 }, 0.03, steady), 1e-3);
    const slower = standIn(rng, { cnn: 0.5, lasso: 0.5 }, 0.03, steady);
    // the same slowdown at the same settings is a regression
    const same = judgeRounds(await runRounds({ rounds: DEFAULT_ROUNDS, seed: 42, base, change: at(slower, 1e-3) }));
    expect(flagged(same)).toContain('mnist/lasso train seconds');
    const c = judgeRounds(await runRounds({ rounds: DEFAULT_ROUNDS, seed: 42, base, change: at(slower, 3e-4) }));
    const row = c.rows.find((r) => r.cell === 'mnist/lasso' && r.metric === 'train seconds')!;
    expect(row.verdict).toBe('settings changed');
    expect(row.interval!.low).toBeGreaterThan(1.2);
    expect(c.regressions).toBe(0);
    expect(c.notes.join('\n')).toMatch(/mnist\/lasso: settings changed \(alpha 0.001 -> 0.0003\)/);
    // the seed differs by round and is no setting; the cell at unchanged settings is still judged
    expect(c.rows.find((r) => r.cell === 'mnist/cnn' && r.metric === 'train seconds')?.verdict).toBe('ok');
  });

  it('a faster change is reported better; one round is shown, never judged', async () => {
    const c = await simulatedJob(9, 0.5, 0.05);
    expect(c.rows.find((r) => r.cell === 'mnist/lasso' && r.metric === 'train seconds')?.verdict).toBe('better');
    const one = judgeRounds([{ round: 0, order: 'AB', seed: 42, base: record('a'), change: record('b', [entry('cnn', 100, 0.92), entry('lasso', 2, 0.85)]) }]);
    expect(one.regressions).toBe(0);
    expect(one.notes.join(' ')).toMatch(/fewer than 5 rounds give no 95% interval/);
    expect(abMarkdown(one)).toMatch(/range of 1/);
  });

  it('the pooled change side is held to the baseline exactly, seed for seed', async () => {
    const side: SideRunner = async (seed) => {
      const r = record(`c${seed}`);
      r.results.forEach((e) => ((e.seed = seed), (e.split = { ...e.split, seed }), (e.metrics.flops = 1e6)));
      return r;
    };
    const rounds = await runRounds({ rounds: 3, seed: 42, base: side, change: side });
    const pooled = pooledChange(rounds.map((r) => r.change));
    expect(pooled.results.map((e) => `${e.runner}:${e.seed}:${e.repeat}`)).toEqual(['cnn:42:0', 'lasso:42:0', 'cnn:43:1', 'lasso:43:1', 'cnn:44:2', 'lasso:44:2']);
    const baseline: RunRecord = { ...pooled, results: pooled.results.filter((e) => e.seed === 42) };
    expect(compareRecords(baseline, pooled, DEFAULT_GATES).regressions).toBe(0);
    const moreFlops: RunRecord = { ...pooled, results: pooled.results.map((e) => (e.seed === 42 && e.runner === 'lasso' ? { ...e, metrics: { flops: 2e6 } } : e)) };
    expect(compareRecords(baseline, moreFlops).rows.filter((r) => r.verdict === 'changed').map((r) => `${r.cell} ${r.metric}`)).toEqual(['mnist/lasso flops']);
    // time figures against the committed baseline are shown, not judged, unless asked for
    const slow: RunRecord = { ...pooled, results: pooled.results.map((e) => ({ ...e, measurement: { ...e.measurement, seconds: e.measurement.seconds * 3, calibrationSeconds: 1 } })) };
    const withCal = { ...baseline, results: baseline.results.map((e) => ({ ...e, measurement: { ...e.measurement, calibrationSeconds: 1 } })) };
    expect(compareRecords(withCal, slow).regressions).toBe(0);
    expect(compareRecords(withCal, slow, { ...DEFAULT_GATES, crossMachine: true }).regressions).toBeGreaterThan(0);
    expect(DEFAULT_AB_GATES.time).toBeLessThan(1.5);
  });
});

describe('compare --against: the REF', () => {
  it('an unknown ref is unavailable, by name, and leaves no worktree behind', () => {
    const repo = mkdtempSync(join(tmpdir(), 'sb-ab-repo-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
    git('init', '-q');
    writeFileSync(join(repo, 'package.json'), '{"name": "x", "scripts": {"build": "exit 3"}}');
    git('add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'one');
    expect(() => prepareRef(repo, 'no-such-ref')).toThrow(RefUnavailable);
    expect(() => prepareRef(repo, 'HEAD~1')).toThrow(/HEAD~1: not a commit/);
    // a REF whose build fails is unavailable too, and its worktree is removed
    expect(() => prepareRef(repo, 'HEAD')).toThrow(/HEAD: (its build failed|npm ci failed)/);
    expect(String(execFileSync('git', ['-C', repo, 'worktree', 'list']))).not.toMatch(/sparsebench-ab-/);
  });

  it('the CLI refuses contradictory flags with exit 2', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [...CLI, 'compare', ...args], { encoding: 'utf8' });
    const none = cli();
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--baseline FILE, --against REF/);
    const both = cli('--against', 'HEAD', '--current', 'x.json');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--current: not with --against/);
  });
});
