import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal, unfinishedRuns } from '../src/results/journal.js';
import { runMetered } from '../src/meter/child.js';
import { openCpuGroup } from '../src/meter/cgroup.js';
import { readRecords } from '../src/results/store.js';
import { reportIsStale } from '../src/report/readme.js';
import { runSuite } from '../src/suite/run.js';
import { alive } from './helpers/process.js';
import { record } from './helpers/records.js';
import { cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-rel-'));



/**
 * A run of LASSO and an external runner whose command fails until a flag file exists (the
 * same command both times; a shell on purpose: sh -c, the paths as arguments).
 */
function untilFlag() {
  const dir = tmp();
  const results = join(dir, 'results');
  const flag = join(dir, 'ready');
  const command = `sh -c 'if [ -f "$1" ]; then echo "{\\"accuracy\\": 0.5}"; else echo not yet >&2; exit 3; fi' sh '${flag}' {split}`;
  const o = { suite: 'quick', runners: ['lasso', 'ext'], datasets: ['mnist'], seed: 42, backend: 'auto' as const, resultsDir: results, sensors: false, externals: [{ name: 'ext', family: 'deep' as const, command }] };
  return { results, flag, o };
}

describe('the per-cell journal', () => {
  it('--fail-fast: keeps every finished cell when a later one fails, and --resume trains only what is missing', async () => {
    const { results, flag, o: base } = untilFlag();
    const o = { ...base, failFast: true };
    await expect(runSuite(o)).rejects.toThrow(/exited with 3: not yet; the 1 finished cell is kept in .*\.journal: run the same command with --resume/);
    const { runs } = unfinishedRuns(results);
    expect(runs).toHaveLength(1);
    expect(runs[0].finished).toBe(1);
    const lasso = [...readJournal(runs[0].path).done.values()][0];
    expect(lasso.runner).toBe('lasso');
    expect(readRecords(results).records).toHaveLength(0);
    writeFileSync(flag, '');
    const { record: done } = await runSuite({ ...o, resume: true });
    expect(done.id).toBe(runs[0].header.id);
    expect(done.results.map((e) => e.runner)).toEqual(['lasso', 'ext']);
    // the LASSO cell was not trained again: the very measurement of the first process
    expect(done.results[0]).toEqual(lasso);
    expect(unfinishedRuns(results).runs).toHaveLength(0);
    expect(readRecords(results).records).toHaveLength(1);
  }, 120_000);

  it('a failing cell is recorded as failed and the others go on; --resume retrains only it, under the same id', async () => {
    const { results, flag, o: base } = untilFlag();
    const o = { ...base, repeats: 2 };
    const failed: string[] = [];
    const first = await runSuite(o, { cellFailed: (key) => failed.push(key) });
    // the external cell of repeat 0 failed, and the run went on: repeat 1's LASSO ran, and its external cell
    expect(failed).toEqual(['mnist/ext/seed 42/repeat 0', 'mnist/ext/seed 43/repeat 1']);
    expect(first.record.results.map((e) => `${e.runner}/${e.seed}`)).toEqual(['lasso/42', 'lasso/43']);
    expect(first.record.failures?.map((f) => `${f.runner}/${f.seed}: ${f.reason}`)).toEqual(['ext/42: command (ext) exited with 3: not yet', 'ext/43: command (ext) exited with 3: not yet']);
    expect(unfinishedRuns(results).runs.map((r) => [r.finished, r.failed])).toEqual([[2, 2]]);
    writeFileSync(flag, '');
    const trained: string[] = [];
    const second = await runSuite({ ...o, resume: true }, { cellDone: (e) => trained.push(`${e.runner}/${e.seed}`) });
    expect(trained).toEqual(['ext/42', 'ext/43']);
    expect(second.record.id).toBe(first.record.id);
    expect(second.path).toBe(first.path);
    expect(second.record.failures).toBeUndefined();
    expect(second.record.results.map((e) => `${e.runner}/${e.seed}`)).toEqual(['lasso/42', 'ext/42', 'lasso/43', 'ext/43']);
    expect(second.record.results[0]).toEqual(first.record.results[0]);
    expect(unfinishedRuns(results).runs).toHaveLength(0);
    expect(readRecords(results).records).toHaveLength(1);
  }, 120_000);

  it('a record that cannot be written at the end keeps the journal and says how to finish; --resume then writes it without training', async () => {
    const dir = tmp();
    const o = { suite: 'quick', runners: ['lasso'], datasets: ['mnist'], repeats: 2, seed: 42, backend: 'auto' as const, resultsDir: dir, sensors: false };
    // once the first cell is in, the record's own path is taken by a directory: the final rename fails (EISDIR), as a full disk or a read-only remount would
    let blocked = '';
    const first = runSuite(o, {
      cellDone: () => {
        if (blocked) return;
        const journal = readdirSync(join(dir, 'runs')).find((f) => f.endsWith('.journal'))!;
        blocked = join(dir, 'runs', journal.replace(/\.journal$/, '.json'));
        mkdirSync(join(blocked, 'inside'), { recursive: true });
      },
    });
    await expect(first).rejects.toThrow(/^cannot write the record under .* \(E[A-Z]+\); the 2 finished cells are kept in .*\.journal: run the same command with --resume to go on$/);
    expect(unfinishedRuns(dir).runs.map((r) => r.finished)).toEqual([2]);
    rmSync(blocked, { recursive: true });
    const trained: string[] = [];
    const { record } = await runSuite({ ...o, resume: true }, { cellDone: (e) => trained.push(e.runner) });
    expect(trained).toEqual([]);
    expect(record.results.map((e) => e.seed)).toEqual([42, 43]);
    expect(unfinishedRuns(dir).runs).toHaveLength(0);
  }, 120_000);

  it('refuses to resume a named run under other arguments, naming what differs', async () => {
    const dir = tmp();
    const o = { suite: 'quick', runners: ['lasso', 'ext'], datasets: ['mnist'], seed: 42, backend: 'auto' as const, resultsDir: dir, sensors: false, externals: [{ name: 'ext', family: 'deep' as const, command: "sh -c 'exit 3' sh {split}" }] };
    expect((await runSuite(o)).record.failures).toHaveLength(1);
    const id = unfinishedRuns(dir).runs[0].header.id;
    await expect(runSuite({ ...o, seed: 7, resume: id })).rejects.toThrow(new RegExp(`^resume ${id}: that run had another plan \\(differs in seed\\)`));
  }, 120_000);
});

describe('safe paths and bounds', () => {
  it('an empty --results-dir or --out is an error naming the flag, not the current directory', () => {
    for (const args of [['report', '--results-dir', ''], ['run', '--suite', 'quick', '--results-dir', ''], ['datasets', 'export', '--dataset', 'mnist', '--out', '']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/(--results-dir|--out): empty path/);
    }
  });

  it('a record whose id is a path is refused, so merge cannot write outside the results directory', () => {
    const dir = tmp();
    const bad = { ...record('x'), id: '../../../escaped', shard: { index: 1, count: 1 } };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = cli(['merge', join(dir, 'bad.json'), '--results-dir', join(dir, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/field id: id must be letters, digits/);
    expect(existsSync(join(dir, '..', '..', 'escaped-merged.json'))).toBe(false);
  });

  it('a dangling symlink or a directory in runs/ is named and skipped; the good records still count', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'runs', 'good.json'), JSON.stringify(record('good')));
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'runs', 'dangling.json'));
    mkdirSync(join(dir, 'runs', 'folder.json'));
    const { records, problems } = readRecords(dir);
    expect(records.map((r) => r.id)).toEqual(['good']);
    expect(problems.map((p) => p.problem).sort()).toEqual([expect.stringMatching(/dangling\.json: not a regular file \(a symbolic link\)/), expect.stringMatching(/folder\.json: not a regular file \(a directory\)/)]);
    const r = cli(['report', '--results-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped record: .*dangling\.json/);
  });

  it('--repeats beyond 1000 is refused at once', () => {
    const r = cli(['run', '--suite', 'quick', '--repeats', '99999999999999999999', '--results-dir', join(tmp(), 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--repeats must be an integer in \[1, 1000\]/);
  });
});

describe('the minor cases', () => {
  it('a large --seed is quoted as typed, not rounded; estimate refuses an overflow instead of printing Infinity', () => {
    const seed = cli(['run', '--suite', 'quick', '--seed', '99999999999999999999', '--results-dir', join(tmp(), 'r')]);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/--seed must be an integer in \[0, 4294967295\], got 99999999999999999999/);
    const est = cli(['estimate', '--power', '1e308', '--hours', '1e308']);
    expect(est.code).toBe(2);
    expect(est.stderr).toMatch(/--power\/--hours: kwh is not finite/);
    expect(est.stdout).not.toMatch(/Infinity/);
  });

  it('datasets export does not overwrite an earlier export unless --force', () => {
    const out = join(tmp(), 'split');
    const args = ['datasets', 'export', '--dataset', 'mnist', '--train-size', '20', '--test-size', '10', '--out', out];
    expect(cli(args).code).toBe(0);
    const again = cli([...args, '--seed', '7']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--out .*split: already holds .*meta\.json.*; pass --force/);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).seed).toBe(42);
    expect(cli([...args, '--seed', '7', '--force']).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).seed).toBe(7);
  });

  it('report removes the temporary files of a writer that was killed, keeps a live one\'s, and names a record whose runner name holds a newline or HTML', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'runs', 'good.json'), JSON.stringify(record('good')));
    // PIDs above the kernel's limit (2^22) are never alive
    const stray = '.good.json.99999999.1.tmp';
    const live = `.README.md.${process.pid}.1.tmp`;
    writeFileSync(join(dir, 'runs', stray), '{"half": ');
    writeFileSync(join(dir, live), 'being written');
    const evil = record('evil');
    writeFileSync(join(dir, 'runs', 'evil.json'), JSON.stringify({ ...evil, results: [{ ...evil.results[0], runner: 'x\n<img src=y onerror=alert(1)>' }] }));
    const r = cli(['report', '--results-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'runs', stray))).toBe(false);
    expect(existsSync(join(dir, live))).toBe(true);
    expect(r.stderr).toMatch(/skipped record: .*evil\.json.*field results\.0\.runner/);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/<img/);
  });

  it('a README older than a record is stale (a run killed between the two), and run regenerates it first', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'README.md'), 'old');
    const later = join(dir, 'runs', 'good.json');
    writeFileSync(later, JSON.stringify(record('good')));
    utimesSync(join(dir, 'README.md'), new Date(1000), new Date(1000));
    expect(reportIsStale(dir)).toBe(true);
    // a run that fails at once on a bad flag still brings the README up to date first
    const r = cli(['run', '--suite', 'quick', '--peer', 'none', '--runner', 'nope', '--results-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/README\.md was older than a record .*: regenerated/);
    expect(reportIsStale(dir)).toBe(false);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/runs\/good\.json/);
  });
});

describe('attribution of detached descendants', () => {
  // a grandchild that leaves the process tree (setsid in a subshell) and burns 1 s of CPU,
  // while the command waits for it only through a file: no wait status ever includes it
  const detached = (done: string): string[] => [
    'sh',
    '-c',
    `(setsid sh -c '"$0" -e "const s=process.cpuUsage();for(;;){for(let i=0;i<1e6;i++);if(process.cpuUsage(s).user>1e6)break}"; touch "$1"' '${process.execPath}' '${done}' &); ` +
      `while [ ! -f '${done}' ]; do sleep 0.05; done`,
  ];

  it('a cgroup of its own counts the CPU of a descendant that detached (where one can be made)', async (ctx) => {
    const probe = openCpuGroup();
    if (!probe.group) ctx.skip();
    await probe.group?.close();
    const run = await runMetered(detached(join(tmp(), 'done')));
    expect(run.exitCode).toBe(0);
    expect(run.attribution).toMatch(/^cgroup v\d.*every descendant, detached ones included/);
    // CPU time, not wall time: independent of how busy the machine is
    expect(run.cpuSeconds).toBeGreaterThanOrEqual(1);
    expect(run.detachedCpuSeconds).toBeGreaterThanOrEqual(0.95);
  }, 60_000);

  it('what a command leaves running is stopped with its cgroup, and the run does not wait for it', async (ctx) => {
    const probe = openCpuGroup();
    if (!probe.group) ctx.skip();
    await probe.group?.close();
    const pidFile = join(tmp(), 'pid');
    // the detached sleeper keeps our stdout open: without the group, 'close' would wait 60 s
    const run = await runMetered(['sh', '-c', `(setsid sh -c 'echo $$ > "$0"; exec sleep 60' '${pidFile}' &); while [ ! -s '${pidFile}' ]; do sleep 0.05; done`]);
    expect(run.stoppedLeftovers).toBe(1);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  }, 60_000);

  it('without a cgroup, a descendant that detached is recognised and warned of: its CPU is not counted', async () => {
    const saved = process.env.SPARSEBENCH_CGROUP;
    process.env.SPARSEBENCH_CGROUP = 'off';
    try {
      const run = await runMetered(detached(join(tmp(), 'done')));
      expect(run.attribution).toMatch(/^wait status: .*SPARSEBENCH_CGROUP=off/);
      // the setsid shell and the node it starts
      expect(run.escapedDescendants).toBeGreaterThanOrEqual(1);
      expect(run.cpuSeconds).toBeLessThan(0.9);
    } finally {
      if (saved === undefined) delete process.env.SPARSEBENCH_CGROUP;
      else process.env.SPARSEBENCH_CGROUP = saved;
    }
  }, 60_000);
});
