import { Command, CommanderError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { EXPORT_FILES, exportSplit } from './datasets/export.js';
import { datasetEntry, datasetNames, loadDataset, splitSizes, type DatasetEntry } from './datasets/registry.js';
import { isSourceUri, SOURCE_SCHEMES, withSourceOption } from './datasets/sources.js';
import { cnnPeerArgs } from './deep/cnn.js';
import { makeSplit } from './datasets/split.js';
import { BACKEND_CHOICES, parseBackendChoice } from './deep/backend.js';
import { UsageError } from './errors.js';
import { reportIsStale, writeReport } from './report/readme.js';
import { ENERGY_VIEWS } from './report/claims.js';
import { datasetTables } from './report/tables.js';
import { datasetCheckText } from './report/dataset-check.js';
import { isDetection, type Dataset } from './datasets/types.js';
import { exportMvtec } from './datasets/mvtec.js';
import { DEFAULT_EXTERNAL_TIMEOUT, validateExternal, type ExternalSpec } from './runners/external.js';
import { DEVICES, peerPlan, peerSpecs } from './runners/peers.js';
import { runnerNames } from './runners/registry.js';
import { checkWritableDir, MAX_REPEATS, planRun, RunInterrupted, runSuite } from './suite/run.js';
import { cleanUpAll, signalGroups } from './util/cleanup.js';
import { controlDir } from './util/control.js';
import { solveCodes, solveDictionary, solveFit, solvePath, type FitSummary, type PathSummary } from './suite/solve.js';
import { mdTable, sig } from './report/format.js';
import { INTENSITY_PRESETS, parseIntensity, strubellEstimate, type Conversion } from './meter/carbon.js';
import { measureCommand } from './suite/measure.js';
import { comparisonMarkdown, compareRecords, DEFAULT_GATES, githubBenchmark, type Comparison } from './report/compare.js';
import { abGithubBenchmark, abMarkdown, DEFAULT_AB_GATES, DEFAULT_ROUNDS } from './report/ab.js';
import { compareAgainst } from './ci/against.js';
import { mergeShards } from './results/merge.js';
import { readRecord, readRecords, writeRecord } from './results/store.js';
import type { RunRecord } from './results/schema.js';
import { writeFileAtomic } from './util/atomic.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SUITE_NAMES } from './suite/suites.js';

const DEFAULT_SEED = 42;

function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got "${value}"`);
    const n = Number(value);
    // the value as typed: a double would round 99999999999999999999 to 100000000000000000000
    if (n < min && max === Number.MAX_SAFE_INTEGER) throw new UsageError(`${flag} must be >= ${min}, got ${value.trim()}`);
    if (n < min || n > max || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be an integer in [${min}, ${max}], got ${value.trim()}`);
    return n;
  };
}

/** Seeds are 32-bit (the generators' state). */
const seedOption = (flag = '--seed') => integer(flag, 0, 0xffffffff);

function real(flag: string, test: (x: number) => boolean, expected: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || !test(x)) throw new UsageError(`${flag} must be ${expected}, got "${value}"`);
    return x;
  };
}

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
/** --dataset: comma-separated names, or one source URI (npy:X.npy,y.npy holds a comma of its own). */
/**
 * --dataset's comma-separated list: a source's path may hold a comma (npy:X.npy,y.npy), so a
 * part joins the source before it unless it starts a source of its own or names a built-in dataset.
 */
const datasetList = (value: string): string[] => {
  const items: string[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const last = items[items.length - 1];
    if (last !== undefined && isSourceUri(last) && !isSourceUri(part) && !datasetNames().includes(part)) items[items.length - 1] = `${last},${part}`;
    else items.push(part);
  }
  return items;
};
const LABEL_COLUMN = ['--label-column <name>', 'csv: sources: the column that holds the label (default: label); sets csv:FILE?label=NAME'] as const;
const IMAGE_SIZE = ['--image-size <n>', 'folder: and mvtec: sources: the side images are resized to (default: 28 for folder:, 128 for mvtec:); sets DIR?size=N'] as const;
const SKIP_BAD = ['--skip-bad', 'your own sources: leave out unreadable or malformed images, masks and rows, and list them in the record and the report (default: each is an error); sets ?skip-bad=1'] as const;
/**
 * The datasets with the source flags applied: --label-column, --image-size and --skip-bad write
 * the options of the sources they apply to; a flag that applies to none is an error.
 */
function withSourceFlags<T extends string | string[] | undefined>(datasets: T, opts: { labelColumn?: string; imageSize?: string; skipBad?: boolean }): T {
  if (datasets === undefined) return datasets;
  let out: string[] = Array.isArray(datasets) ? [...datasets] : [datasets as string];
  for (const [value, flag, schemes, key] of [
    [opts.labelColumn, '--label-column', ['csv:'], 'label'],
    [opts.imageSize, '--image-size', ['folder:', 'mvtec:'], 'size'],
    [opts.skipBad ? '1' : undefined, '--skip-bad', SOURCE_SCHEMES.map((x) => `${x}:`), 'skip-bad'],
  ] as const) {
    if (value === undefined) continue;
    const applies = (d: string): boolean => schemes.some((x) => d.startsWith(x));
    if (!out.some(applies)) throw new UsageError(`${flag}: applies to ${schemes.join(' and ')} sources, not ${out.join(',')}`);
    out = out.map((d) => (applies(d) ? withSourceOption(d, key, value) : d));
  }
  return (Array.isArray(datasets) ? out : out[0]) as T;
}

/** Notices go to stderr so that stdout stays one JSON document under --json. */
const note = (msg: string): void => void process.stderr.write(`sparsebench: ${msg}\n`);

function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  return new SingleBar({ stream: process.stderr, format: '{bar} {percentage}% {label}', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
}

export function buildProgram(): Command {
  const program = new Command('sparsebench')
    .description('Does sparse modeling train faster and greener than deep learning? Measures both on this machine.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('train every (dataset, runner) of a suite, meter each, write one record to RESULTS/runs/ and regenerate RESULTS/README.md')
    .addOption(new Option('--suite <name>', 'suite to run').choices(SUITE_NAMES).default('default'))
    .option('--dataset <names>', `comma-separated datasets of the suite to keep (${datasetNames().join(', ')}), or your own: npy:X.npy,y.npy, csv:FILE or folder:DIR (the suite's runners of its task)`, datasetList)
    .option(...LABEL_COLUMN)
    .option(...IMAGE_SIZE)
    .option(...SKIP_BAD)
    .option('--runner <names>', `comma-separated runners of the suite to keep (${runnerNames().join(', ')})`, list)
    .option('--repeats <n>', 'repetitions with seeds seed, seed+1, ... (default: the suite\'s)', integer('--repeats', 1, MAX_REPEATS))
    .option('--seed <n>', 'seed for split, initialisation and shuffling', seedOption(), DEFAULT_SEED)
    .option('--epochs <n>', 'CNN epochs (default: the suite\'s; detectors keep their own)', integer('--epochs', 1))
    .addOption(new Option('--cnn-arch <arch>', 'CNN size: default (8/16 filters) or large (32/64 filters, dense 128), for tfjs and the torch peer').choices(['default', 'large']).default('default'))
    .option('--cmd <command>', 'also run this training command as a runner; {split} is the exported split directory, {epochs} and {seed} are filled in; it prints a JSON line {"accuracy": ...}')
    .option('--external-name <name>', 'name of the --cmd runner in tables and records', 'external')
    .addOption(new Option('--external-family <family>', 'what the --cmd runner trains').choices(['deep', 'sparse']).default('deep'))
    .addOption(
      new Option('--peer <name>', 'shipped peer runner: torch = the same CNN in PyTorch (python3-torch); auto = torch when it is installed')
        .choices(['auto', 'none', 'torch'])
        .default('auto'),
    )
    .addOption(
      new Option('--device <where>', 'where the PyTorch peers train: auto = CUDA when PyTorch sees a device, else the CPU (the sparse runners and tfjs stay on the CPU)')
        .choices([...DEVICES])
        .default('auto'),
    )
    .addOption(new Option('--backend <name>', `tfjs backend (${BACKEND_CHOICES.join('|')}): auto = tensorflow (tfjs-node) if it loads, else wasm, else cpu (slow, warned)`).default('auto'))
    .option('--threads <n|auto>', 'thread budget of every runner (torch peers and external commands take it, the dictionary runner codes and the sparse detector scores on it; the rest of our sparse code and tfjs-wasm use one); auto = every core', threadsSpec, 1)
    .option('--results-dir <dir>', 'where records and tables go', 'results')
    .option('--shard <i/n>', 'run only slice I of N of the suite (a CI matrix); join the records with `merge`', shardSpec)
    .option('--no-sensors', 'do not read RAPL or nvidia-smi: energy is estimated and labelled so')
    .option('--idle-seconds <s>', 'idle power sampled before the suite when a sensor is present', real('--idle-seconds', (x) => x >= 0, '>= 0'), 5)
    .option('--pue <p>', 'power usage effectiveness of the facility (Strubell et al.: 1.58)', real('--pue', (x) => x >= 1, '>= 1'), 1.58)
    .option('--carbon <g|preset>', `grid g CO2e/kWh, or one of ${Object.keys(INTENSITY_PRESETS).join(', ')}`, 'world')
    .option('--usd-per-kwh <c>', 'electricity price', real('--usd-per-kwh', (x) => x >= 0, '>= 0'), 0.15)
    .option('--resume [id]', 'continue the newest unfinished run of the same arguments (or the one of that id) from its journal: finished cells are not trained again')
    .option('--external-timeout <s>', 'stop an external runner or peer (its whole process group) after this many seconds', real('--external-timeout', (x) => x > 0, 'positive'), DEFAULT_EXTERNAL_TIMEOUT)
    .option('--fail-fast', 'stop at the first failing cell (default: record it as failed with its reason, train the others, exit 1 at the end)')
    .option('--json', 'print the run record as one JSON document on stdout (progress stays on stderr)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (opts) => {
      const backend = parseBackendChoice(opts.backend);
      const externals: ExternalSpec[] = [];
      if (opts.cmd !== undefined) externals.push({ name: opts.externalName, command: opts.cmd, family: opts.externalFamily });
      const notes: string[] = [];
      const peerArgs = cnnPeerArgs(opts.cnnArch);
      if (opts.peer === 'none' && opts.device === 'cuda') throw new UsageError('--device cuda: only the PyTorch peers train on a GPU, and --peer none runs none');
      if (reportIsStale(opts.resultsDir)) {
        try {
          await writeReport(opts.resultsDir);
          note(`${join(opts.resultsDir, 'README.md')} was older than a record (an earlier run stopped before regenerating it): regenerated`);
        } catch {
          // not writable: the run's own check of --results-dir names that
        }
      }
      const options = {
        suite: opts.suite,
        datasets: withSourceFlags(opts.dataset as string[] | undefined, opts),
        runners: opts.runner,
        repeats: opts.repeats,
        seed: opts.seed,
        epochs: opts.epochs,
        arch: opts.cnnArch,
        notes,
        sensors: opts.sensors,
        idleSeconds: opts.idleSeconds,
        conversion: conversionFrom(opts),
        shard: opts.shard,
        threads: opts.threads,
        resume: opts.resume,
        externalTimeoutSeconds: opts.externalTimeout,
        failFast: opts.failFast,
        backend,
        resultsDir: opts.resultsDir,
        argv: process.argv.slice(2),
      };
      // bad input is refused before the peers' Python is looked for (importing torch takes ~1.5 s)
      // (under auto the peers may be absent: a --cmd runner may then take one of their names)
      const planned = opts.peer === 'none' ? [] : peerPlan('torch').filter((p) => opts.peer === 'torch' || !externals.some((x) => x.name === p.name));
      planRun({ ...options, externals: [...externals, ...planned] });
      if (opts.peer === 'torch') externals.push(...peerSpecs('torch', peerArgs, opts.device));
      if (opts.peer === 'auto') {
        try {
          externals.push(...peerSpecs('torch', peerArgs, opts.device));
        } catch (err) {
          if (err instanceof UsageError && err.message.startsWith('--device')) throw err;
          notes.push(`no PyTorch peer (${(err as Error).message.replace(/^--peer torch: /, '')}): deep learning ran on TensorFlow.js only`);
          note(notes[notes.length - 1]);
        }
      }
      externals.forEach(validateExternal);
      const bar = progressBar(opts.progress);
      let barStarted = false;
      const { record, path } = await runSuite(
        { ...options, externals },
        {
          notice: (m) => {
            bar?.stop();
            barStarted = false;
            note(m);
          },
          progress: (label, done, total) => {
            if (!bar) return;
            if (!barStarted) {
              bar.start(total, done, { label });
              barStarted = true;
            }
            bar.setTotal(total);
            bar.update(done, { label });
          },
          cellDone: (e) => {
            bar?.stop();
            barStarted = false;
            note(`${e.dataset}/${e.runner}#${e.repeat}: accuracy ${e.accuracy.toFixed(4)}, ${e.measurement.seconds.toFixed(2)} s, ${e.energy.joules.toFixed(1)} J (${e.energy.method})`);
          },
          cellFailed: (key, reason) => {
            bar?.stop();
            barStarted = false;
            note(`${key}: FAILED (${reason}); going on with the other cells`);
          },
        },
      );
      const report = await writeReport(opts.resultsDir);
      for (const p of report.problems) note(`skipped record: ${p.problem}`);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ recordPath: path, readmePath: report.path, record }) + '\n');
      } else {
        process.stdout.write(`${datasetTables(record)}\n\nrecord: ${path}\ntables: ${report.path}\n`);
      }
      const failed = record.failures ?? [];
      if (failed.length) {
        note(
          `${failed.length} of ${failed.length + record.results.length} cells failed (listed in the record and its README); ` +
            'the journal is kept: fix the cause and run the same command with --resume to train only those',
        );
        process.exitCode = 1;
      }
    });

  program
    .command('report')
    .description('regenerate RESULTS/README.md (claims and verdicts first), RESULTS/summary.json and RESULTS/plots/ from the stored records (no training)')
    .option('--results-dir <dir>', 'where records and tables are', 'results')
    .addOption(
      new Option('--energy-view <view>', 'whom idle draw is charged to in the verdicts: runner = net of the measured idle (no runner pays for an idle GPU), machine = gross')
        .choices([...ENERGY_VIEWS])
        .default('runner'),
    )
    .option('--json', 'print a JSON summary on stdout')
    .action(async (opts) => {
      checkWritableDir(opts.resultsDir);
      const report = await writeReport(opts.resultsDir, opts.energyView);
      for (const p of report.problems) note(`skipped record: ${p.problem}`);
      const summary = { readmePath: report.path, records: report.records, skipped: report.problems };
      process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : `${report.path}: ${report.records} record(s), ${report.problems.length} skipped\n`);
    });

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

  program
    .command('measure')
    .description('meter any command: wall and CPU time of its process tree, memory, energy (sensors where present, else a labelled estimate); its exit code is passed through')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--json', 'one JSON report on stdout; the command\'s own output goes to stderr')
    .option('--no-sensors', 'do not read RAPL or nvidia-smi')
    .option('--idle-seconds <s>', 'idle power sampled first, when a sensor is present', real('--idle-seconds', (x) => x >= 0, '>= 0'), 0)
    .option('--pue <p>', 'power usage effectiveness', real('--pue', (x) => x >= 1, '>= 1'), 1.58)
    .option('--carbon <g|preset>', 'grid g CO2e/kWh or a preset', 'world')
    .option('--usd-per-kwh <c>', 'electricity price', real('--usd-per-kwh', (x) => x >= 0, '>= 0'), 0.15)
    .action(async (command: string[], opts) => {
      const report = await measureCommand(command, {
        sensors: opts.sensors,
        idleSeconds: opts.idleSeconds,
        conversion: conversionFrom(opts),
        echo: opts.json ? 'stderr' : 'stdout',
      });
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        const e = report.energy;
        process.stderr.write(
          `sparsebench: ${report.seconds.toFixed(3)} s, ${report.cpuSeconds.toFixed(3)} s CPU, peak ${sig(report.peakRssBytes / 2 ** 20)} MiB, ` +
            `${sig(e.joules)} J (${e.method}, +/-${sig(e.uncertainty.relative * 100)}%), ${sig(report.converted.kwhWithPue)} kWh x PUE, ` +
            `${sig(report.converted.co2eKg * 1000)} g CO2e; CPU by ${report.attribution}; ${report.sensors.unavailable.join('; ')}\n`,
        );
      }
      process.exitCode = report.exitCode;
    });

  program
    .command('estimate')
    .description('energy, CO2e and cost from average power draws, as Strubell et al. 2019 (Eq. 1 and 2)')
    .option('--power <w>', 'total average draw, watts', real('--power', (x) => x > 0, 'positive'))
    .requiredOption('--hours <h>', 'training time, hours', real('--hours', (x) => x > 0, 'positive'))
    .option('--gpus <n>', 'number of GPUs', real('--gpus', (x) => Number.isInteger(x) && x >= 0, 'a whole number >= 0'))
    .option('--gpu-watts <w>', 'average draw per GPU', real('--gpu-watts', (x) => x >= 0, '>= 0'))
    .option('--cpu-watts <w>', 'average CPU draw', real('--cpu-watts', (x) => x >= 0, '>= 0'))
    .option('--dram-watts <w>', 'average DRAM draw', real('--dram-watts', (x) => x >= 0, '>= 0'))
    .option('--pue <p>', 'power usage effectiveness', real('--pue', (x) => x >= 1, '>= 1'), 1.58)
    .option('--lbs-per-kwh <f>', 'lbs CO2e per kWh (Strubell et al.: 0.954, the US average)', real('--lbs-per-kwh', (x) => x >= 0, '>= 0'), 0.954)
    .option('--usd-per-kwh <c>', 'electricity price', real('--usd-per-kwh', (x) => x >= 0, '>= 0'), 0.15)
    .option('--json', 'JSON on stdout')
    .action((opts) => {
      const e = strubellEstimate({
        watts: opts.power,
        hours: opts.hours,
        gpus: opts.gpus,
        gpuWatts: opts.gpuWatts,
        cpuWatts: opts.cpuWatts,
        dramWatts: opts.dramWatts,
        pue: opts.pue,
        lbsPerKwh: opts.lbsPerKwh,
        usdPerKwh: opts.usdPerKwh,
      });
      const overflow = Object.entries(e).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
      if (overflow) throw new UsageError(`--power/--hours: ${overflow[0]} is not finite (${opts.power ?? 'the draws'} W for ${opts.hours} h overflows a double)`);
      process.stdout.write(
        opts.json
          ? JSON.stringify(e) + '\n'
          : `${+e.watts.toFixed(2)} W for ${+e.hours.toFixed(3)} h: ${sig(e.kwh)} kWh, x PUE ${e.pue} = ${sig(e.kwhWithPue)} kWh; ` +
              `${sig(e.co2eLbs)} lbs CO2e (${sig(e.co2eKg)} kg) at ${e.lbsPerKwh} lbs/kWh; $${sig(e.costUsd)} (${e.method})\n`,
      );
    });

  const datasets = program.command('datasets').description('list, check and export the datasets');
  datasets
    .command('list')
    .description('known datasets and whether their data is present')
    .option('--json', 'JSON on stdout')
    .action((opts) => {
      const rows = datasetNames().map((name) => {
        const e = datasetEntry(name);
        return { name, description: e.description, defaultSplit: { train: e.trainSize, validation: e.validationSize, test: e.testSize }, ...e.available() };
      });
      if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else for (const r of rows) process.stdout.write(`${r.name}\t${r.ok ? 'present' : 'MISSING'}\t${r.description}\n`);
    });
  datasets
    .command('check')
    .description('verify source checksums against datasets/<name>.json and load each dataset fully: counts per class or defect kind, image sizes, files left out; exit 2 if one is missing, altered or malformed')
    .option('--dataset <names>', 'datasets to check (default: all), or a source URI (npy:X.npy,y.npy, csv:FILE, folder:DIR, mvtec:DIR)', datasetList)
    .option(...LABEL_COLUMN)
    .option(...IMAGE_SIZE)
    .option(...SKIP_BAD)
    .option('--json', 'JSON on stdout')
    .action((opts) => {
      const names: string[] = withSourceFlags(opts.dataset as string[] | undefined, opts) ?? datasetNames();
      const rows = names.map((name) => {
        let e: DatasetEntry;
        try {
          e = datasetEntry(name);
        } catch (err) {
          // a source with bad data: list everything --skip-bad would leave out, not only the first
          if (!(err instanceof UsageError) || !isSourceUri(name) || name.includes('skip-bad=')) throw err;
          let lenient: Dataset;
          try {
            lenient = loadDataset(withSourceOption(name, 'skip-bad', '1'));
          } catch {
            throw err;
          }
          const skipped = lenient.skipped ?? [];
          return { name, ok: false, problems: [err.message, `${skipped.length} bad: --skip-bad leaves them out and lists them`], skipped };
        }
        const available = e.available();
        if (!available.ok) return { name, ok: false, problems: [available.reason] };
        const problems = e.verify();
        if (problems.length) return { name, ok: false, problems };
        const d = loadDataset(name);
        const counts = Array.from({ length: d.classes }, (_, c) => d.y.filter((v) => v === c).length);
        const labelNames = isDetection(d) ? ['good', ...d.detection.kindNames] : undefined;
        return {
          name,
          ok: true,
          problems,
          samples: d.y.length,
          features: d.height * d.width * d.channels,
          counts,
          ...(labelNames ? { labels: labelNames } : {}),
          ...(isDetection(d) ? { groups: d.detection.groupNames.map((g, k) => ({ group: g, images: d.detection.groups.filter((x) => x === k).length })) } : {}),
          split: [e.trainSize, e.validationSize, e.testSize],
          source: d.source,
          ...(d.images ? { originalSizes: d.images.originalSizes } : {}),
          skipped: d.skipped ?? [],
        };
      });
      if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else process.stdout.write(rows.map(datasetCheckText).join(''));
      const bad = rows.filter((r) => !r.ok);
      if (bad.length) throw new UsageError(bad.map((r) => `--dataset ${r.name}: ${r.problems.join('; ')}`).join('; '));
    });
  datasets
    .command('export')
    .description('write the exact split the runners use: X_train.f64, y_train.u8, X_val.f64, y_val.u8, X_test.f64, y_test.u8 (raw little-endian) + meta.json; detection datasets add mask_val.u8, mask_test.u8, group_train.u8, group_val.u8, group_test.u8. --format mvtec writes a detection split as PNG folders in the MVTec AD layout instead')
    .requiredOption('--dataset <name>', 'dataset to export')
    .requiredOption('--out <dir>', 'output directory')
    .addOption(new Option('--format <f>', 'arrays: raw arrays + meta.json; mvtec: <group>/train/good, <group>/test/<kind>, <group>/ground_truth/<kind> PNG folders (validation and test images both under test/)').choices(['arrays', 'mvtec']).default('arrays'))
    .option('--seed <n>', 'split seed', seedOption(), DEFAULT_SEED)
    .option('--train-size <n>', 'training samples (default: the dataset\'s)', integer('--train-size', 1))
    .option('--validation-size <n>', 'validation samples (default: the dataset\'s)', integer('--validation-size', 1))
    .option('--test-size <n>', 'test samples (default: the dataset\'s)', integer('--test-size', 1))
    .option('--force', 'replace the files of an earlier export in --out')
    .option(...LABEL_COLUMN)
    .option(...IMAGE_SIZE)
    .option(...SKIP_BAD)
    .option('--json', 'print meta.json on stdout (arrays), or what was written (mvtec)')
    .action((opts) => {
      const e = datasetEntry(withSourceFlags(opts.dataset as string, opts));
      if (opts.format === 'mvtec' && e.task !== 'detection') throw new UsageError(`--format mvtec: --dataset ${opts.dataset} is a ${e.task} dataset; the MVTec AD layout holds defect detection`);
      checkWritableDir(opts.out, '--out');
      // never overwrite what is there without being told: it may be another split, or the user's
      // data (an MVTec layout's categories are named by the data, so any entry there counts)
      const present = existsSync(opts.out) && statSync(opts.out).isDirectory() ? readdirSync(opts.out).filter((f) => !f.startsWith('.')) : [];
      const clash = opts.format === 'mvtec' ? present : present.filter((f) => EXPORT_FILES.includes(f));
      if (clash.length && !opts.force) throw new UsageError(`--out ${opts.out}: already holds ${clash.slice(0, 15).join(', ')}${clash.length > 15 ? ', ...' : ''}; pass --force to replace them, or choose an empty directory`);
      const split = makeSplit(loadDataset(e.name), { ...splitSizes(e, opts), seed: opts.seed });
      if (opts.format === 'mvtec') {
        const written = exportMvtec(split, opts.out);
        process.stdout.write(opts.json ? JSON.stringify({ format: 'mvtec', dataset: split.dataset, seed: split.seed, ...written }) + '\n' : `${opts.out}: ${written.files} PNG files in ${written.categories.join(', ')} (MVTec AD layout; read back with --dataset mvtec:${opts.out}?size=${split.width})\n`);
        return;
      }
      const meta = exportSplit(split, opts.out);
      process.stdout.write(opts.json ? JSON.stringify(meta) + '\n' : `${opts.out}: ${meta.files.map((f) => f.file).join(', ')}, meta.json\n`);
    });
  const solve = program.command('solve').description('the sparse solvers alone on a dataset\'s training split, with timings and optimality figures');
  const solverOptions = (c: Command): Command =>
    c
      .option('--dataset <name>', 'dataset whose training split is used', 'mnist')
      .option('--seed <n>', 'split seed', seedOption(), DEFAULT_SEED)
      .option('--train-size <n>', 'training samples (default: the dataset\'s)', integer('--train-size', 1))
      .option('--l1-ratio <r>', 'elastic-net mixing, 1 = LASSO', real('--l1-ratio', (x) => x > 0 && x <= 1, 'in (0, 1]'), 1)
      .option('--tol <t>', 'stop when the duality gap <= tol ||y||^2 / n (scikit-learn\'s rule)', real('--tol', (x) => x > 0, 'positive'), 1e-4)
      .option('--max-iter <n>', 'most coordinate passes per alpha', integer('--max-iter', 1), 1000)
      .addOption(new Option('--mode <m>', 'gram: covariance updates (n > p); naive: residual updates').choices(['auto', 'gram', 'naive']).default('auto'))
      .addOption(new Option('--selection <s>', 'coordinate order').choices(['cyclic', 'random']).default('cyclic'))
      .addOption(new Option('--screening <s>', 'working sets from the strong rule, or none').choices(['strong', 'none']).default('strong'))
      .option('--no-newton', 'no Newton steps on the support (pure coordinate descent)')
      .option('--json', 'one JSON document on stdout');
  solverOptions(
    solve
      .command('lasso-path')
      .description('one-vs-rest LASSO / elastic-net paths, alpha_max down to eps x alpha_max, warm-started')
      .option('--n-alphas <n>', 'alphas on the path', integer('--n-alphas', 1), 100)
      .option('--eps <e>', 'alpha_min / alpha_max', real('--eps', (x) => x > 0 && x < 1, 'in (0, 1)'), 1e-3),
  ).action((opts) => {
    const summary = solvePath(
      { dataset: opts.dataset, seed: opts.seed, trainSize: opts.trainSize },
      { nAlphas: opts.nAlphas, eps: opts.eps, ...solverSettings(opts) },
    );
    process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : pathTable(summary));
  });
  solverOptions(
    solve
      .command('lasso')
      .description('one elastic-net fit per one-vs-rest target at a fixed alpha')
      .requiredOption('--alpha <a>', 'regularisation (scikit-learn scaling)', real('--alpha', (x) => x > 0, 'positive')),
  ).action((opts) => {
    const summary = solveFit(
      { dataset: opts.dataset, seed: opts.seed, trainSize: opts.trainSize },
      { alpha: opts.alpha, ...solverSettings(opts) },
    );
    process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : fitTable(summary));
  });
  // the flags both patch commands share (dictionary, codes)
  const patchOptions = (c: Command, seedHelp: string, atomsHelp: string): Command =>
    c
      .option('--dataset <name>', 'dataset whose training split is used', 'mnist')
      .option('--seed <n>', seedHelp, seedOption(), DEFAULT_SEED)
      .option('--patch <k>', 'patch side', integer('--patch', 1), 7)
      .option('--atoms <n>', atomsHelp, integer('--atoms', 1), 64)
      .option('--alpha <a>', 'code sparsity: 0.5 ||x - D^T a||^2 + alpha ||a||_1', real('--alpha', (x) => x > 0, 'positive'), 0.1);
  patchOptions(
    solve.command('dictionary').description('online dictionary learning (Mairal et al.) on centered random patches of the training split'),
    'split, patch and learning seed',
    'dictionary atoms',
  )
    .option('--patches <n>', 'random patches learned from', integer('--patches', 1), 80000)
    .option('--batch <n>', 'mini-batch size', integer('--batch', 1), 256)
    .option('--iterations <n>', 'mini-batches', integer('--iterations', 1), 200)
    .option('--json', 'one JSON document on stdout (with the dictionary)')
    .action((opts) => {
      const s = solveDictionary(
        { dataset: opts.dataset, seed: opts.seed },
        { patch: opts.patch, atoms: opts.atoms, patches: opts.patches, alpha: opts.alpha, batchSize: opts.batch, iterations: opts.iterations },
        opts.seed,
      );
      if (opts.json) process.stdout.write(JSON.stringify(s) + '\n');
      else {
        process.stdout.write(
          `${s.dataset}: ${s.options.atoms} atoms of ${s.options.patch}x${s.options.patch} on ${s.options.patches} patches, alpha ${s.options.alpha}, batch ${s.options.batchSize}, ${s.options.iterations} iterations\n` +
            `seconds: ${s.seconds.toFixed(3)}; final objective on all patches ${s.finalObjective.toFixed(6)}; atoms resampled ${s.resampled}\n` +
            s.trace.map((p) => `  iteration ${p.iteration}: batch objective ${p.objective.toFixed(5)}`).join('\n') +
            '\n(--json prints the dictionary)\n',
        );
      }
    });
  patchOptions(
    solve.command('codes').description('LASSO codes of every patch on a stride grid of the training split, timed alone (correlations and solves)'),
    'split seed (and the learned dictionary\'s)',
    'atoms of the dictionary learned here (without --dictionary)',
  )
    .option('--stride <s>', 'patch grid step', integer('--stride', 1), 3)
    .option('--dictionary <file>', 'a dictionary: the JSON that `solve dictionary --json` prints')
    .option('--limit <n>', 'code only the first n patches (image-major, row, column order)', integer('--limit', 1))
    .option('--threads <n|auto>', 'threads that code (auto: every core)', threadsSpec, 1)
    .addOption(new Option('--solver <s>', 'homotopy: exact LARS-lasso path; cd: coordinate descent to --tol').choices(['homotopy', 'cd']).default('homotopy'))
    .option('--tol <t>', 'cd: duality gap <= tol ||x||^2 per signal', real('--tol', (x) => x > 0, 'positive'), 1e-4)
    .option('--json', 'one JSON document on stdout')
    .action(async (opts) => {
      const s = await solveCodes(
        { dataset: opts.dataset, seed: opts.seed },
        { patch: opts.patch, stride: opts.stride, alpha: opts.alpha, atoms: opts.atoms, dictionaryFile: opts.dictionary, limit: opts.limit, threads: opts.threads, solver: opts.solver, tol: opts.tol },
      );
      process.stdout.write(
        opts.json
          ? JSON.stringify(s) + '\n'
          : `${s.dataset}: ${s.signals} patches of ${opts.patch}x${opts.patch} (stride ${opts.stride}) against ${s.atoms} atoms, alpha ${opts.alpha}, ${opts.solver}, ${s.threads} thread(s)\n` +
              `seconds: ${s.seconds.toFixed(3)} (${s.microsecondsPerSignal.toFixed(2)} us per patch); objective ${s.objective.toFixed(7)}; mean nonzeros ${s.meanNonzeros.toFixed(2)}\n`,
      );
    });
  return program;
}

function threadsSpec(value: string): number {
  if (value.trim() === 'auto') return availableParallelism();
  return integer('--threads', 1)(value);
}

function shardSpec(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new UsageError(`--shard must be I/N (e.g. 2/4), got "${value}"`);
  return { index: Number(m[1]), count: Number(m[2]) };
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

/** --pue, --carbon and --usd-per-kwh as a Conversion. */
function conversionFrom(opts: Record<string, unknown>): Conversion {
  const intensity = parseIntensity(String(opts.carbon));
  return { pue: opts.pue as number, gCo2ePerKwh: intensity.g, usdPerKwh: opts.usdPerKwh as number, intensitySource: intensity.source };
}

/** The solver flags both solve commands share, as solver options. */
function solverSettings(opts: Record<string, unknown>) {
  return {
    l1Ratio: opts.l1Ratio as number,
    tol: opts.tol as number,
    maxIter: opts.maxIter as number,
    mode: opts.mode as 'auto' | 'gram' | 'naive',
    selection: opts.selection as 'cyclic' | 'random',
    screening: opts.screening as 'strong' | 'none',
    newton: opts.newton as boolean,
  };
}

function pathTable(s: PathSummary): string {
  const rows = s.targets.map((t) => [
    t.target,
    sig(t.alphas[0]),
    sig(t.alphas[t.alphas.length - 1]),
    sig(Math.max(...t.gaps)),
    String(t.passes.reduce((a, b) => a + b, 0)),
    String(t.newtonSteps.reduce((a, b) => a + b, 0)),
    String(t.nonzeros[t.nonzeros.length - 1]),
    sig(t.finalObjective, 8),
    t.converged ? 'yes' : 'NO',
  ]);
  return (
    `${s.dataset}: ${s.samples} x ${s.features}, ${s.targets.length} targets x ${s.options.nAlphas} alphas (eps ${s.options.eps}, tol ${s.options.tol}), mode ${s.mode}\n` +
    `seconds: ${s.seconds.total.toFixed(3)} (Gram/preparation ${s.seconds.prepare.toFixed(3)}, paths ${s.seconds.solve.toFixed(3)}); worst duality gap ${sig(s.maxGap)}\n\n` +
    mdTable(['target', 'alpha_max', 'alpha_min', 'max gap', 'passes', 'newton steps', 'final nonzeros', 'final objective', 'converged'], rows) +
    '\n'
  );
}

function fitTable(s: FitSummary): string {
  const rows = s.targets.map((t) => [
    t.target,
    String(t.nonzeros),
    sig(t.l1Norm),
    sig(t.maxAbsCoef),
    sig(t.objective, 8),
    sig(t.gap),
    String(t.passes),
    String(t.newtonSteps),
    t.converged ? 'yes' : 'NO',
  ]);
  return (
    `${s.dataset}: ${s.samples} x ${s.features}, alpha ${s.alpha}, l1Ratio ${s.l1Ratio}, mode ${s.mode}, ${s.seconds.toFixed(3)} s\n\n` +
    mdTable(['target', 'nonzeros', '||w||_1', 'max |w|', 'objective', 'gap', 'passes', 'newton steps', 'converged'], rows) +
    '\n'
  );
}

/** Runs the CLI; returns the exit code (0 ok, 2 bad input or usage, 1 otherwise). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // `measure` passes its command's exit code through
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; help and version are not errors
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`sparsebench: error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RunInterrupted) {
      process.stderr.write(`sparsebench: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`sparsebench: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/**
 * SIGINT (Ctrl-C) and SIGTERM: forward the signal to every child process group, end them
 * (SIGKILL after a grace period), remove temporary splits, and exit 128 + the signal's
 * number. The journal of a run is already on disk up to its last finished cell. A repeat
 * of the signal (Ctrl-C reaches a supervised worker and its supervisor alike) is ignored.
 */
let stopping = false;
function stop(why: string, code: number): void {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sparsebench: ${why}: stopping; finished cells are kept in the run's journal (run the same command with --resume to go on)\n`);
  signalGroups('SIGTERM');
  void cleanUpAll().finally(() => process.exit(code));
}

/** The CLI proper (everything but the supervisor of `run`, see cli.ts): signals handled, then main. */
export async function runCli(args: string[]): Promise<number> {
  process.on('SIGINT', () => stop('SIGINT', 130));
  process.on('SIGTERM', () => stop('SIGTERM', 143));
  if (controlDir()) {
    // a supervised worker whose supervisor was killed outright (kill -9): stop at the next chance
    process.stdin.on('close', () => stop('the supervising process is gone', 129)).resume();
    (process.stdin as unknown as { unref?: () => void }).unref?.();
  }
  return main(args);
}
