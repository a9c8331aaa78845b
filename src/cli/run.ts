import { Command, Option, type OptionValues } from 'commander';
import { datasetNames } from '../datasets/registry.js';
import { cnnPeerArgs } from '../deep/cnn-config.js';
import { BACKEND_CHOICES, parseBackendChoice } from '../deep/backend-choice.js';
import { UsageError } from '../errors.js';
import { reportIsStale, writeReport } from '../report/readme.js';
import { datasetTables } from '../report/tables.js';
import { sweepSection } from '../report/sweep.js';
import { DEFAULT_EXTERNAL_TIMEOUT, validateExternal, type ExternalSpec } from '../runners/external.js';
import { peerPlan, DEVICES, peerSpecs } from '../runners/peers.js';
import { runnerNames } from '../runners/registry.js';
import { pointLabel } from '../results/cells.js';
import { MAX_REPEATS, planRun, runSuite, type RunEvents } from '../suite/run.js';
import { planSweep, runSweep, type SweepAxis } from '../suite/sweep.js';
import { join } from 'node:path';
import { SUITE_NAMES } from '../suite/suites.js';
import { DEFAULT_SEED, integer, seedOption, real, list, datasetList, withSourceFlags, note, progressBar, threadsSpec, shardSpec, conversionFrom, SKIP_BAD, LABEL_COLUMN, USD_PER_KWH, IMAGE_SIZE, CARBON, PUE } from './options.js';
import { flagText } from './flags.js';

/** `run`: train a suite's cells, meter each, write the record and regenerate the report. */
export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('train every (dataset, runner) of a suite, meter each, write one record to RESULTS/runs/ and regenerate RESULTS/README.md')
    .option('--train-size <n>', 'training images of every dataset instead of the suite\'s (validation and test stay the suite\'s unless given)', integer('--train-size', 1))
    .option('--set <runner.param=value>', 'a runner\'s own setting by parameter name, repeatable: --set lasso.alpha=1e-3 --set cnn.arch=large', collectSetting, {})
    .option('--epochs <n>', 'CNN epochs (default: the suite\'s; detectors keep their own)', integer('--epochs', 1));
  withRunOptions(cmd).action(async (opts) => runAction(opts));
}

/** The options `run` and `sweep` share (everything but the axes). */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--suite <name>', 'suite to run').choices(SUITE_NAMES).default('default'))
    .option('--dataset <names>', `comma-separated datasets of the suite to keep (${datasetNames().join(', ')}), or your own: npy:X.npy,y.npy, csv:FILE, folder:DIR or mvtec:DIR (the suite's runners of its task)`, datasetList)
    .option(...LABEL_COLUMN)
    .option(...IMAGE_SIZE)
    .option(...SKIP_BAD)
    .option('--runner <names>', `comma-separated runners of the suite to keep (${runnerNames().join(', ')})`, list)
    .option('--repeats <n>', 'repetitions with seeds seed, seed+1, ... (default: the suite\'s)', integer('--repeats', 1, MAX_REPEATS))
    .option('--seed <n>', 'seed for split, initialisation and shuffling', seedOption(), DEFAULT_SEED)
    .option('--validation-size <n>', 'validation images of every dataset instead of the suite\'s', integer('--validation-size', 1))
    .option('--test-size <n>', 'test images of every dataset instead of the suite\'s', integer('--test-size', 1))
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
    .option('--shard <i/n|env|env/n>', 'run only slice I of N of the plan (a CI matrix); env: from a SLURM job array (SLURM_ARRAY_TASK_ID/COUNT), env/N: a Kubernetes Indexed Job of N completions (JOB_COMPLETION_INDEX); join the records with `merge`', shardSpec)
    .option('--no-sensors', 'do not read RAPL or nvidia-smi: energy is estimated and labelled so')
    .option('--idle-seconds <s>', 'idle power sampled before the suite when a sensor is present', real('--idle-seconds', (x) => x >= 0, '>= 0'), 5)
    .option(...PUE)
    .option(...CARBON)
    .option(...USD_PER_KWH)
    .option('--resume [id]', 'continue the newest unfinished run of the same arguments (or the one of that id) from its journal: finished cells are not trained again')
    .option('--external-timeout <s>', 'stop an external runner or peer (its whole process group) after this many seconds', real('--external-timeout', (x) => x > 0, 'positive'), DEFAULT_EXTERNAL_TIMEOUT)
    .option('--fail-fast', 'stop at the first failing cell (default: record it as failed with its reason, train the others, exit 1 at the end)')
    .option('--json', 'print the run record as one JSON document on stdout (progress stays on stderr)')
    .option('--no-progress', 'no progress bar on stderr');
}

/** `run`, or with axes `sweep`: bad input refused before anything runs, peers found, the cells run, the report regenerated. */
export async function runAction(opts: OptionValues, axes?: readonly SweepAxis[]): Promise<void> {
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
    // --cnn-arch is the cnn runner's setting (the torch peer takes it as its arguments)
    ...settingsOf(opts.set, opts.cnnArch),
    ...sizesOf(opts),
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
  try {
    if (axes) planSweep({ ...options, externals: [...externals, ...planned], axes });
    else planRun({ ...options, externals: [...externals, ...planned] });
  } catch (err) {
    // the library names the setting; the user typed the flag
    if (err instanceof UsageError && err.message.startsWith('settings ')) {
      const byArch = opts.cnnArch !== 'default' && /^settings cnn[.:]/.test(err.message) && !('cnn' in opts.set);
      throw new UsageError(byArch ? `--cnn-arch: ${err.message.replace(/^settings cnn(\.arch)?: /, '')}` : `--set ${err.message.replace(/^settings /, '')}`);
    }
    throw err;
  }
  if (opts.peer === 'torch') externals.push(...peerSpecs('torch', peerArgs, opts.device));
  if (opts.peer === 'auto') {
    try {
      externals.push(...peerSpecs('torch', peerArgs, opts.device));
    } catch (err) {
      if (err instanceof UsageError && err.parameter === 'device') throw err;
      notes.push(`no PyTorch peer (${(err as Error).message.replace(/^peer torch: /, '')}): deep learning ran on TensorFlow.js only`);
      note(notes[notes.length - 1]);
    }
  }
  externals.forEach(validateExternal);
  const bar = progressBar(opts.progress);
  let barStarted = false;
  const events: RunEvents = {
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
      note(`${e.dataset}/${e.runner}#${e.repeat}${e.point ? ` (${pointLabel(e.point)})` : ''}: accuracy ${e.accuracy.toFixed(4)}, ${e.measurement.seconds.toFixed(2)} s, ${e.energy.joules.toFixed(1)} J (${e.energy.method})`);
    },
    cellFailed: (key, reason) => {
      bar?.stop();
      barStarted = false;
      note(`${key}: FAILED (${flagText(reason)}); going on with the other cells`);
    },
  };
  const { record, path } = axes ? await runSweep({ ...options, externals, axes }, events) : await runSuite({ ...options, externals }, events);
  const report = await writeReport(opts.resultsDir);
  for (const p of report.problems) note(`skipped record: ${p.problem}`);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ recordPath: path, readmePath: report.path, record }) + '\n');
  } else {
    process.stdout.write(`${axes ? sweepSection([record]).join('\n') : datasetTables(record)}\n\nrecord: ${path}\ntables: ${report.path}\n`);
  }
  const failed = record.failures ?? [];
  if (failed.length) {
    note(
      `${failed.length} of ${failed.length + record.results.length} cells failed (listed in the record and its README); ` +
        'the journal is kept: fix the cause and run the same command with --resume to train only those',
    );
    process.exitCode = 1;
  }
}

type Settings = Record<string, Record<string, unknown>>;

/** --set runner.param=value, repeatable: numbers and true/false as such, anything else a string. */
export function collectSetting(value: string, previous: Settings): Settings {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*?)\.([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(value.trim());
  if (!m) throw new UsageError(`--set must be runner.parameter=value (e.g. lasso.alpha=1e-3), got "${value}"`);
  const [, runner, param, text] = m;
  const parsed = text === 'true' ? true : text === 'false' ? false : text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  return { ...previous, [runner]: { ...previous[runner], [param]: parsed } };
}

/** The runners' settings from --set and --cnn-arch (its default sets nothing). */
function settingsOf(set: Settings, cnnArch: string): { settings?: Settings } {
  const settings: Settings = { ...set, ...(cnnArch === 'default' ? {} : { cnn: { ...set.cnn, arch: cnnArch } }) };
  return Object.keys(settings).length ? { settings } : {};
}

/** --train-size, --validation-size and --test-size, those given, as the run's sizes. */
export function sizesOf(opts: { trainSize?: number; validationSize?: number; testSize?: number }): { sizes?: { trainSize?: number; validationSize?: number; testSize?: number } } {
  const sizes = Object.fromEntries(Object.entries({ trainSize: opts.trainSize, validationSize: opts.validationSize, testSize: opts.testSize }).filter(([, v]) => v !== undefined));
  return Object.keys(sizes).length ? { sizes } : {};
}
