import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { writeReport } from '../report/readme.js';
import { checkWritableDir } from '../suite/run.js';
import { comparisonMarkdown, compareRecords, DEFAULT_GATES, githubBenchmark, type Comparison } from '../report/compare.js';
import { abGithubBenchmark, abMarkdown, DEFAULT_AB_GATES, DEFAULT_ROUNDS } from '../report/ab.js';
import { compareAgainst } from '../ci/against.js';
import { mergeShards } from '../results/merge.js';
import { readRecord, readRecords, writeRecord } from '../results/store.js';
import type { RunRecord } from '../results/schema.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dirname, join, resolve } from 'node:path';
import { SUITE_NAMES } from '../suite/suites.js';

import { DEFAULT_SEED, integer, seedOption, real, list, datasetList, note } from './options.js';

/** `compare`, `baseline` and `merge`: regressions against a ref or the committed baseline, adopting a baseline, joining shards. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'check a change for regressions; exit 0 none, 1 regression, 2 bad input. --against REF: REF and this build in interleaved rounds on this machine, ' +
        'time and energy judged by paired ratios; --baseline: deterministic figures (accuracy, FLOPs, counts) held to the committed baseline',
    )
    .option('--baseline <file>', 'baseline record (results/baseline.json): exact gates on accuracy and counts')
    .option('--current <file>', 'current record, without --against (default: the newest under --results-dir)')
    .option('--against <ref>', 'git ref to measure beside this build, same cells and seeds, interleaved rounds (CI: the merge-base, or HEAD~1)')
    .option('--aa', 'A/A: run REF (--against, default HEAD) against itself and print the noise per metric')
    .option('--rounds <n>', 'interleaved rounds of --against / --aa', integer('--rounds', 1), DEFAULT_ROUNDS)
    .addOption(new Option('--suite <name>', 'suite both sides run in --against rounds').choices(SUITE_NAMES).default('quick'))
    .option('--seed <n>', 'seed of the first round (round r trains seed + r on both sides)', seedOption(), DEFAULT_SEED)
    .option('--dataset <names>', 'datasets of the suite to keep in --against rounds', datasetList)
    .option('--runner <names>', 'runners of the suite to keep in --against rounds', list)
    .addOption(new Option('--peer <name>', 'shipped peer runner in --against rounds').choices(['auto', 'none', 'torch']).default('auto'))
    .option('--no-sensors', 'rounds estimate energy (no RAPL, no nvidia-smi)')
    .option('--results-dir <dir>', 'where the newest record is looked for; --against writes each side\'s records under DIR/ab/', 'results')
    .option('--accuracy-gate <d>', 'largest tolerated accuracy drop', real('--accuracy-gate', (x) => x >= 0, '>= 0'), DEFAULT_GATES.accuracy)
    .option('--time-gate <x>', `largest tolerated time ratio (--against: the whole paired interval must exceed it, default ${DEFAULT_AB_GATES.time}; --cross-machine: calibrated, default ${DEFAULT_GATES.time})`, real('--time-gate', (x) => x >= 1, '>= 1'))
    .option('--energy-gate <x>', `largest tolerated energy ratio (as --time-gate; defaults ${DEFAULT_AB_GATES.energy} and ${DEFAULT_GATES.energy})`, real('--energy-gate', (x) => x >= 1, '>= 1'))
    .option('--cross-machine', 'gate time and energy per calibration second against --baseline (two machines compared on purpose; noisy, see the README)')
    .option('--json', 'the comparison as JSON on stdout')
    .option('--markdown', 'a Markdown table for a pull-request comment')
    .option('--github-benchmark <dir>', 'also write smaller-is-better.json and bigger-is-better.json for github-action-benchmark')
    .action(async (opts) => {
      const ab = opts.against !== undefined || opts.aa === true;
      if (opts.githubBenchmark) checkWritableDir(opts.githubBenchmark, '--github-benchmark');
      if (!ab && !opts.baseline) throw new UsageError('compare: give --baseline FILE, --against REF, or both');
      if (ab && opts.current) throw new UsageError('--current: not with --against (the rounds make the current records)');
      if (ab && opts.crossMachine) throw new UsageError('--cross-machine: not with --against (one machine, paired rounds)');
      const baseline = opts.baseline ? readRecordOrFail(opts.baseline, '--baseline') : undefined;
      const exactGates = {
        accuracy: opts.accuracyGate,
        time: opts.timeGate ?? DEFAULT_GATES.time,
        energy: opts.energyGate ?? DEFAULT_GATES.energy,
        crossMachine: opts.crossMachine === true,
      };
      let exact: Comparison | undefined;
      let smaller: object[] = [];
      let bigger: object[] = [];
      if (ab) {
        checkWritableDir(opts.resultsDir);
        const ref: string = opts.against ?? 'HEAD';
        const runArgs = ['--suite', opts.suite, '--peer', opts.peer, ...(opts.sensors ? [] : ['--no-sensors'])];
        if (opts.dataset) runArgs.push('--dataset', opts.dataset.join(','));
        if (opts.runner) runArgs.push('--runner', opts.runner.join(','));
        const c = await compareAgainst({
          repo: process.cwd(),
          ref,
          aa: opts.aa === true,
          rounds: opts.rounds,
          seed: opts.seed,
          runArgs,
          resultsDir: opts.resultsDir,
          gates: { ...DEFAULT_AB_GATES, time: opts.timeGate ?? DEFAULT_AB_GATES.time, energy: opts.energyGate ?? DEFAULT_AB_GATES.energy },
          baseline,
          exactGates,
          log: note,
        });
        exact = c.exact;
        smaller = abGithubBenchmark(c);
        if (opts.json) process.stdout.write(JSON.stringify({ against: ref, baseline: opts.baseline ?? null, ...c }) + '\n');
        else {
          process.stdout.write(c.rounds ? abMarkdown(c) : `${c.notes.join('; ')}.\n`);
          if (exact) process.stdout.write('\n' + comparisonMarkdown(exact, opts.baseline, `this build, ${c.rounds || opts.rounds} seeded runs pooled`));
        }
        process.exitCode = c.regressions > 0 ? 1 : 0;
      } else {
        const currentPath: string = opts.current ?? newestRecord(opts.resultsDir);
        const current = readRecordOrFail(currentPath, '--current');
        exact = compareRecords(baseline as RunRecord, current, exactGates);
        if (opts.json) process.stdout.write(JSON.stringify({ baseline: opts.baseline, current: currentPath, ...exact }) + '\n');
        else process.stdout.write(comparisonMarkdown(exact, opts.baseline, currentPath));
        process.exitCode = exact.regressions > 0 ? 1 : 0;
      }
      if (exact) {
        const gh = githubBenchmark(exact);
        smaller = [...smaller, ...(ab ? [] : gh.smaller)];
        bigger = gh.bigger;
      }
      if (opts.githubBenchmark) {
        writeFileAtomic(join(opts.githubBenchmark, 'smaller-is-better.json'), JSON.stringify(smaller, null, 2) + '\n');
        writeFileAtomic(join(opts.githubBenchmark, 'bigger-is-better.json'), JSON.stringify(bigger, null, 2) + '\n');
      }
    });

  program
    .command('baseline')
    .description('make a run record the baseline, on purpose (never implicitly); heat maps are left out')
    .requiredOption('--from <file>', 'the run record to adopt')
    .option('--out <file>', 'where the baseline goes', join('results', 'baseline.json'))
    .action((opts) => {
      const record = readRecordOrFail(opts.from, '--from');
      checkWritableDir(dirname(resolve(opts.out)), '--out');
      // compare reads figures only: heat maps (tens of kB per detector) stay in the run record
      const lean = { ...record, results: record.results.map(({ heatmaps: _, ...r }) => r) };
      writeFileAtomic(opts.out, JSON.stringify(lean, null, 2) + '\n');
      process.stdout.write(`${opts.out}: baseline is now ${record.id} (suite ${record.suite}, ${record.results.length} results, heat maps left out)\n`);
    });

  program
    .command('merge')
    .description('join the records of a sharded run (run --shard I/N) into one record')
    .argument('<files...>', 'the shard records')
    .option('--results-dir <dir>', 'where the merged record and tables go', 'results')
    .action(async (files: string[], opts) => {
      checkWritableDir(opts.resultsDir);
      const merged = mergeShards(files.map((f) => readRecordOrFail(f, 'merge')));
      const path = writeRecord(opts.resultsDir, merged);
      await writeReport(opts.resultsDir);
      process.stdout.write(`${path}: ${merged.results.length} results from ${files.length} shards\n`);
    });
}

/** Reads a record; any problem is a usage error naming the flag and the file (exit 2). */
function readRecordOrFail(file: string, flag: string): RunRecord {
  try {
    return readRecord(file);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message.replace(/^.*?ENOENT.*$/, `${file}: no such file`)}`);
  }
}

function newestRecord(resultsDir: string): string {
  const { records, files } = readRecords(resultsDir);
  // by file, not by id: a renamed record is still found
  const newest = files[records.length - 1];
  if (!newest) throw new UsageError(`--current: no records under ${join(resultsDir, 'runs')}; run \`sparsebench run\` first or pass --current`);
  return newest;
}
