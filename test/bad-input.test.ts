import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

/** Where tfjs-node installed (it downloads libtensorflow), --backend tensorflow is valid. */
function tfjsNodeLoads(): boolean {
  return spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { stdio: 'ignore' }).status === 0;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-bad-'));

describe('bad input: one-line error naming the flag or path, exit 2, nothing written', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['unknown dataset', (d) => ['run', '--dataset', 'imagenet', '--results-dir', d], /--dataset: unknown dataset "imagenet"/],
    ['unknown runner', (d) => ['run', '--runner', 'gpt', '--results-dir', d], /--runner: unknown runner "gpt"/],
    ['unknown backend', (d) => ['run', '--backend', 'webgpu', '--results-dir', d], /--backend: unknown backend "webgpu"/],
    ['epochs 0', (d) => ['run', '--epochs', '0', '--results-dir', d], /--epochs must be >= 1/],
    ['epochs not a number', (d) => ['run', '--epochs', 'three', '--results-dir', d], /--epochs must be an integer/],
    ['unknown suite', (d) => ['run', '--suite', 'huge', '--results-dir', d], /--suite/],
    ['results dir is a file', (d) => ['run', '--results-dir', join(d, 'file')], /--results-dir .*file: exists and is not a directory/],
    ['results dir under a file', (d) => ['run', '--results-dir', join(d, 'file', 'sub')], /--results-dir .*is not a directory/],
    ['unwritable results dir', () => ['run', '--results-dir', '/proc/sparsebench-results'], /--results-dir \/proc\/sparsebench-results: cannot create it/],
    ['export to unwritable dir', () => ['datasets', 'export', '--dataset', 'mnist', '--out', '/proc/sb-export'], /--out \/proc\/sb-export/],
    ['--device cuda without a peer', (d) => ['run', '--peer', 'none', '--device', 'cuda', '--results-dir', d], /--device cuda: only the PyTorch peers train on a GPU/],
    ['unknown --device', (d) => ['run', '--device', 'tpu', '--results-dir', d], /--device/],
    ['a runner setting its schema refuses', (d) => ['run', '--runner', 'lasso', '--set', 'lasso.alpha=-2', '--results-dir', d], /--set lasso\.alpha: /],
    ['a runner setting it does not take', (d) => ['run', '--runner', 'lasso', '--set', 'lasso.beta=2', '--results-dir', d], /--set lasso\.beta: Unrecognized key/],
    ['--set without runner.parameter=value', (d) => ['run', '--set', 'alpha', '--results-dir', d], /--set must be runner\.parameter=value/],
    ['--cnn-arch without the cnn', (d) => ['run', '--runner', 'lasso', '--cnn-arch', 'large', '--results-dir', d], /--cnn-arch: cnn is not a runner of this run \(lasso/],
    ['a training size larger than the dataset', (d) => ['run', '--runner', 'lasso', '--dataset', 'mnist', '--train-size', '30000', '--peer', 'none', '--results-dir', d], /--train-size\/--validation-size\/--test-size: mnist has 10000 images; train 30000 \+ validation 1000 \+ test 1000 = 32000 is too many/],
    // where PyTorch is missing, --peer torch is refused first, naming its own flag
    ['--device cuda on a machine PyTorch sees no CUDA device on', (d) => ['run', '--peer', 'torch', '--device', 'cuda', '--results-dir', d], /(--device cuda: PyTorch .* sees no CUDA device here|--peer torch: no Python with PyTorch)/],
  ];
  // a machine with a driver may well have CUDA: there --device cuda is not bad input
  const gpu = spawnSync('nvidia-smi', ['-L'], { stdio: 'ignore' }).status === 0;
  for (const [name, args, message] of cases) {
    it.skipIf(gpu && name.includes('sees no CUDA'))(name, () => {
      const dir = tmp();
      writeFileSync(join(dir, 'file'), 'not a directory');
      const r = cli(args(join(dir, 'results')).map((a) => a.replace(join(dir, 'results', 'file'), join(dir, 'file'))));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('sparsebench: error')).length).toBeLessThanOrEqual(1);
      expect(r.stdout).toBe('');
      expect(readdirSync(dir)).toEqual(['file']);
    });
  }

  it.skipIf(tfjsNodeLoads())('--backend tensorflow without tfjs-node says so and writes nothing', () => {
    const dir = tmp();
    const r = cli(['run', '--backend', 'tensorflow', '--results-dir', join(dir, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--backend tensorflow: unavailable \(@tensorflow\/tfjs-node is not installed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unknown option is a usage error too', () => {
    const r = cli(['run', '--epoch', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--epoch'/);
  });
});
