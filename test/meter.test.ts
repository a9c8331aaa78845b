import { describe, expect, it } from 'vitest';
import { convert } from '../src/meter/carbon.js';
import { Meter } from '../src/meter/meter.js';
import { estimateConstants, estimateEnergy } from '../src/meter/model.js';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('Meter', () => {
  it('charges busy time to the window and excludes paused evaluation', () => {
    const meter = new Meter();
    meter.begin();
    spin(60);
    meter.paused(() => spin(120));
    spin(60);
    const m = meter.end();
    expect(m.seconds).toBeGreaterThanOrEqual(0.11);
    // had the pause been charged, the window would hold at least 0.24 s
    expect(m.seconds).toBeLessThan(0.23);
    expect(m.pausedSeconds).toBeGreaterThanOrEqual(0.11);
    // a busy loop is CPU-bound: CPU seconds follow wall seconds
    expect(m.cpuSeconds).toBeGreaterThan(0.05);
    expect(m.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(m.energy.method).toBe('estimated:tdp-per-core');
    expect(m.energy.joules).toBeCloseTo(m.energy.components.cpu + m.energy.components.dram, 12);
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
