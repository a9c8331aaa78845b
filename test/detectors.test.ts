import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDefects } from '../src/datasets/defects.js';
import { makeSplit } from '../src/datasets/split.js';
import type { Split } from '../src/datasets/types.js';
import { autoencoderFlopsPerSample, DEFAULT_AUTOENCODER } from '../src/deep/autoencoder.js';
import { DEFAULT_CONVERSION } from '../src/meter/carbon.js';
import { pfsDays } from '../src/meter/flops.js';
import { flopCount } from '../src/util/flop-count.js';
import { entryOf } from '../src/suite/entry.js';
import { compareRecords } from '../src/report/compare.js';
import { claims } from '../src/report/claims.js';
import { writeReport } from '../src/report/readme.js';
import { runRecordSchema, type ResultEntry } from '../src/results/schema.js';
import { writeRecord } from '../src/results/store.js';
import { getRunner } from '../src/runners/registry.js';
import type { RunnerOutput } from '../src/runners/types.js';
import { planRun } from '../src/suite/run.js';
import { meteredTrain } from '../src/suite/window.js';
import { makeExternalRunner } from '../src/runners/external.js';
import { findPython, peerSpecs } from '../src/runners/peers.js';
import { UsageError } from '../src/errors.js';
import { trainDetector, type DetectorPlan } from '../src/runners/detection.js';
import { validationView } from '../src/datasets/split.js';
import { gatherRows } from '../src/util/rows.js';
import { errorScores, evaluateDetection, evaluateScores, groupMembers, imageAurocOf } from '../src/detect/evaluate.js';
import { record } from './helpers/records.js';

// 10 defect-free training images and 20 test images per texture: small enough for a test
let split: Split;
const outputs = new Map<string, { output: RunnerOutput; seconds: number; entry: ResultEntry }>();
/** Every FLOP the kernels counted during each runner's meteredTrain, evaluation included. */
const counted = new Map<string, number>();

beforeAll(async () => {
  split = makeSplit(generateDefects(), { trainSize: 30, testSize: 60, seed: 7 });
  for (const [name, epochs] of [['sparse-detector', undefined], ['autoencoder', 40]] as const) {
    const runner = getRunner(name);
    await runner.prepare?.({ backend: 'auto' });
    const before = flopCount.value;
    const trained = await meteredTrain(runner, split, { epochs }, 7, 'auto');
    const { output, reading } = trained;
    const entry = entryOf({ dataset: 'defects', runner: name, family: runner.family, repeat: 0, seed: 7 }, split, trained, { calibrationSeconds: 0.1, threads: 1, conversion: DEFAULT_CONVERSION });
    counted.set(name, flopCount.value - before);
    outputs.set(name, { output, seconds: reading.seconds, entry });
  }
}, 240_000);

describe('detectors', () => {
  it('the sparse detector separates defective from defect-free images, trained on 10 good images per texture', () => {
    const { output, entry } = outputs.get('sparse-detector')!;
    expect(output.metric.name).toMatch(/image AUROC/);
    expect(entry.metricName).toBe(output.metric.name);
    expect(output.metric.value).toBeGreaterThan(0.85);
    expect(output.metrics.pixelAuroc).toBeGreaterThan(0.7);
    for (const g of ['fabric', 'metal', 'granular']) expect(output.metrics[`imageAuroc.${g}`]).toBeGreaterThan(0.7);
    expect(output.metrics.imageAuroc).toBe(output.metric.value);
    expect(output.curve).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(output.curve[i].seconds).toBeGreaterThan(output.curve[i - 1].seconds);
    // the window counts training only: scoring the validation (curve) and test images (inference) ran paused
    expect(output.flops).toBeUndefined();
    expect(entry.metrics.flops).toBeGreaterThan(0);
    expect(entry.metrics.flops).toBeLessThan(counted.get('sparse-detector')!);
    expect(entry.metrics.pfsDays).toBe(pfsDays(entry.metrics.flops));
  });

  it('the sparse detector scores the same on two threads (the coding pool splits the images)', async () => {
    const { output: one, entry } = outputs.get('sparse-detector')!;
    const { output: two, reading } = await meteredTrain(getRunner('sparse-detector'), split, { threads: 2 }, 7, 'auto');
    expect(two.config.scoringThreads).toBe(2);
    expect(two.metrics.evaluationThreads).toBe(2);
    expect(one.config.scoringThreads).toBe(1);
    expect(two.curve.map((p) => p.metric)).toEqual(one.curve.map((p) => p.metric));
    expect(two.metrics.pixelAuroc).toBe(one.metrics.pixelAuroc);
    // the coding pool's threads count in their own copies, added when their work settles
    expect(reading.flops).toBe(entry.metrics.flops);
  }, 120_000);

  it('the autoencoder learns to reconstruct good texture better than chance separates, and records its backend', () => {
    const { output, entry } = outputs.get('autoencoder')!;
    expect(output.backend?.name).toBe('wasm');
    expect(output.metric.value).toBeGreaterThan(0.6);
    expect(output.config.epochs).toBe(40);
    expect(output.config.noise).toBe(DEFAULT_AUTOENCODER.noise);
    expect(output.curve.map((p) => p.step)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(counted.get('autoencoder')).toBe(0);
    expect(entry.metrics.flops).toBe(autoencoderFlopsPerSample({ ...DEFAULT_AUTOENCODER, epochs: 40 }) * 30 * 40);
  });

  it('both keep heat maps of the same test images: one per defect kind and one defect-free', () => {
    const a = outputs.get('autoencoder')!.output.heatmaps!;
    const s = outputs.get('sparse-detector')!.output.heatmaps!;
    expect(a.items.map((x) => x.testIndex)).toEqual(s.items.map((x) => x.testIndex));
    expect(new Set(s.items.map((x) => x.kind))).toEqual(new Set(['none', 'scratch', 'spot', 'hole', 'stain']));
    for (const item of s.items) {
      const heat = inflateSync(Buffer.from(item.heat, 'base64'));
      const mask = inflateSync(Buffer.from(item.mask, 'base64'));
      expect(heat.length).toBe(64 * 64);
      if (item.kind === 'hole') {
        // the hole is the hottest place of its image
        let inside = 0;
        let outside = 0;
        let n = 0;
        for (let p = 0; p < heat.length; p++) {
          if (mask[p]) {
            inside += heat[p];
            n++;
          } else outside += heat[p];
        }
        expect(inside / n).toBeGreaterThan(2 * (outside / (heat.length - n)));
      }
    }
  });

  it('a record of them validates, reports a detection table and heat maps, compares with itself, and has a claims row', async () => {
    const rec = record('detect', ['autoencoder', 'sparse-detector'].map((r) => outputs.get(r)!.entry));
    expect(runRecordSchema.safeParse(rec).success).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'sb-detect-'));
    writeRecord(dir, rec);
    const { plots } = await writeReport(dir);
    expect(plots.map((p) => p.name)).toContain('defects-heatmaps');
    expect(existsSync(join(dir, 'plots', 'defects-heatmaps.png'))).toBe(true);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/\| runner \| family \| backend \| repeats \| image AUROC \(mean over textures\)/);
    expect(readme).toMatch(/\| runner \| image AUROC \| pixel AUROC \| image fabric/);
    const [claim] = claims(rec);
    expect(claim.deep).toBe('autoencoder');
    expect(claim.sparse).toBe('sparse-detector');
    expect(claim.speed.basis).toMatch(/image AUROC|training time/);
    expect(compareRecords(rec, rec).regressions).toBe(0);
  });
});

// hooks that run everything at once (no meter): the windows are another test's business
const hooks = () => ({ seed: 7, backend: 'auto' as const, elapsed: () => ({ seconds: 0, cpuSeconds: 0 }), untimed: <T>(f: () => T) => f(), inference: <T>(f: () => T) => f(), latency() {}, childUsage() {}, progress() {} });

describe('curve points of detectors', () => {
  it('read the validation images; the reported figure the test images, scored once', async () => {
    // a detector whose patch score is the mean intensity of the patch (dark defects score low):
    // fixed, so that what each evaluation read can be recomputed from the split alone
    const intensity: DetectorPlan = {
      units: 3,
      evaluations: 3,
      unit: 'step',
      make: () => ({ train() {}, scores: (X, n) => errorScores(X, n, split.height, split.width) }),
    };
    const scorer = (_g: number, X: Float32Array, n: number) => errorScores(X, n, split.height, split.width);
    const windows: string[] = [];
    const h = { ...hooks(), untimed: <T>(f: () => T) => (windows.push('untimed'), f()), inference: <T>(f: () => T) => (windows.push('inference'), f()) };
    const { curve, evaluation } = await trainDetector(split, intensity, h, 'intensity');
    const onValidation = evaluateDetection(validationView(split), scorer).imageAuroc;
    const onTest = evaluateDetection(split, scorer).imageAuroc;
    expect(onValidation).not.toBe(onTest);
    expect(curve.map((p) => p.metric)).toEqual([onValidation, onValidation, onValidation]);
    expect(evaluation.imageAuroc).toBe(onTest);
    expect(windows).toEqual(['untimed', 'untimed', 'untimed', 'inference']);
  });

  it('take the image AUROC alone, the very value of the full evaluation, at any image quantile', () => {
    const members = groupMembers(split);
    const scores = members.map((m) => errorScores(gatherRows(split.XTest, m, split.height * split.width), m.length, split.height, split.width));
    for (const q of [0.5, 0.9, 1]) expect(imageAurocOf(split, members, scores, q)).toBe(evaluateScores(split, members, scores, q).imageAuroc);
  });
});

describe('planning detection cells', () => {
  it('refuses a classifier on the defects set, naming both', () => {
    expect(() => planRun({ suite: 'quick', datasets: ['defects'], runners: ['cnn'], seed: 1, backend: 'auto', resultsDir: tmpdir() })).toThrow(
      /^runners cnn is a classification runner; the datasets defects need detection runners/,
    );
  });

  it('puts defects in every suite at 50 good images per texture; --epochs leaves the detectors alone; externals run on datasets of their task', () => {
    for (const suite of ['quick', 'default', 'full']) {
      const cells = planRun({ suite, datasets: ['defects'], seed: 1, backend: 'auto', resultsDir: tmpdir(), repeats: 1, epochs: 2 });
      expect(cells.map((c) => c.runner).sort()).toEqual(['autoencoder', 'sparse-detector']);
      expect(cells.every((c) => c.trainSize === 150 && c.epochs === undefined)).toBe(true);
    }
    const withPeer = planRun({ suite: 'quick', seed: 1, backend: 'auto', resultsDir: tmpdir(), externals: [{ name: 'peer', command: 'true', family: 'deep' }] });
    expect(withPeer.filter((c) => c.runner === 'peer').map((c) => c.dataset)).toEqual(['mnist']);
    const withDetector = planRun({ suite: 'quick', seed: 1, backend: 'auto', resultsDir: tmpdir(), externals: [{ name: 'peer-ae', command: '{split}', family: 'deep', task: 'detection' }] });
    expect(withDetector.filter((c) => c.runner === 'peer-ae').map((c) => `${c.dataset}/${c.trainSize}`)).toEqual(['defects/150']);
  });
});

describe('external detectors', () => {
  // a stand-in detector: writes errors that are the images themselves (dark defects score low),
  // of the validation images for its curve and of the test images for its figure
  const writer = (bytes: string) =>
    `node -e "const fs=require('fs'),d=process.argv[1];` +
    `const w=(s,f,b)=>{const x=new Float64Array(fs.readFileSync(d+'/X_'+s+'.f64').buffer.slice(0));fs.writeFileSync(d+'/'+f,Buffer.from(Float32Array.from(x).buffer).subarray(0,b(x)))};` +
    `w('val','e.f32',(x)=>${bytes});w('test','t.f32',(x)=>x.length*4);` +
    `console.log(JSON.stringify({curve:[{seconds:1,step:1,errors:'e.f32'}],testErrors:'t.f32',trainSeconds:1,framework:'stand-in'}))" {split}`;

  it('scores the errors a command writes with our own scoring, and names a file of the wrong size', async () => {
    const ok = makeExternalRunner({ name: 'standin', family: 'deep', task: 'detection', command: writer('x.length*4') });
    const out = await ok.train(split, {}, hooks());
    expect(out.metric.name).toMatch(/image AUROC/);
    expect(out.metric.value).toBeGreaterThanOrEqual(0);
    expect(out.metrics.pixelAuroc).toBeGreaterThan(0);
    expect(out.heatmaps?.items.length).toBe(5);
    // the same scoring as ours: the curve on the validation images, the figure on test
    const scorer = (_g: number, X: Float32Array, n: number) => errorScores(X, n, split.height, split.width);
    expect(out.curve[0].metric).toBe(evaluateDetection(validationView(split), scorer).imageAuroc);
    expect(out.metric.value).toBe(evaluateDetection(split, scorer).imageAuroc);
    const short = makeExternalRunner({ name: 'standin', family: 'deep', task: 'detection', command: writer('100') });
    await expect(short.train(split, {}, hooks())).rejects.toThrow(UsageError);
    await expect(short.train(split, {}, hooks())).rejects.toThrow(/e\.f32 holds 100 bytes, not 6 x 4096 float32 errors of the validation images/);
    // a detector that never scores the test images (format 1's protocol) is told which field it lacks
    const old = makeExternalRunner({ name: 'standin', family: 'deep', task: 'detection', command: writer('x.length*4').replace(",testErrors:'t.f32'", '') });
    await expect(old.train(split, {}, hooks())).rejects.toThrow(/field testErrors: /);
  }, 60_000);

  it('the PyTorch autoencoder peer (where python3-torch is installed) is scored like ours', async (ctx) => {
    if (!findPython('torch')) ctx.skip();
    const spec = peerSpecs('torch').find((s) => s.name === 'torch-autoencoder')!;
    const out = await makeExternalRunner(spec).train(split, { epochs: 12 }, hooks());
    expect(out.curve.map((p) => p.step)).toEqual([1, 2, 4, 5, 6, 7, 8, 10, 11, 12]);
    expect(out.runtime?.framework).toMatch(/^pytorch/);
    expect(out.metric.value).toBeGreaterThan(0.5);
    // the peer times its own inference on the test images; its CPU is pro-rated, and says so
    expect(out.inference?.items).toBe(60);
    expect(out.inference?.seconds).toBeGreaterThan(0);
    expect(out.inference?.source).toMatch(/reported by the trainer/);
  }, 120_000);
});
