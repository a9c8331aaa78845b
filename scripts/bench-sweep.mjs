#!/usr/bin/env node
// npm run bench:sweep: where does the claim hold on this machine? Six sweeps into results/,
// each one journaled (a killed sweep goes on with the same command plus --resume):
//   1. MNIST training-set size, LASSO against the fastest deep-learning runner (PyTorch when installed);
//   2. defects, defect-free training images per texture (5, 10, 20, 50), the sparse detector against the autoencoders;
//   3.-6. cost to a tuned model: on MNIST LASSO over its penalty and the PyTorch CNN over learning rate x batch
//      size; on defects the sparse detector over atoms x penalty and the PyTorch autoencoder over learning rate x
//      batch size; the same budget of trials per family (8), scored on the validation images.
// Extra arguments go to every sweep (e.g. --results-dir DIR, --no-sensors).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const extra = process.argv.slice(2);
const sweeps = [
  ['mnist training-set size', ['--suite', 'default', '--dataset', 'mnist', '--runner', 'lasso', '--train-size', '50,100,200,500,1000,2000,8000', '--repeats', '5']],
  ['defects good images per texture', ['--suite', 'default', '--dataset', 'defects', '--runner', 'sparse-detector', '--train-size', '15,30,60,150', '--repeats', '5']],
  ['mnist LASSO tuning', ['--suite', 'default', '--dataset', 'mnist', '--runner', 'lasso', '--peer', 'none', '--set', 'lasso.alpha=1e-4,3e-4,1e-3,3e-3', '--repeats', '2']],
  ['mnist PyTorch CNN tuning', ['--suite', 'default', '--dataset', 'mnist', '--runner', 'torch', '--peer', 'torch', '--set', 'torch.learningRate=3e-3,1e-2', '--set', 'torch.batchSize=32,64', '--repeats', '2']],
  ['defects sparse detector tuning', ['--suite', 'default', '--dataset', 'defects', '--runner', 'sparse-detector', '--peer', 'none', '--set', 'sparse-detector.atoms=16,32', '--set', 'sparse-detector.alpha=0.05,0.1', '--repeats', '2']],
  ['defects PyTorch autoencoder tuning', ['--suite', 'default', '--dataset', 'defects', '--runner', 'torch-autoencoder', '--peer', 'torch', '--set', 'torch-autoencoder.learningRate=3e-3,1e-2', '--set', 'torch-autoencoder.batchSize=10,20', '--repeats', '2']],
];
const started = Date.now();
for (const [what, args] of sweeps) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, 'sweep', ...args, ...extra], { stdio: 'inherit' });
  process.stderr.write(`bench:sweep: ${what}: ${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${r.status}\n`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
process.stderr.write(`bench:sweep: all six sweeps in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
