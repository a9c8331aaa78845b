import { ENERGY_VIEWS } from '../report/claims.js';
import { Command, Option } from 'commander';
import { writeReport } from '../report/readme.js';
import { checkWritableDir } from '../suite/run.js';

import { note } from './options.js';

/** `report`: regenerate RESULTS/README.md, summary.json and the plots from the stored records. */
export function registerReport(program: Command): void {
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
}
