import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureIdle, openSensors } from '../src/meter/sensors.js';
import { convert, parseIntensity, strubellEstimate } from '../src/meter/carbon.js';
import { cnnFlops, pfsDays } from '../src/meter/flops.js';
import { Meter } from '../src/meter/meter.js';
import { dot } from '../src/sparse/vec.js';
import { estimateConstants, estimateEnergy } from '../src/meter/model.js';
import { integratePower, parseNvidiaCsv } from '../src/meter/nvidia.js';

/** Burns `ms` of this process's CPU time (user + system, as the meter counts it), however busy the machine is. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const u = process.cpuUsage(start);
    if (u.user + u.system >= ms * 1000) return;
  }
}

describe('Meter', () => {
  it('charges busy time to the window and excludes paused evaluation', () => {
    const meter = new Meter();
    meter.begin();
    spin(60);
    meter.paused(() => spin(120));
    spin(60);
    const m = meter.end();
    // wall time holds at least the CPU time of the spinning thread (other threads barely run meanwhile)
    expect(m.seconds).toBeGreaterThanOrEqual(0.1);
    expect(m.pausedSeconds).toBeGreaterThanOrEqual(0.1);
    // 0.12 s of CPU inside the window; had the paused 0.12 s been charged, at least 0.24 s
    expect(m.cpuSeconds).toBeGreaterThanOrEqual(0.119);
    expect(m.cpuSeconds).toBeLessThan(0.23);
    expect(m.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(m.energy.method).toBe('estimated:tdp-per-core');
    expect(m.energy.joules).toBeCloseTo(m.energy.components.cpu + m.energy.components.dram, 12);
  });

  it("counts the sparse kernels' FLOPs of its unpaused intervals only, and a window inside it its own", () => {
    // a real kernel's count: dot of two 1,000-vectors is 2,000 FLOPs (a multiply-add counts 2)
    const a = new Float64Array(1000).fill(1);
    const meter = new Meter();
    meter.begin();
    dot(a, 0, a, 1000);
    expect(meter.flops()).toBe(2000);
    meter.pause();
    dot(a, 0, a, 1000); // evaluation
    const inner = new Meter();
    inner.begin();
    dot(a, 0, a, 1000);
    dot(a, 0, a, 1000);
    expect(inner.end().flops).toBe(4000);
    meter.resume();
    dot(a, 0, a, 500);
    expect(meter.end().flops).toBe(3000);
    expect(new Meter().flops()).toBe(0);
  });

  it('refuses misuse', () => {
    const meter = new Meter();
    expect(() => meter.end()).toThrow(/outside/);
    meter.begin();
    expect(() => meter.begin()).toThrow(/twice/);
    expect(() => meter.resume()).toThrow(/without pause/);
  });
});

describe('estimateEnergy', () => {
  it('is busy-core watts x CPU seconds plus W/GB x GB x seconds, with its constants and band', () => {
    const c = { ...estimateConstants('AMD EPYC 7763'), relativeUncertainty: 0.5 };
    expect(c.cpuWattsPerCore).toBeCloseTo(280 / 128, 12);
    const e = estimateEnergy(10, 20, 2e9, c, 3);
    expect(e.components.cpu).toBeCloseTo(10 * (280 / 128), 12);
    expect(e.components.dram).toBeCloseTo(0.375 * 2 * 20, 12);
    expect(e.uncertainty.low).toBeCloseTo(e.joules * 0.5, 12);
    expect(e.uncertainty.high).toBeCloseTo(e.joules * 1.5, 12);
    expect(e.constants?.cpuWattsSource).toMatch(/EPYC/);
  });

  it('falls back to a documented default for unknown CPUs', () => {
    expect(estimateConstants('Some Future CPU').cpuWattsSource).toMatch(/unknown CPU/);
  });
});

describe('convert', () => {
  it('applies PUE, carbon intensity and price (Strubell et al. 2019 style)', () => {
    const r = convert(3.6e6, { pue: 1.58, gCo2ePerKwh: 475, usdPerKwh: 0.1 });
    expect(r.kwh).toBe(1);
    expect(r.kwhWithPue).toBeCloseTo(1.58, 12);
    expect(r.co2eKg).toBeCloseTo(1.58 * 0.475, 12);
    expect(r.costUsd).toBeCloseTo(0.158, 12);
  });
});

describe('peak resident memory per window', () => {
  // a collector on demand: freed memory must leave the process for the test to mean anything
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const MiB = 2 ** 20;

  it('is the window\'s own peak (the kernel\'s high-water mark, reset per window), not the largest an earlier cell reached; a nested window keeps the outer one\'s', (ctx) => {
    if (process.platform !== 'linux') ctx.skip();
    const outer = new Meter(estimateConstants('AMD EPYC'));
    outer.begin();
    let big: Buffer | undefined = Buffer.alloc(300 * MiB, 1);
    expect(big[big.length - 1]).toBe(1);
    big = undefined;
    gc();
    // inference inside training: the inner window starts after the 300 MiB are gone
    const inner = new Meter(estimateConstants('AMD EPYC'));
    inner.begin();
    const innerPeak = inner.end().peakRssBytes;
    const outerPeak = outer.end().peakRssBytes;
    expect(outerPeak - innerPeak).toBeGreaterThan(200 * MiB);
    // and the next cell's window does not inherit the 300 MiB either
    const next = new Meter(estimateConstants('AMD EPYC'));
    next.begin();
    expect(outerPeak - next.end().peakRssBytes).toBeGreaterThan(200 * MiB);
  });
});

describe('GPU energy while training holds the main thread', () => {
  it('integrates every nvidia-smi sample of a window in which the main thread was busy for 2 s, within 5% of the trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-gpu-'));
    const log = join(dir, 'printed.csv');
    // a varying trace (idle, a ramp, a training load around 275 W); the stand-in logs every row it prints
    process.env.FAKE_NVIDIA_SMI_TRACE = join('test', 'fixtures', 'nvidia-smi', 'synthetic-training-power.txt');
    process.env.FAKE_NVIDIA_SMI_LOG = log;
    const sensors = await openSensors({ powercapRoot: join(dir, 'no-powercap'), nvidiaSmi: 'test/fixtures/fake-nvidia-smi.mjs', intervalMs: 100 });
    delete process.env.FAKE_NVIDIA_SMI_TRACE;
    delete process.env.FAKE_NVIDIA_SMI_LOG;
    try {
      expect(sensors.nvidia).toBeDefined();
      // a few idle samples first: a reader on the main thread would hold the idle 77 W across the window
      while (sensors.nvidia!.samples.length < 3) await new Promise((r) => setTimeout(r, 20));
      const meter = new Meter(estimateConstants('AMD EPYC'), sensors);
      meter.begin();
      const from = Date.now();
      // synchronous work, as a tfjs step or a coordinate-descent pass: no event-loop turn for 2 s
      while (Date.now() - from < 2000);
      const to = Date.now();
      const reading = meter.end();
      const printed = parseNvidiaCsv(readFileSync(log, 'utf8'));
      const truth = integratePower(printed, from, to).joules;
      // the samples inside the window were printed while this thread was busy: about 20 at 10 Hz
      expect(printed.filter((p) => p.t > from && p.t < to).length).toBeGreaterThanOrEqual(5);
      expect(reading.energy.componentMethods?.gpu).toBe('measured:nvidia-smi');
      expect(Math.abs(reading.energy.components.gpu - truth) / truth).toBeLessThan(0.05);
    } finally {
      await sensors.close();
    }
  }, 60_000);
});

describe('Meter with sensors (stand-ins for RAPL and nvidia-smi)', () => {
  it('charges measured CPU, DRAM and GPU energy to active time only, with idle and net', async () => {
    // The RAPL counters are advanced by the test itself, between the meter's own reads, so
    // the expected joules are exactly what was written, however busy the machine is.
    const root = mkdtempSync(join(tmpdir(), 'sb-rapl-'));
    chmodSync(root, 0o755);
    const counters = { cpu: join(root, 'intel-rapl:0', 'energy_uj'), dram: join(root, 'intel-rapl:0:0', 'energy_uj') };
    for (const [entry, name] of [
      ['intel-rapl:0', 'package-0'],
      ['intel-rapl:0:0', 'dram'],
    ]) {
      mkdirSync(join(root, entry));
      writeFileSync(join(root, entry, 'name'), name);
      writeFileSync(join(root, entry, 'energy_uj'), '0');
      writeFileSync(join(root, entry, 'max_energy_range_uj'), String(1000e6));
    }
    const value = { cpu: 0, dram: 0 };
    const add = (cpuJ: number, dramJ: number): void => {
      value.cpu += cpuJ * 1e6;
      value.dram += dramJ * 1e6;
      writeFileSync(counters.cpu, `${value.cpu}\n`);
      writeFileSync(counters.dram, `${value.dram}\n`);
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const sensors = await openSensors({ powercapRoot: root, nvidiaSmi: 'test/fixtures/fake-nvidia-smi.mjs', intervalMs: 50 });
    expect(sensors.unavailable).toEqual([]);
    // measureIdle reads the counters when called and when its sleep ends: 20 J CPU, 2 J DRAM between
    const pending = measureIdle(sensors, 0.5);
    add(20, 2);
    const idle = await pending;
    if (!idle) throw new Error('no idle baseline');
    expect(idle.watts.cpu * idle.seconds).toBeCloseTo(20, 9);
    expect(idle.watts.dram * idle.seconds).toBeCloseTo(2, 9);
    // the replayed H200 idles at 77.26 W, every sample alike
    expect(idle.watts.gpu).toBeCloseTo(77.26, 0);
    const meter = new Meter(undefined, sensors, idle);
    const t0 = Date.now();
    meter.begin();
    add(24, 2.4);
    await sleep(600);
    meter.pause();
    add(10, 1); // evaluation: not charged
    await sleep(400);
    meter.resume();
    add(24, 2.4);
    await sleep(600);
    const m = meter.end();
    const t1 = Date.now();
    await sensors.close();
    const e = m.energy;
    expect(e.method).toBe('measured:rapl+nvidia-smi');
    expect(e.componentMethods).toEqual({ cpu: 'measured:rapl', dram: 'measured:rapl', gpu: 'measured:nvidia-smi' });
    // what was written inside the two active segments, the pause's 10 J excluded
    expect(e.components.cpu).toBeCloseTo(48, 9);
    expect(e.components.dram).toBeCloseTo(4.8, 9);
    expect(e.components.gpu / m.seconds).toBeGreaterThan(60);
    // the GPU is integrated over the meter's segments, which lie inside [t0, t1] and leave out
    // at least the 0.4 s pause: at most 77.26 W over that span (however long the sensor reads took)
    expect(e.components.gpu).toBeLessThanOrEqual(77.27 * ((t1 - t0) / 1000 - 0.399));
    // net = gross - idle watts x active seconds
    const idleJoules = (idle.watts.cpu + idle.watts.dram + idle.watts.gpu) * m.seconds;
    expect(e.idleJoules as number).toBeCloseTo(idleJoules, 9);
    expect(e.netJoules as number).toBeCloseTo(e.joules - idleJoules, 9);
    // and per component: gross = idle + net for each
    for (const c of ['cpu', 'dram', 'gpu'] as const) expect((e.idleComponents?.[c] ?? NaN) + (e.netComponents?.[c] ?? NaN)).toBeCloseTo(e.components[c], 9);
    expect(e.idleComponents?.gpu).toBeCloseTo(idle.watts.gpu * m.seconds, 9);
    // 20 Hz for about 1.2 s: fewer than MLPerf Power's 60 samples, flagged for each sensor on its own count
    expect(e.flags).toEqual([expect.stringMatching(/^short: \d+ RAPL samples/), expect.stringMatching(/^short: \d+ nvidia-smi samples/)]);
    expect(e.uncertainty.relative).toBeCloseTo(0.05, 6);
  });
});

describe('Strubell et al. 2019 estimates', () => {
  it('reproduces the Transformer (big) row of Table 3: 1515.43 W for 84 h', () => {
    const e = strubellEstimate({ watts: 1515.43, hours: 84 });
    expect(Math.round(e.kwhWithPue)).toBe(201);
    expect(Math.round(e.co2eLbs)).toBe(192);
    expect(e.co2eKg).toBeCloseTo(192.1 * 0.45359237, 0);
  });

  it('adds the per-component draws as Eq. 1 does (p_c + p_r + g p_g)', () => {
    const e = strubellEstimate({ hours: 2, cpuWatts: 100, dramWatts: 20, gpus: 8, gpuWatts: 250 });
    expect(e.watts).toBe(2120);
    expect(e.kwhWithPue).toBeCloseTo(1.58 * 2 * 2.12, 12);
  });

  it('rejects both forms at once, and negative or missing figures, naming the flag', () => {
    expect(() => strubellEstimate({ hours: 1, watts: 100, gpus: 2 })).toThrow(/not both/);
    expect(() => strubellEstimate({ hours: -1, watts: 100 })).toThrow(/--hours/);
    expect(() => strubellEstimate({ hours: 1, watts: 100, pue: -2 })).toThrow(/--pue/);
  });

  it('takes carbon intensity as a preset or a number', () => {
    expect(parseIntensity('strubell').g).toBeCloseTo(432.7, 1);
    expect(parseIntensity('world').source).toMatch(/IEA 2019/);
    expect(parseIntensity('120').g).toBe(120);
    expect(() => parseIntensity('mars')).toThrow(/^carbon/);
  });
});

describe('FLOPs', () => {
  it('converts to petaflop/s-days as OpenAI\'s AlexNet example does', () => {
    const alexnet = 2 * 1.58e12 * 5.5 * 86400 * 0.33;
    expect(alexnet).toBeCloseTo(4.96e17, -15);
    expect(pfsDays(alexnet)).toBeCloseTo(5.74e-3, 5);
  });

  it('counts the default CNN analytically: conv, conv, dense; backward about twice forward', () => {
    const f = cnnFlops({ height: 28, width: 28, channels: 1, classes: 10 }, { filters: [8, 16], dense: 0 });
    const conv1 = 26 * 26 * 8 * 9 * 1 * 2;
    const conv2 = 11 * 11 * 16 * 9 * 8 * 2;
    const dense = 5 * 5 * 16 * 10 * 2;
    expect(f.forwardPerSample).toBe(conv1 + conv2 + dense);
    // no input gradient for the first layer
    expect(f.trainingPerSample).toBe(3 * (conv1 + conv2 + dense) - conv1);
  });
});
