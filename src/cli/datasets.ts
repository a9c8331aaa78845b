import { Command, Option } from 'commander';
import { EXPORT_FILES, exportSplit } from '../datasets/export.js';
import { datasetEntry, datasetNames, loadDataset, type DatasetEntry, splitSizes } from '../datasets/registry.js';
import { isSourceUri, withSourceOption } from '../datasets/sources.js';
import { makeSplit } from '../datasets/split.js';
import { UsageError } from '../errors.js';
import { datasetCheckText } from '../report/dataset-check.js';
import { isDetection, type Dataset } from '../datasets/types.js';
import { exportMvtec } from '../datasets/mvtec.js';
import { checkWritableDir } from '../suite/run.js';
import { existsSync, readdirSync, statSync } from 'node:fs';

import { DEFAULT_SEED, integer, seedOption, list, datasetList, withSourceFlags, IMAGE_SIZE, SKIP_BAD, LABEL_COLUMN } from './options.js';

/** `datasets list`, `check` and `export`. */
export function registerDatasets(program: Command): void {
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
}
