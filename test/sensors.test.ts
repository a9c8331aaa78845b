import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integratePower, NvidiaSampler, parseNvidiaCsv } from '../src/meter/nvidia.js';
import { discoverRapl, RaplPoller, wrapDelta } from '../src/meter/rapl.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A recorded-style powercap tree: entry -> [name, energy_uj, max_energy_range_uj]. */
function tree(domains: Record<string, [string, number, number]>): string {
  const root = mkdtempSync(join(tmpdir(), 'sb-powercap-'));
  chmodSync(root, 0o755);
  for (const [entry, [name, energy, max]] of Object.entries(domains)) {
    const dir = join(root, entry);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'name'), `${name}\n`);
    writeFileSync(join(dir, 'energy_uj'), `${energy}\n`);
    writeFileSync(join(dir, 'max_energy_range_uj'), `${max}\n`);
  }
  return root;
}

const MAX = 262_143_328_850; // a real Intel package range, in microjoules

/** Whether a process runs (a zombie awaiting its reaper does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('RAPL discovery', () => {
  it('counts packages and dram once: never psys, core, uncore or MMIO copies', () => {
    const root = tree({
      'intel-rapl:0': ['package-0', 1, MAX],
      'intel-rapl:0:0': ['core', 1, MAX],
      'intel-rapl:0:1': ['uncore', 1, MAX],
      'intel-rapl:0:2': ['dram', 1, MAX],
      'intel-rapl:1': ['package-1', 1, MAX],
      'intel-rapl:1:0': ['dram', 1, MAX],
      'intel-rapl:2': ['psys', 1, MAX],
      'intel-rapl-mmio:0': ['package-0', 1, MAX],
    });
    const d = discoverRapl(root);
    if (!d.ok) throw new Error(d.reason);
    expect(d.domains.map((x) => `${x.key}:${x.component}`)).toEqual(['package-0:cpu', 'package-0/dram:dram', 'package-1:cpu', 'package-1/dram:dram']);
    expect(d.skipped.join('\n')).toMatch(/psys\).*count the packages twice/);
    expect(d.skipped.join('\n')).toMatch(/intel-rapl-mmio:0 \(package-0\): a copy/);
  });

  it('says why when there is no tree, and that wraps need max_energy_range_uj', () => {
    const none = discoverRapl('/nonexistent/powercap');
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toMatch(/no \/nonexistent\/powercap .*no RAPL/);
  });

  it.skipIf(process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0)('reports permission denied with the usual fix', () => {
    const root = tree({ 'intel-rapl:0': ['package-0', 5, MAX] });
    chmodSync(join(root, 'intel-rapl:0'), 0o755);
    chmodSync(join(root, 'intel-rapl:0', 'energy_uj'), 0o000);
    const script = `import('${join(process.cwd(), 'src/meter/rapl.ts')}').then((m) => console.log(JSON.stringify(m.discoverRapl(${JSON.stringify(root)}))))`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', script], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ok: boolean; reason: string };
    expect(out.ok).toBe(false);
    expect(out.reason).toMatch(/permission denied reading .*energy_uj .*root.*chmod o\+r/);
  });
});

describe('RAPL counting', () => {
  it('handles a wrap: the counter restarts from zero at max_energy_range_uj', () => {
    expect(wrapDelta(100, 250, 1000)).toBe(150);
    expect(wrapDelta(900, 50, 1000)).toBe(150);
  });

  it('the poller sees one and several wraps on two sockets while the main thread is busy', async () => {
    const max = 10_000_000; // 10 J, so wraps are easy to make
    const root = tree({ 'intel-rapl:0': ['package-0', 9_000_000, max], 'intel-rapl:1': ['package-1', 1_000_000, max], 'intel-rapl:1:0': ['dram', 0, max] });
    const d = discoverRapl(root);
    if (!d.ok) throw new Error(d.reason);
    const poller = new RaplPoller(d.domains, 10);
    poller.start();
    const set = (entry: string, v: number): void => writeFileSync(join(root, entry, 'energy_uj'), `${v}\n`);
    // The main thread spins until the worker has polled twice since the write (a whole poll
    // after it), however long the machine makes that take: only the worker can see the wrap.
    // read() reports the worker's poll count without changing what it accumulated.
    const spinUntilPolled = (polls: number): void => {
      const give = Date.now() + 30_000;
      while (poller.read().polls < polls) if (Date.now() > give) throw new Error('the RAPL poller never polled');
    };
    spinUntilPolled(1);
    // package-0 wraps three times, +4 J each step; package-1 +2 J without wrapping; dram +0.5 J
    let p0 = 9_000_000;
    for (let step = 1; step <= 3; step++) {
      p0 = (p0 + 4_000_000) % max;
      const before = poller.read().polls;
      set('intel-rapl:0', p0);
      set('intel-rapl:1', 1_000_000 + 2_000_000 * step);
      set('intel-rapl:1:0', 500_000 * step);
      spinUntilPolled(before + 2);
      await sleep(5);
    }
    const r = poller.read();
    await poller.stop();
    expect(r.joules[0]).toBeCloseTo(12, 9);
    expect(r.cpu).toBeCloseTo(12 + 6, 9);
    expect(r.dram).toBeCloseTo(1.5, 9);
    expect(r.polls).toBeGreaterThanOrEqual(7);
  });
});

const recorded = readFileSync(join('test', 'fixtures', 'nvidia-smi', 'h200-idle-query.csv'), 'utf8');
const fake = join(process.cwd(), 'test', 'fixtures', 'fake-nvidia-smi.mjs');

describe('nvidia-smi', () => {
  it('parses the output recorded on an H200, units and header included', () => {
    const [s] = parseNvidiaCsv(recorded, 1000);
    expect(s.name).toBe('NVIDIA H200');
    expect(s.powerWatts).toBe(77.26);
    expect(s.powerLimitWatts).toBe(700);
    expect(s.utilization).toBe(0);
    expect(s.smClockMhz).toBe(345);
    expect(s.memoryUsedMib).toBe(0);
    expect(s.t).toBe(1000);
  });

  it('estimates power as the limit x utilization where the board answers [N/A], and says so', () => {
    const rows = parseNvidiaCsv('2026/11/28 10:00:00.000, 0, Tesla K80, [N/A], 149.00, 50, 562, 10\n2026/11/28 10:00:01.000, 0, Tesla K80, [N/A], 149.00, 50, 562, 10');
    expect(Number.isNaN(rows[0].powerWatts)).toBe(true);
    const r = integratePower(rows, rows[0].t, rows[1].t);
    expect(r.estimated).toBe(true);
    expect(r.joules).toBeCloseTo(74.5, 9);
  });

  it('integrates power over a window by trapezoids, clipped to the window', () => {
    const at = (t: number, w: number) => ({ t, index: 0, name: 'g', powerWatts: w, powerLimitWatts: 700, utilization: 0, smClockMhz: 0, memoryUsedMib: 0 });
    const r = integratePower([at(0, 100), at(1000, 100), at(2000, 200)], 500, 2000);
    expect(r.joules).toBeCloseTo(50 + 150, 9);
  });

  it('samples at 10 Hz from a stand-in replaying the recorded output', async () => {
    const started = await NvidiaSampler.start(fake, 100, 3000);
    if (!started.ok) throw new Error(started.reason);
    // however slowly a busy machine delivers them: wait for 8 samples, then integrate between
    // the second and the last, a window the samples cover, so the figure does not depend on load
    const give = Date.now() + 30_000;
    while (started.sampler.samples.length < 8 && Date.now() < give) await sleep(50);
    started.sampler.stop();
    const samples = started.sampler.samples;
    expect(samples.length).toBeGreaterThanOrEqual(8);
    const from = samples[1].t;
    const to = samples[samples.length - 1].t;
    const e = started.sampler.energy(from, to);
    // the recorded H200 idles at 77.26 W in every row
    expect(e.joules / ((to - from) / 1000)).toBeCloseTo(77.26, 6);
    expect(e.meanUtilization).toBe(0);
  });

  it('falls back, with a reason, when the binary is missing, fails or hangs', async () => {
    const missing = await NvidiaSampler.start('/nonexistent/nvidia-smi', 100, 1000);
    expect(missing.ok ? '' : missing.reason).toMatch(/not found \(no NVIDIA driver\)/);
    process.env.FAKE_NVIDIA_SMI = 'fail';
    const failing = await NvidiaSampler.start(fake, 100, 2000);
    expect(failing.ok ? '' : failing.reason).toMatch(/exited with 9: NVIDIA-SMI has failed/);
    process.env.FAKE_NVIDIA_SMI = 'hang';
    const pidFile = join(mkdtempSync(join(tmpdir(), 'sparsebench-nvsmi-')), 'pid');
    process.env.FAKE_NVIDIA_SMI_PIDFILE = pidFile;
    const t0 = Date.now();
    const hung = await NvidiaSampler.start(fake, 100, 800);
    delete process.env.FAKE_NVIDIA_SMI;
    delete process.env.FAKE_NVIDIA_SMI_PIDFILE;
    expect(hung.ok ? '' : hung.reason).toMatch(/gave no sample within 800 ms/);
    expect(Date.now() - t0).toBeLessThan(2500);
    // the hung stand-in is ended, not left behind (its reader thread is gone before it could pass a message on)
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const give = Date.now() + 5000;
    while (running(pid) && Date.now() < give) await sleep(50);
    expect(running(pid)).toBe(false);
  });

  it('ends nvidia-smi when this process exits without a stop', () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'sparsebench-nvsmi-')), 'pid');
    const script = `const { NvidiaSampler } = await import(${JSON.stringify(new URL('../dist/meter/nvidia.js', import.meta.url).href)});
const s = await NvidiaSampler.start(${JSON.stringify(fake)}, 100, 5000);
if (!s.ok) { console.error(s.reason); process.exit(3); }
process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FAKE_NVIDIA_SMI_PIDFILE: pidFile }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const give = Date.now() + 5000;
    while (running(pid) && Date.now() < give) spawnSync('sleep', ['0.05']);
    const alive = running(pid);
    if (alive) process.kill(pid, 'SIGKILL');
    expect(alive).toBe(false);
  });
});
