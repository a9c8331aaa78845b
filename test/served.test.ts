import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/datasets/mnist.js';
import { makeSplit } from '../src/datasets/split.js';
import { closeServedRunners, makeExternalRunner, startServedRunners, type ExternalSpec } from '../src/runners/external.js';
import { findPython, peerSpecs } from '../src/runners/peers.js';
import { plainHooks } from '../src/runners/types.js';
import { meteredTrain } from '../src/suite/window.js';
import { alive } from './helpers/process.js';

const split = makeSplit(loadMnist(), { trainSize: 50, testSize: 20, seed: 1 });
const fixture = `${process.execPath} test/fixtures/served-trainer.mjs`;
const servedSpec = (mode: string): ExternalSpec => ({ name: 'served', family: 'deep', command: `${fixture} {split} ${mode}`, served: { start: fixture, args: `{split} ${mode}` } });

afterAll(closeServedRunners);

describe('a served external trainer (one process for every repeat)', () => {
  it('answers each repeat in the same process, each request metered on its own', async () => {
    const runner = makeExternalRunner(servedSpec('train'));
    const first = await meteredTrain(runner, split, {}, 1, 'auto');
    const second = await meteredTrain(runner, split, {}, 2, 'auto');
    expect(second.output.config.pid).toBe(first.output.config.pid);
    expect([first.output.config.requests, second.output.config.requests]).toEqual([1, 2]);
    expect([first.output.metrics.servedRequest, second.output.metrics.servedRequest]).toEqual([1, 2]);
    expect(second.output.config.process).toMatch(/^served/);
    // each is charged the CPU inside its own reported interval: 0.3 s (plus the 10 Hz edges), not the process's total
    for (const { reading } of [first, second]) {
      expect(reading.cpuSeconds).toBeGreaterThanOrEqual(0.25);
      expect(reading.cpuSeconds).toBeLessThan(0.6);
    }
    const pid = Number(first.output.config.pid);
    expect(alive(pid)).toBe(true);
    // the end of a run ends it
    await closeServedRunners();
    expect(alive(pid)).toBe(false);
  }, 60_000);

  it('names the runner and the request when an answer is an error, and keeps serving', async () => {
    await expect(makeExternalRunner(servedSpec('error')).train(split, {}, plainHooks(1))).rejects.toThrow(/command \(served\) failed \(served request 1\): refused, as asked/);
    const { output } = await meteredTrain(makeExternalRunner(servedSpec('train')), split, {}, 1, 'auto');
    expect(output.config.requests).toBe(2);
  }, 60_000);

  it('says the served process exited when it dies, and starts a fresh one for the next repeat', async () => {
    const before = (await meteredTrain(makeExternalRunner(servedSpec('train')), split, {}, 1, 'auto')).output.config.pid;
    await expect(makeExternalRunner(servedSpec('die')).train(split, {}, plainHooks(1))).rejects.toThrow(/command \(served\) served process exited \(status 3\)/);
    const after = (await meteredTrain(makeExternalRunner(servedSpec('train')), split, {}, 1, 'auto')).output;
    expect(after.config.pid).not.toBe(before);
    expect(after.config.requests).toBe(1);
  }, 60_000);

  it('started before the first cell (a ping), the same process answers the first request, which is request 1', async () => {
    await closeServedRunners();
    const spec = servedSpec('train');
    await startServedRunners([spec], 1);
    const first = await meteredTrain(makeExternalRunner(spec), split, {}, 1, 'auto');
    expect(first.output.metrics.servedRequest).toBe(1);
    expect(first.output.config.requests).toBe(1);
    await closeServedRunners();
    // a server that cannot start is left to the first request, which says why
    const broken: ExternalSpec = { ...spec, served: { start: '/nonexistent/trainer', args: '{split} train' } };
    await startServedRunners([broken], 1);
    await expect(makeExternalRunner(broken).train(split, {}, plainHooks(1))).rejects.toThrow(/command \(served\) served process/);
  }, 60_000);

  it('the PyTorch CNN peer, served, trains exactly as one process per repeat does', async (ctx) => {
    if (!findPython('torch')) ctx.skip();
    const spec = peerSpecs('torch').find((s) => s.name === 'torch')!;
    const oneShot = await meteredTrain(makeExternalRunner({ ...spec, served: undefined }), split, { epochs: 1 }, 3, 'auto');
    const served = makeExternalRunner(spec);
    await meteredTrain(served, split, { epochs: 1 }, 4, 'auto');
    const again = await meteredTrain(served, split, { epochs: 1 }, 3, 'auto');
    expect(again.output.metrics.servedRequest).toBe(2);
    expect(again.output.metric.value).toBe(oneShot.output.metric.value);
    expect(again.output.curve.map((p) => p.metric)).toEqual(oneShot.output.curve.map((p) => p.metric));
  }, 120_000);
});
