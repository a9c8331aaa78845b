import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unfinishedRuns } from '../src/results/journal.js';
import { readRecords } from '../src/results/store.js';
import { controlState } from '../src/util/control.js';
import { alive } from './helpers/process.js';
import { record } from './helpers/records.js';
import { CLI, cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-int-'));

describe('interruptions', () => {
  it.each([
    ['SIGTERM', 'to the node process', 143],
    ['SIGINT', 'to its process group, as Ctrl-C in a terminal', 130],
  ] as const)('%s %s during an external trainer: the trainer ends, no split is left, the exit code says which, the journal kept', async (signal, _how, exit) => {
    const dir = tmp();
    // a TMPDIR with a space, a quote and a ; : the split's path must stay one word and run nothing
    const odd = join(dir, "tmp dir 'x;touch INJECTED");
    mkdirSync(odd, { recursive: true });
    const pidFile = join(dir, 'trainer.pid');
    const child = spawn(
      process.execPath,
      [...CLI, 'run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'lasso', '--peer', 'none', '--no-sensors', '--no-progress',
        '--cmd', `sh -c 'echo $$ > "$1"; test -f "$2/meta.json" && sleep 45' sh '${pidFile}' {split}`, '--results-dir', join(dir, 'results')],
      { env: { ...process.env, TMPDIR: odd }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    for (let i = 0; i < 600 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const trainer = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(trainer)).toBe(true);
    // the split was exported under the odd TMPDIR (in the run's own temporary directory) and read by the trainer (test -f passed: sleep runs)
    const runTmp = readdirSync(odd).filter((f) => f.startsWith('sparsebench-run-'));
    expect(runTmp).toHaveLength(1);
    expect(readdirSync(join(odd, runTmp[0])).some((f) => f.startsWith('sparsebench-split-'))).toBe(true);
    const closed = new Promise<number | null>((r) => child.on('close', r));
    if (signal === 'SIGINT') process.kill(-(child.pid as number), 'SIGINT');
    else child.kill('SIGTERM');
    const code = await closed;
    expect(code, stderr).toBe(exit);
    expect(stderr).toMatch(new RegExp(`${signal}: stopping; finished cells are kept in the run's journal`));
    // within 5 s of the signal nothing of the run is left
    for (let i = 0; i < 50 && alive(trainer); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(trainer)).toBe(false);
    expect(readdirSync(odd).filter((f) => f.startsWith('sparsebench-'))).toEqual([]);
    expect(existsSync(join(dir, 'INJECTED'))).toBe(false);
    expect(existsSync(join(odd, 'INJECTED'))).toBe(false);
    const { runs } = unfinishedRuns(join(dir, 'results'));
    expect(runs.map((r) => r.finished)).toEqual([1]);
  }, 120_000);

  it('SIGTERM during tfjs training: exit 143, the finished cells journaled, the earlier record intact', async () => {
    const dir = tmp();
    const results = join(dir, 'results');
    mkdirSync(join(results, 'runs'), { recursive: true });
    const earlier = JSON.stringify(record('earlier'));
    writeFileSync(join(results, 'runs', 'earlier.json'), earlier);
    const child = spawn(process.execPath, [...CLI, 'run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'lasso,cnn', '--repeats', '2', '--epochs', '8', '--peer', 'none', '--no-sensors', '--no-progress', '--results-dir', results], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    // plan order cnn#0, lasso#0, cnn#1, lasso#1: once lasso#0 is journaled (its line comes after), cnn#1 trains for seconds
    for (let i = 0; i < 1200 && !/mnist\/lasso#0: accuracy/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await closed, stderr).toBe(143);
    expect(stderr).not.toMatch(/mnist\/cnn#1: accuracy/);
    // the worker was in a synchronous training loop: its supervisor gave it 2 s, then killed it
    expect(stderr).toMatch(/SIGTERM: the cell in flight did not stop within 2 s: killed/);
    expect(unfinishedRuns(results).runs.map((r) => r.finished)).toEqual([2]);
    expect(readFileSync(join(results, 'runs', 'earlier.json'), 'utf8')).toBe(earlier);
    expect(readRecords(results).records.map((r) => r.id)).toEqual(['earlier']);
  }, 120_000);

  it('a supervisor stops only the trainer groups its worker noted and did not see end (their PIDs may be reused)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'control'), 'group 101\ncgroup /sys/fs/cgroup/x\ngroup 102\nungroup 101\ngroup 103\n');
    expect(controlState(dir)).toEqual({ groups: [102, 103], cgroups: ['/sys/fs/cgroup/x'] });
    expect(controlState(join(dir, 'none'))).toEqual({ groups: [], cgroups: [] });
  });

  it('an external trainer past --external-timeout is stopped with its group, and named', () => {
    const dir = tmp();
    const r = cli(['run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'ext', '--peer', 'none', '--no-sensors', '--no-progress',
      '--cmd', "sh -c 'sleep 30' sh {split}", '--external-name', 'ext', '--external-timeout', '1', '--results-dir', join(dir, 'results')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--cmd \(ext\) ran past --external-timeout 1 s and was stopped/);
  }, 120_000);

  it('a trainer printing more than its output cap still reports its last JSON line', () => {
    const dir = tmp();
    // 20 MB of noise (more than the 16 MiB kept), then the report
    const r = cli(['run', '--suite', 'quick', '--dataset', 'mnist', '--runner', 'loud', '--peer', 'none', '--no-sensors', '--no-progress', '--external-name', 'loud',
      '--cmd', `sh -c "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo '{\\"accuracy\\": 0.25}'" sh {split}`, '--results-dir', join(dir, 'results'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { record: { results: { accuracy: number }[] } }).record.results[0].accuracy).toBe(0.25);
  }, 120_000);
});
