import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secondsToAccuracy } from '../src/report/accuracy-target.js';
import { bootstrapMedian, bootstrapRatio } from './helpers/unpaired-bootstrap.js';
import { medianInterval, MIN_N_FOR_INTERVAL } from '../src/report/stats.js';
import { Rng } from '../src/util/rng.js';
import { claims } from '../src/report/claims.js';
import { writeReport } from '../src/report/readme.js';
import type { RunRecord } from '../src/results/schema.js';
import { readRecord, writeRecord } from '../src/results/store.js';
import { entry, record } from './helpers/records.js';

/** Repeats of a DL and a sparse runner, paired by seed; energies measured unless said otherwise. */
function run(dlSeconds: number[], sparseSeconds: number[], dlJoules: number[], sparseJoules: number[], sparseAccuracy = 0.91, estimated = false): RunRecord {
  const results = [
    ...dlSeconds.map((s, i) => ({ ...entry('cnn', s, 0.92, i), energy: { ...entry('cnn', s, 0.92, i).energy, joules: dlJoules[i], method: estimated ? 'estimated:tdp-per-core' : 'measured:rapl' } })),
    ...sparseSeconds.map((s, i) => ({
      ...entry('lasso', s, sparseAccuracy, i),
      energy: { ...entry('lasso', s, sparseAccuracy, i).energy, joules: sparseJoules[i], method: estimated ? 'estimated:tdp-per-core' : 'measured:rapl' },
    })),
  ];
  return record('claims', results);
}

const five = (xs: number[]): number[] => [...xs, xs[0] * 1.01, xs[1] * 0.99].slice(0, 5);

describe('intervals', () => {
  it('the median\'s order-statistic interval: the range below 6 values, binomial coverage from 6 on', () => {
    expect(medianInterval([3, 1, 2])).toMatchObject({ value: 2, low: 1, high: 3, level: null, method: 'range of 3' });
    expect(medianInterval([5, 1, 4, 2, 3])).toMatchObject({ level: null, method: 'range of 5' });
    // N = 6: [x(1), x(6)] covers the median with 1 - 2/64 = 96.9%
    const six = medianInterval([6, 1, 5, 2, 4, 3]);
    expect(six).toMatchObject({ value: 3.5, low: 1, high: 6, n: 6 });
    expect(six.level).toBeCloseTo(1 - 2 / 64, 12);
    // N = 10: [x(2), x(9)] covers with 1 - 2 * 11/1024 = 97.9%
    const ten = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([ten.low, ten.high]).toEqual([2, 9]);
    expect(ten.level).toBeCloseTo(1 - (2 * 11) / 1024, 12);
    expect(ten.method).toBe('order-statistic interval of the median, 97%, N=10');
  });
});

describe('time to accuracy', () => {
  it('interpolates linearly to the first crossing, and is undefined when never reached', () => {
    const curve = [
      { seconds: 0, cpuSeconds: 0, metric: 0.1 },
      { seconds: 2, cpuSeconds: 4, metric: 0.7 },
      { seconds: 4, cpuSeconds: 8, metric: 0.9 },
      { seconds: 6, cpuSeconds: 12, metric: 0.95 },
    ];
    expect(secondsToAccuracy(curve, 0.8)).toBeCloseTo(3, 12);
    expect(secondsToAccuracy(curve, 0.8, 'cpuSeconds')).toBeCloseTo(6, 12);
    expect(secondsToAccuracy(curve, 0.9)).toBe(4);
    expect(secondsToAccuracy(curve, 0.05)).toBe(0);
    expect(secondsToAccuracy(curve, 0.99)).toBeUndefined();
  });
});

describe('the energy basis (--energy-view)', () => {
  it('with a measured idle GPU, the runner view judges net of idle and the machine view gross; each names its basis, and the README and summary.json say which', async () => {
    // the claim's own setup: DL on the GPU, sparse on the CPU of a machine whose GPU idles at 77 W
    const idleWatts = { cpu: 10, dram: 2, gpu: 77 };
    const withIdle = (r: RunRecord): RunRecord => ({
      ...r,
      idle: { seconds: 5, watts: idleWatts, method: 'measured:rapl+nvidia-smi' },
      results: r.results.map((e) => {
        const idleJoules = (idleWatts.cpu + idleWatts.dram + idleWatts.gpu) * e.measurement.seconds;
        return { ...e, energy: { ...e.energy, method: 'measured:rapl+nvidia-smi', idleJoules, netJoules: e.energy.joules - idleJoules } };
      }),
    });
    // DL 10 s at ~300 W gross; sparse 2 s at ~100 W gross, of which 89 W is the idle machine
    const r = withIdle(run([10, 10.1, 9.9, 10, 10], [2, 2.02, 1.98, 2, 2], five([3000, 3030, 2970]), five([200, 202, 198])));
    const [net] = claims(r, undefined, 'runner');
    const [gross] = claims(r, undefined, 'machine');
    // gross: 200 / 3000 = 6.7%; net: (200 - 178) / (3000 - 890) = 1.0%
    expect(gross.energy.value).toBeCloseTo(200 / 3000, 2);
    expect(net.energy.value).toBeCloseTo((200 - 178) / (3000 - 890), 2);
    expect(net.energy.basis).toMatch(/net of idle \(runner view: idle draw charged to no runner\)/);
    expect(gross.energy.basis).toMatch(/gross \(machine view: idle draw charged to every runner\)/);
    expect(net.energyOtherView.value).toBeCloseTo(gross.energy.value, 12);
    expect(net.idle).toMatch(/GPU 77 W\): charged to no runner/);
    // the energy finding moves with the view, and the reasons say so
    expect(net.reasons.join('\n')).toMatch(/about 1% of the energy or less/);
    expect(gross.reasons.join('\n')).toMatch(/not about 1% of the energy/);
    expect(net.reasons.join('\n')).toMatch(/in the machine view the share is .*the energy finding changes with the view/);
    const dir = mkdtempSync(join(tmpdir(), 'sb-view-'));
    writeRecord(dir, r);
    await writeReport(dir, 'machine');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/Energy is judged in the machine view/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { energyView: string; claims: { energy: { view: string; basis: string } }[] };
    expect(summary.energyView).toBe('machine');
    expect(summary.claims[0].energy.basis).toMatch(/gross/);
  });

  it('without a measured idle both views agree, and say that nothing was subtracted', () => {
    const r = run([100, 102, 98, 101, 99], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    const [a] = claims(r, undefined, 'runner');
    const [b] = claims(r, undefined, 'machine');
    expect(a.energy.value).toBe(b.energy.value);
    expect(a.energy.basis).toMatch(/no idle measured/);
    expect(a.idle).toBeUndefined();
  });
});

describe('claims verdicts (paired by seed)', () => {
  it('reproduced: >= 4x faster, ~1% of the measured energy, comparable accuracy, over 5 pairs', () => {
    const [c] = claims(run([100, 102, 98, 101, 99], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85])));
    expect(c.verdict).toBe('reproduced');
    expect(c.pairs).toBe(5);
    expect(c.seeds).toEqual([42, 43, 44, 45, 46]);
    expect(c.speed.value).toBeCloseTo(5, 1);
    expect(c.speed.method).toBe('t-interval on log ratios, 95%, N=5');
    expect(c.energy.value).toBeCloseTo(0.009, 3);
    expect(c.reasons.join('\n')).toMatch(/at least 4x faster/);
  });

  it('not reproduced: only 2x faster, and the reason says so', () => {
    const [c] = claims(run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85])));
    expect(c.verdict).toBe('not reproduced');
    expect(c.reasons[0]).toMatch(/not 4x faster: cnn \/ lasso 2x \[.*\] \(t-interval on log ratios, 95%, N=5\)/);
  });

  it('not reproduced: accuracy not comparable', () => {
    const [c] = claims(run([100, 102, 98, 101, 99], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]), 0.85));
    expect(c.verdict).toBe('not reproduced');
    expect(c.reasons[0]).toMatch(/not comparable test accuracy: DL ahead by 7 points/);
  });

  it('inconclusive: energy estimated, not measured', () => {
    const [c] = claims(run([100, 102, 98, 101, 99], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]), 0.91, true));
    expect(c.verdict).toBe('inconclusive');
    expect(c.reasons[0]).toMatch(/energy estimated, not measured/);
  });

  it('inconclusive: the interval spans the claim', () => {
    const [c] = claims(run([60, 100, 140, 80, 120], [20, 20, 20, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85])));
    expect(c.verdict).toBe('inconclusive');
    expect(c.reasons[0]).toMatch(/the interval spans 4x/);
  });

  it('inconclusive with fewer than 5 pairs: the range of N, never called 95%', () => {
    const [c] = claims(run([40, 41, 39], [20, 21, 19], [10000, 10100, 9900], [90, 95, 85]));
    expect(c.verdict).toBe('inconclusive');
    expect(c.speed.method).toBe('range of 3');
    expect(c.speed.level).toBeNull();
    expect(c.reasons[0]).toMatch(/3 paired repeats: fewer than 5, so the brackets hold the range of 3, no 95% interval/);
  });

  it('pairs by seed: a seed run on one side only is left out', () => {
    const r = run([40, 41, 39, 40, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]).concat([9000]), five([90, 95, 85]));
    const [c] = claims(r);
    expect(c.pairs).toBe(5);
    expect(c.seeds).not.toContain(47);
  });

  it('judges on CPU time when the sides used different core counts, and flags a runner over its thread budget', () => {
    const r = run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    for (const e of r.results) {
      e.measurement.threads = 1;
      // the DL side spins two threads: twice the CPU of its wall time; sparse one
      if (e.runner === 'cnn') e.measurement.cpuSeconds = e.measurement.seconds * 2;
      e.curve = e.curve.map((p) => ({ ...p, cpuSeconds: e.measurement.cpuSeconds }));
    }
    const [c] = claims(r);
    expect(c.judgedOn).toBe('CPU time');
    expect(c.speedWall.value).toBeCloseTo(2, 1);
    expect(c.speedCpu.value).toBeCloseTo(4, 1);
    expect(c.speed).toBe(c.speedCpu);
    expect(c.reasons.join('\n')).toMatch(/cnn used 2 cores on a budget of 1 thread/);
    expect(c.reasons.join('\n')).toMatch(/judged on CPU time \(wall time 2/);
  });

  it('compares at a common accuracy; a repeat that never reaches it is censored and counts against its side; only with no pair at the target does it fall back to training time', () => {
    const r = run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    for (const e of r.results) e.curve = [{ seconds: 0, cpuSeconds: 0, metric: 0.1, step: 0 }, { seconds: e.measurement.seconds, cpuSeconds: e.measurement.cpuSeconds, metric: e.accuracy, step: 1 }];
    const [reached] = claims(r);
    expect(reached.speedWall.basis).toMatch(/^wall time to 90% accuracy$/);
    expect(reached.censored).toEqual({ deep: 0, sparse: 0 });
    // DL 2x slower: "not 4x faster" holds when every repeat reached the target
    expect(reached.reasons.join('\n')).toMatch(/sparse is not 4x faster/);
    expect(reached.verdict).toBe('not reproduced');
    // one DL repeat ends below the target: censored, its whole training stands in (a bound in DL's favour)
    r.results[2].curve = r.results[2].curve.map((p) => ({ ...p, metric: 0.5 }));
    const [dlCensored] = claims(r, 0.9);
    expect(dlCensored.censored).toEqual({ deep: 1, sparse: 0 });
    expect(dlCensored.speedWall.basis).toBe('wall time to 90% accuracy; 1 of 5 cnn repeats never reached it (their whole training stands in: a bound in their favour)');
    // "sparse is not 4x faster" rests on a DL bound in DL's favour: not concluded
    expect(dlCensored.reasons.join('\n')).toMatch(/sparse is not 4x faster: .*\(not concluded: deep-learning repeats that never reached 90% accuracy stand in with bounds in their favour\)/);
    expect(dlCensored.reasons.join('\n')).toMatch(/censored at 90% accuracy: 1 of 5 cnn repeats/);
    // a sparse repeat censored instead: "sparse wins" could not be concluded, "DL wins" still can
    const s = run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    for (const e of s.results) e.curve = [{ seconds: 0, cpuSeconds: 0, metric: 0.1, step: 0 }, { seconds: e.measurement.seconds, cpuSeconds: e.measurement.cpuSeconds, metric: e.accuracy, step: 1 }];
    s.results[7].curve = s.results[7].curve.map((p) => ({ ...p, metric: 0.5 }));
    const [sparseCensored] = claims(s, 0.9);
    expect(sparseCensored.censored).toEqual({ deep: 0, sparse: 1 });
    expect(sparseCensored.reasons.join('\n')).toMatch(/sparse is not 4x faster: [^\n]*\(t-interval[^\n]*\)$/m);
    expect(sparseCensored.verdict).toBe('not reproduced');
    // no pair has both sides at the target: training time, and the basis says so
    for (const e of s.results) e.curve = e.curve.map((p) => ({ ...p, metric: 0.5 }));
    const [none] = claims(s, 0.9);
    expect(none.speedWall.basis).toBe('training wall time');
    expect(none.reasons.join('\n')).toMatch(/no pair of repeats both reached 90% accuracy: compared on training time and energy instead/);
  });

  it('takes the target from the validation curves, never from the test figures, and says it is on validation', () => {
    const r = run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    // the curves end on validation (0.80 for both sides), the test figures are 0.90+
    for (const e of r.results) {
      e.split = { ...e.split, validation: 50 };
      e.curve = [{ seconds: 0, cpuSeconds: 0, metric: 0.1, step: 0 }, { seconds: e.measurement.seconds, cpuSeconds: e.measurement.cpuSeconds, metric: 0.8, step: 1 }];
    }
    const [c] = claims(r);
    expect(c.target).toBeCloseTo(0.79, 10);
    expect(c.speedWall.basis).toBe('wall time to 79% validation accuracy');
    expect(c.censored).toEqual({ deep: 0, sparse: 0 });
  });

  it('states the inference cost per 1,000 test items, paired, or that it was not measured', () => {
    const r = run([40, 41, 39, 40, 40], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85]));
    expect(claims(r)[0].reasons.join('\n')).toMatch(/inference not measured for cnn and lasso/);
    for (const e of r.results) e.inference = { items: 500, seconds: e.runner === 'cnn' ? 1 : 4, cpuSeconds: 1, joules: 2, method: 'estimated:tdp-per-core' };
    expect(claims(r)[0].reasons.join('\n')).toMatch(/inference per 1,000 test items: DL\/sparse 0.25x \[0.25x, 0.25x\] \(t-interval on log ratios, 95%, N=5\) on wall time \(8 s for lasso, 2 s for cnn\)/);
  });

  it('holds each sparse runner against the fastest deep-learning runner; a TensorFlow.js-only DL side is no verdict on speed', () => {
    const r = run([40, 41, 39, 40, 40], [2, 2.1, 1.9, 2, 2], five([10000, 10100, 9900]), five([90, 95, 85]));
    const slowDl = r.results.filter((e) => e.runner === 'cnn').map((e) => ({ ...e, runner: 'slow-cnn', measurement: { ...e.measurement, seconds: e.measurement.seconds * 3 } }));
    const both: RunRecord = { ...r, results: [...r.results, ...slowDl] };
    const [c] = claims(both);
    expect(c.deep).toBe('cnn');
    expect(c.deepRunners).toEqual(['cnn', 'slow-cnn']);
    const tfjs: RunRecord = { ...r, results: r.results.map((e) => (e.runner === 'cnn' ? { ...e, backend: { requested: 'auto', name: 'wasm', tfjsVersion: '4.22.0', reason: 'r', customKernels: [], warnings: [] } } : e)) };
    const [t] = claims(tfjs);
    expect(t.verdict).toBe('inconclusive');
    expect(t.reasons.join('\n')).toMatch(/TensorFlow.js \(wasm\).*add --peer torch/);
    // tfjs-node (backend tensorflow) is native, but still not PyTorch: the same caveat, naming it
    const native: RunRecord = { ...tfjs, results: tfjs.results.map((e) => (e.backend ? { ...e, backend: { ...e.backend, name: 'tensorflow' as const } } : e)) };
    expect(claims(native)[0].reasons.join('\n')).toMatch(/TensorFlow.js \(tensorflow\)/);
  });
});

describe('coverage of the speed interval (seeded simulations of paired repeats)', () => {
  /**
   * True ratio 3x; each seed draws a shared drift (the split and the machine's state, which
   * both sides feel: log sd 0.3) and each run its own log-normal noise (log sd 0.1).
   */
  function simulated(rng: Rng, n: number): { dl: number[]; sp: number[] } {
    const dl: number[] = [];
    const sp: number[] = [];
    for (let i = 0; i < n; i++) {
      const drift = Math.exp(0.3 * rng.nextNormal());
      dl.push(30 * drift * Math.exp(0.1 * rng.nextNormal()));
      sp.push(10 * drift * Math.exp(0.1 * rng.nextNormal()));
    }
    return { dl, sp };
  }

  it('the paired t-interval at the default N covers the true ratio in at least 93% of 1,000 runs', () => {
    const rng = new Rng(2024);
    let covered = 0;
    for (let s = 0; s < 1000; s++) {
      const { dl, sp } = simulated(rng, MIN_N_FOR_INTERVAL);
      const [c] = claims(run(dl, sp, dl, sp));
      if (c.speedWall.low <= 3 && 3 <= c.speedWall.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(930);
  });

  it('the old percentile bootstrap fails it: at the old 3 repeats its "95%" interval of a median is the range, which covers 75%', () => {
    const rng = new Rng(2025);
    let covered = 0;
    for (let s = 0; s < 1000; s++) {
      // the true median of 10 x log-normal noise is 10
      const xs = [0, 1, 2].map(() => 10 * Math.exp(0.1 * rng.nextNormal()));
      const old = bootstrapMedian(xs, s);
      if (old.low <= 10 && 10 <= old.high) covered++;
    }
    expect(covered).toBeLessThan(930);
    expect(covered).toBeGreaterThan(700);
  });

  it('and resampling the two sides apart ignores the pairing: with a shared per-seed drift its ratio interval is wider than the paired one', () => {
    const rng = new Rng(2024);
    let wider = 0;
    for (let s = 0; s < 200; s++) {
      const { dl, sp } = simulated(rng, MIN_N_FOR_INTERVAL);
      const old = bootstrapRatio(dl, sp, s);
      const [c] = claims(run(dl, sp, dl, sp));
      if (old.high / old.low > c.speedWall.high / c.speedWall.low) wider++;
    }
    expect(wider).toBeGreaterThan(180);
  });
});

describe('report', () => {
  it('is idempotent: the same records give byte-identical README, summary and plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-report-'));
    writeRecord(dir, run([100, 102, 98, 101, 99], [20, 21, 19, 20, 20], five([10000, 10100, 9900]), five([90, 95, 85])));
    const first = await writeReport(dir);
    const files = ['README.md', 'summary.json', ...readdirSync(join(dir, 'plots')).map((f) => join('plots', f))];
    const before = files.map((f) => readFileSync(join(dir, f)));
    await writeReport(dir);
    files.forEach((f, i) => expect(readFileSync(join(dir, f)).equals(before[i]), f).toBe(true));
    expect(first.plots.map((p) => p.name)).toEqual(['mnist-accuracy-energy', 'mnist-time-energy', 'mnist-curves-seconds', 'mnist-curves-joules']);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.indexOf('## Does this run reproduce the claim?')).toBeLessThan(readme.indexOf('## Latest run'));
    expect(readme).toMatch(/\| mnist \| lasso vs cnn \| 5 \(seeds 42, 43, 44, 45, 46\) \| 5x \[.*\] \(t 95%, N=5\)/);
    expect(readme).toMatch(/\*\*reproduced\*\*/);
    expect(readme).toMatch(/New York <-> San Francisco \(1,984 lbs\)/);
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(4);
    expect(readFileSync(join(dir, 'plots', 'mnist-accuracy-energy.svg'), 'utf8')).toMatch(/accuracy against training energy/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { claims: { verdict: string }[] };
    expect(summary.claims[0].verdict).toBe('reproduced');
  });
});

describe('labels everywhere', () => {
  it('no line of the README and no text of a plot shows joules, kWh or CO2e without saying measured or estimated', async () => {
    // the committed default run: every report section, both tasks, every plot
    const dir = mkdtempSync(join(tmpdir(), 'sb-labels-'));
    writeRecord(dir, readRecord(join('results', 'runs', '2026-12-01T23-15-09-392Z-default-26776.json')));
    await writeReport(dir);
    const energy = /\bkWh\b|CO2e|(^|\s)joules\b|\benergy J\b|\d J\b|\(J[,)]/;
    const labelled = /measured|estimated/;
    // a table whose header has an "energy method" column labels each row in it
    const unlabelled = readFileSync(join(dir, 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => energy.test(l) && !labelled.test(l) && !/\| energy method \|/.test(l));
    expect(unlabelled).toEqual([]);
    const svgs = readdirSync(join(dir, 'plots')).filter((f) => f.endsWith('.svg'));
    expect(svgs.length).toBeGreaterThan(4);
    const all: string[] = [];
    for (const f of svgs) {
      const texts = [...readFileSync(join(dir, 'plots', f), 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      all.push(...texts);
      expect(texts.filter((t) => energy.test(t) && !labelled.test(t)), f).toEqual([]);
    }
    // not vacuous: the energy axes are there, with their method
    expect(all.filter((t) => /energy \(J/.test(t) && labelled.test(t)).length).toBeGreaterThan(2);
  });
});
