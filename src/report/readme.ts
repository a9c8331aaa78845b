import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unfinishedRuns, type UnfinishedRun } from '../results/journal.js';
import { readRecords, RUNS_DIR, type RecordProblem } from '../results/store.js';
import type { RunRecord } from '../results/schema.js';
import { removeStrayTemps, writeFileAtomic } from '../util/atomic.js';
import { mdTable, mdText, sig } from './format.js';
import { claims, CLAIM, CORES_APART, type Claim, type EnergyView } from './claims.js';
import { MIN_N_FOR_INTERVAL, type Interval } from './stats.js';
import { contextSection } from './context.js';
import { writePlots, writeSpecs, type Plot } from './plots.js';
import { newestSweeps, sweepPlotSpecs, sweepSection } from './sweep.js';
import { newestTunings, tuningPlotSpecs, tuningSection } from './tuning.js';
import { datasetTables, summarise } from './tables.js';

function describeRun(r: RunRecord): string {
  const e = r.environment;
  const commit = e.gitCommit ? `${e.gitCommit.slice(0, 10)}${e.gitDirty ? ' (uncommitted changes)' : ''}` : 'unknown';
  return `suite \`${r.suite}\`, seed ${r.seed}, ${r.repeats} repeat(s), ${r.createdAt}; ${e.cpuModel} (${e.logicalCores} logical cores, ${sig(e.memoryBytes / 2 ** 30)} GiB), Node ${e.node}, tfjs ${e.tfjs}, commit ${commit}`;
}

function backendNotes(r: RunRecord): string[] {
  const seen = new Map<string, string>();
  for (const x of r.results) {
    if (!x.backend) continue;
    seen.set(x.backend.name, `tfjs backend \`${x.backend.name}\`: ${x.backend.reason}` +
      (x.backend.customKernels.length ? `; our kernels: ${x.backend.customKernels.join(', ')}` : '') +
      (x.backend.warnings.length ? `. **WARNING: ${x.backend.warnings.join('; ')}**` : ''));
  }
  return [...seen.values()];
}

function externalNotes(r: RunRecord): string[] {
  const seen = new Map<string, string>();
  for (const x of r.results) {
    if (x.measurement.note && !seen.has(x.runner)) seen.set(x.runner, `\`${x.runner}\`: ${x.measurement.note}`);
  }
  return [...seen.values()];
}

/** How each runner's peak resident memory was obtained. */
function memoryNotes(r: RunRecord): string[] {
  const by = new Map<string, Set<string>>();
  for (const x of r.results) {
    // records before the method was stored: an external runner's tree was sampled, ours was this process's samples
    const m =
      x.measurement.peakRssMethod ??
      (x.metrics.processWallSeconds !== undefined
        ? "the trainer's process tree, sampled"
        : "this process's resident set at the window's samples (recorded before per-window peaks: it includes what earlier cells left resident)");
    by.set(m, (by.get(m) ?? new Set()).add(x.runner));
  }
  return [...by].map(([m, runners]) => `peak RSS of ${[...runners].join(', ')}: ${m}.`);
}

function failureNotes(r: RunRecord): string[] {
  return (r.failures ?? []).map((f) => `**FAILED** cell ${f.dataset}/${f.runner}, seed ${f.seed}, repeat ${f.repeat}: ${mdText(f.reason)} (not in the tables; \`run --resume\` with the same arguments retrains it)`);
}

/** Most skipped files a note lists by name (the record lists them all). */
const SKIPPED_SHOWN = 20;

/** The user's sources: where from, original image sizes, and every file left out as bad. */
function sourceNotes(r: RunRecord): string[] {
  return (r.datasets ?? []).map((d) => {
    const sizes = d.originalSizes?.length ? `; original sizes ${d.originalSizes.map((x) => `${x.width}x${x.height} (${x.count})`).join(', ')}` : '';
    const shown = d.skipped.slice(0, SKIPPED_SHOWN).map((x) => `\`${mdText(x.file)}\` (${mdText(x.reason)})`);
    const more = d.skipped.length > SKIPPED_SHOWN ? `, and ${d.skipped.length - SKIPPED_SHOWN} more (the record lists them all)` : '';
    const skipped = d.skipped.length ? `; **left out as bad (--skip-bad), ${d.skipped.length}**: ${shown.join(', ')}${more}` : '; no file left out';
    return `Dataset \`${d.name}\`: ${mdText(d.source)}, ${d.samples} samples${sizes}${skipped}.`;
  });
}

function estimateNote(r: RunRecord): string[] {
  const estimated = r.results.find((x) => x.energy.method.startsWith('estimated:'));
  const c = estimated?.energy.constants;
  const notes: string[] = [];
  if (c) {
    notes.push(
      `Energy is **estimated, not measured**${r.sensors.used.length ? ` for the components no sensor covered (${r.sensors.used.join(', ')} read)` : ' (no power sensor was read)'}: ` +
        `CPU ${sig(c.cpuWattsPerCore)} W per busy core x CPU seconds (${c.cpuWattsSource}) + DRAM ${c.dramWattsPerGb} W/GB x peak resident GB x seconds (${c.dramWattsSource}); ` +
        `believed within +/-${c.relativeUncertainty * 100}%. Every runner is charged the same watts per CPU second, so an estimated energy ratio mostly restates the CPU-time ratio and cannot settle the "1% of the energy" claim.`,
    );
  }
  if (r.sensors.unavailable.length) notes.push(`Sensors not available: ${r.sensors.unavailable.join('; ')}.`);
  if (r.idle) {
    const w = r.idle.watts;
    notes.push(
      `Idle baseline over ${sig(r.idle.seconds)} s before the suite (${r.idle.method}): CPU ${sig(w.cpu)} W, DRAM ${sig(w.dram)} W, GPU ${sig(w.gpu)} W. ` +
        'Measured energy is gross (the whole machine); the record also holds idle and net (gross - idle) energy per training.',
    );
  }
  for (const x of r.results) for (const f of x.energy.flags ?? []) notes.push(`\`${x.runner}\`#${x.repeat} energy: ${f}.`);
  notes.push(`kWh and CO2e are converted from each cell's energy, measured or estimated as its method says; kWh include PUE ${r.conversion.pue}; CO2e at ${sig(r.conversion.gCo2ePerKwh)} g/kWh${r.conversion.intensitySource ? ` (${r.conversion.intensitySource})` : ''}.`);
  return notes;
}

/** "t 95%, N=5", "range of 3", "order statistics 97%, N=6": the method of an interval, short enough for a table cell. */
function shortMethod(i: Interval): string {
  if (i.level === null) return i.method;
  const kind = i.method.startsWith('t-interval') ? 't' : i.method.startsWith('order-statistic') ? 'order statistics' : i.method;
  return `${kind} ${Math.floor(i.level * 100)}%, N=${i.n}`;
}

/** The claims table and each verdict's reasons: what a reader wants first. */
function claimsSection(cs: readonly Claim[], view: EnergyView): string[] {
  if (cs.length === 0) return ['## Does this run reproduce the claim?', '', 'No dataset had both a deep-learning and a sparse runner.', ''];
  return [
    '## Does this run reproduce the claim?',
    '',
    `The claim: sparse modeling trains ${CLAIM.speed}-5x faster than deep learning, on about 1% of its energy, with comparable accuracy. ` +
      'Each sparse runner is held against the fastest deep-learning runner of the run. Repeats are paired: the two runners of one seed share its split, ' +
      'so every figure is computed per seed (a ratio, or an accuracy difference) and summarised with an interval for the number of pairs N: ' +
      `a Student-t 95% interval on the log ratios (on the differences for accuracy) from ${MIN_N_FOR_INTERVAL} pairs on, below that the range of N, which is no 95% interval and decides nothing. ` +
      'Times and energies to a common accuracy; a repeat that never reaches it is censored: its whole training stands in, a bound in its favour, so its side cannot win on it (the basis is named in each cell, with the censored repeats). ' +
      `Speed is judged on CPU time when the two sides used core counts more than ${CORES_APART}x apart, else on wall time; both are shown. ` +
      `Energy is judged in the ${view} view (${view === 'runner' ? 'net of the idle draw measured before the suite: idle devices are charged to no runner' : 'gross: the whole machine\'s draw, idle devices included, charged to whoever trained'}; \`sparsebench report --energy-view ${view === 'runner' ? 'machine' : 'runner'}\` for the other), and the other view is shown beside it where an idle draw was measured.`,
    '',
    ...claimsTable(cs),
  ];
}

/** The claims of a run: one row a (dataset, sparse runner), then each verdict's reasons. */
function claimsTable(cs: readonly Claim[]): string[] {
  if (cs.length === 0) return ['No deep-learning and sparse runner trained this dataset side by side: no claim to judge.', ''];
  const interval = (v: Interval, f: (x: number) => string): string =>
    v.n > 1 ? `${f(v.value)} [${f(v.low)}, ${f(v.high)}] (${shortMethod(v)})` : `${f(v.value)} (1 repeat)`;
  return [
    mdTable(
      ['dataset', 'sparse vs fastest DL', 'pairs', 'speed DL/sparse, wall (claim >= 4x)', 'speed DL/sparse, CPU', 'judged on', 'energy sparse/DL (claim ~1%)', 'accuracy (or AUROC) DL - sparse, points', 'verdict'],
      cs.map((c) => [
        c.dataset,
        `${c.sparse} vs ${c.deep}`,
        `${c.pairs} (seeds ${c.seeds.join(', ')})`,
        `${interval(c.speedWall, (x) => `${sig(x)}x`)}, ${c.speedWall.basis}`,
        `${interval(c.speedCpu, (x) => `${sig(x)}x`)}, ${c.speedCpu.basis}`,
        `${c.judgedOn} (cores used: ${c.deep} ${sig(c.cores.deep, 2)}, ${c.sparse} ${sig(c.cores.sparse, 2)})`,
        `${interval(c.energy, (x) => `${sig(x * 100)}%`)}, ${c.energy.basis}${c.energy.estimated ? ', **estimated**' : ', measured'}` +
          (c.idle ? `; ${c.energyOtherView.view} view ${interval(c.energyOtherView, (x) => `${sig(x * 100)}%`)}` : ''),
        interval(c.accuracy.gap, (x) => sig(x)),
        `**${c.verdict}**`,
      ]),
    ),
    '',
    ...cs.flatMap((c) => [`Why ${c.dataset}/${c.sparse} is ${c.verdict}:`, '', ...c.reasons.map((r) => `- ${r}`), '']),
  ];
}

/**
 * Datasets the latest run did not train, each from the newest record that did (a run of one
 * dataset, such as npm run bench:textures, keeps its place after the next whole-suite run):
 * its claims and tables, with the run they come from.
 */
function otherDatasets(records: readonly RunRecord[], view: EnergyView): string[] {
  const latest = records[records.length - 1];
  const seen = new Set(latest.results.map((x) => x.dataset));
  const lines: string[] = [];
  for (const r of [...records].reverse()) {
    for (const dataset of [...new Set(r.results.map((x) => x.dataset))].filter((d) => !seen.has(d))) {
      seen.add(dataset);
      const only: RunRecord = {
        ...r,
        results: r.results.filter((x) => x.dataset === dataset),
        ...(r.failures ? { failures: r.failures.filter((f) => f.dataset === dataset) } : {}),
        ...(r.datasets ? { datasets: r.datasets.filter((d) => d.name === dataset) } : {}),
      };
      const notes = [...failureNotes(only), ...sourceNotes(only), ...estimateNote(only)];
      lines.push(
        `## ${dataset}: from run \`${r.id}\``,
        '',
        `Not in the latest run; its newest record: ${describeRun(r)}. Command: \`sparsebench ${r.argv.map(mdText).join(' ')}\`.`,
        '',
        ...claimsTable(claims(only, undefined, view)),
        datasetTables(only),
        '',
        ...(notes.length ? ['Notes:', '', ...notes.map((n) => `- ${n}`), ''] : []),
      );
    }
  }
  return lines;
}

/** The whole results/README.md, built from the stored records only. */
export function renderReadme(
  records: readonly RunRecord[],
  problems: readonly RecordProblem[],
  plots: readonly Plot[] = [],
  unfinished: readonly UnfinishedRun[] = [],
  view: EnergyView = 'runner',
): string {
  const lines: string[] = [
    '# sparsebench results',
    '',
    '<!-- generated by `sparsebench report` from results/runs/*.json; edits are overwritten -->',
    '',
  ];
  // a sweep's record holds many operating points: the latest run's sections read runs only
  const runs = records.filter((r) => !r.sweep);
  const latest = runs[runs.length - 1];
  if (!latest) {
    lines.push('No run records yet: run `npm run bench`.');
    lines.push('', ...sweepSection(newestSweeps(records), view), ...tuningSection(newestTunings(records), view));
  } else {
    lines.push(...claimsSection(claims(latest, undefined, view), view));
    lines.push(`## Latest run: \`${latest.id}\``, '', describeRun(latest), '', datasetTables(latest), '');
    const notes = [...failureNotes(latest), ...sourceNotes(latest), ...latest.notes, ...backendNotes(latest), ...externalNotes(latest), ...estimateNote(latest), ...memoryNotes(latest)];
    if (notes.length) lines.push('Notes:', '', ...notes.map((n) => `- ${n}`), '');
    lines.push(
      'Training seconds and CPU seconds exclude evaluation (the meter pauses for it); the learning curves in the record carry the evaluated points, ' +
        'scored on the validation images (so are the claims\' targets); the test images are scored once, after training, for the tables\' figures. ' +
        'Per-runner tables: medians over the repeats, brackets as each table\'s caption says (an order-statistic interval of the median from 6 repeats on, else the range).',
      '',
    );
    lines.push(...sweepSection(newestSweeps(records), view));
    lines.push(...tuningSection(newestTunings(records), view));
    if (plots.length) {
      // the first plot, every detection heat-map figure and every sweep's plot, shown inline
      const shown = [plots[0], ...plots.filter((p) => p.name.endsWith('-heatmaps') || p.name.startsWith('sweep-') || p.name.startsWith('tuning-'))];
      lines.push('## Plots', '', ...plots.map((p) => `- ${p.title}: [SVG](plots/${p.svg}), [PNG](plots/${p.png})`), '', ...shown.flatMap((p) => [`![${p.title}](plots/${p.png})`, '']));
    }
    lines.push(...otherDatasets(runs, view));
    lines.push(...contextSection(latest));
  }
  if (records.length > 0) {
    lines.push('## All runs', '');
    lines.push(
      mdTable(
        ['record', 'suite', 'created', 'commit', 'cells'],
        [...records].reverse().map((r) => [
          `runs/${r.id}.json`,
          r.sweep ? `${r.suite} (sweep: ${r.sweep.axes.map((a) => a.name).join(', ')})` : r.suite,
          r.createdAt,
          r.environment.gitCommit?.slice(0, 10) ?? 'unknown',
          [...new Set(r.results.map((x) => `${x.dataset}/${x.runner}`))].join(', '),
        ]),
      ),
      '',
    );
  }
  if (unfinished.length) {
    lines.push(
      '## Unfinished runs',
      '',
      'Stopped before their record was written; their finished cells are kept in the journal, and `sparsebench run` with the same arguments and `--resume` trains only the rest.',
      '',
      ...unfinished.map((u) => `- \`${u.header.id}\`: incomplete (${u.finished} of ${u.header.cells.length} cells), suite \`${String(u.header.plan.suite)}\`, journal \`runs/${basename(u.path)}\``),
      '',
    );
  }
  if (problems.length) {
    lines.push('## Records skipped', '', ...problems.map((p) => `- ${p.problem}`), '');
  }
  return lines.join('\n');
}

/** What a machine reading the results wants: the latest run's claims and cells, no prose. */
export function summaryJson(latest: RunRecord | undefined, view: EnergyView = 'runner'): string {
  if (!latest) return JSON.stringify({ record: null, claims: [], cells: [] }, null, 2) + '\n';
  return (
    JSON.stringify(
      {
        record: latest.id,
        suite: latest.suite,
        createdAt: latest.createdAt,
        energyView: view,
        claims: claims(latest, undefined, view),
        cells: summarise(latest),
      },
      null,
      2,
    ) + '\n'
  );
}

/**
 * Whether DIR/README.md is older than a record under DIR/runs/: a run killed between
 * writing its record and regenerating the README leaves it so (the record is safe).
 */
export function reportIsStale(resultsDir: string): boolean {
  let readme: number;
  try {
    readme = statSync(join(resultsDir, 'README.md')).mtimeMs;
  } catch {
    return false;
  }
  // file times only: parsing every record for this would cost each run's start-up
  const dir = join(resultsDir, RUNS_DIR);
  try {
    return readdirSync(dir).some((f) => f.endsWith('.json') && !f.startsWith('.') && lstatSync(join(dir, f)).mtimeMs > readme);
  } catch {
    return false;
  }
}

/**
 * Regenerates DIR/README.md, DIR/summary.json and DIR/plots/ from DIR/runs/ alone (no
 * training): the same records give byte-identical files. Returns the skipped records so
 * the CLI can warn.
 */
export async function writeReport(resultsDir: string, view: EnergyView = 'runner'): Promise<{ path: string; records: number; problems: RecordProblem[]; plots: Plot[] }> {
  // what a kill mid-write left: never a record, only clutter
  for (const dir of [resultsDir, join(resultsDir, RUNS_DIR), join(resultsDir, 'plots')]) removeStrayTemps(dir);
  const { records, problems } = readRecords(resultsDir);
  const journals = unfinishedRuns(resultsDir);
  problems.push(...journals.problems);
  // a run whose cells failed keeps its journal beside its record: the record says so already
  const recorded = new Set(records.map((r) => r.id));
  journals.runs = journals.runs.filter((u) => !recorded.has(u.header.id));
  const runs = records.filter((r) => !r.sweep);
  const latest = runs[runs.length - 1];
  const plots = latest ? await writePlots(latest, join(resultsDir, 'plots')) : [];
  const sweepPlots = await writeSpecs([...newestSweeps(records).flatMap((r) => sweepPlotSpecs(r, view)), ...tuningPlotSpecs(newestTunings(records), view)], join(resultsDir, 'plots'));
  const path = join(resultsDir, 'README.md');
  writeFileAtomic(join(resultsDir, 'summary.json'), summaryJson(latest, view));
  writeFileAtomic(path, renderReadme(records, problems, [...plots, ...sweepPlots], journals.runs, view));
  return { path, records: records.length, problems, plots };
}
