import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { parameterError } from '../errors.js';
import { DEFAULT_AUTOENCODER } from '../deep/autoencoder-config.js';
import { shellQuote, type ExternalSpec } from './external.js';

/** A script in the package's bench/peers/. */
export function peerScript(file: string): string {
  return join(packageRoot(), 'bench', 'peers', file);
}

/** A Python that imports `module`: SPARSEBENCH_PYTHON, else python3, else Debian's. */
export function findPython(module: string): string | undefined {
  const candidates = [process.env.SPARSEBENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);
}

export const PEERS = ['torch'] as const;

/** Where the PyTorch peers train (--device): auto = CUDA when PyTorch sees a device, else the CPU. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];

/** --device cuda must find a CUDA device before anything trains (a clear error, not a failed cell per repeat). */
export function checkDevice(python: string, device: Device): void {
  if (device !== 'cuda') return;
  const r = spawnSync(python, ['-c', 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)'], { stdio: 'ignore' });
  if (r.status !== 0) throw parameterError('device', ` cuda: PyTorch (${python}) sees no CUDA device here (torch.cuda.is_available() is False); use --device cpu or auto`);
}
export type PeerName = (typeof PEERS)[number];

/**
 * Built-in peers, as external runners: the default CNN in PyTorch for classification, and
 * the detectors' autoencoder in PyTorch (`torch-autoencoder`) for detection, on `device`
 * (each records the device it used, and on CUDA its name, CUDA and driver versions).
 */
export function peerSpecs(name: string, cnnArgs = '', device: Device = 'auto'): ExternalSpec[] {
  if (name !== 'torch') throw parameterError('peer', `: unknown peer "${name}" (known: ${PEERS.join(', ')})`);
  const script = peerScript('torch_cnn.py');
  if (!existsSync(script)) throw parameterError('peer', ` torch: ${script} is missing`);
  const python = findPython('torch');
  if (!python) throw parameterError('peer', ' torch: no Python with PyTorch found (apt-get install python3-torch, or set SPARSEBENCH_PYTHON)');
  checkDevice(python, device);
  return peerSpecsWith(python, cnnArgs, device);
}

/**
 * The peers' names, families and tasks, with no Python looked for (which imports torch, about
 * 1.5 s): what planning needs to check --runner and --dataset before that cost is paid.
 */
export function peerPlan(name: string): ExternalSpec[] {
  if (name !== 'torch') throw parameterError('peer', `: unknown peer "${name}" (known: ${PEERS.join(', ')})`);
  return peerSpecsWith('python3', '', 'auto').map(({ name: runner, family, task, options }) => ({ name: runner, family, task, ...(options ? { options } : {}), command: `${name} peer (not yet looked for)` }));
}

function peerSpecsWith(python: string, cnnArgs: string, device: Device): ExternalSpec[] {
  // served (served.py): Python importing torch takes ~1.5 s here, twice a repeat's training
  const peer = (file: string, args: string): Pick<ExternalSpec, 'command' | 'served'> => {
    const start = `${shellQuote(python)} ${shellQuote(peerScript(file))}`;
    return { command: `${start} ${args}`, served: { start: `${start} --serve`, args } };
  };
  const common = `{split} --epochs {epochs} --seed {seed} --threads {threads} --device ${device}`;
  return [
    // its tuning space by name (a sweep's --set torch.learningRate=...): the learning rate and the batch size
    { name: 'torch', family: 'deep', options: { learningRate: '--lr', batchSize: '--batch' }, ...peer('torch_cnn.py', `${common}${cnnArgs ? ` ${cnnArgs}` : ''}`) },
    {
      name: 'torch-autoencoder',
      family: 'deep',
      task: 'detection',
      defaultEpochs: DEFAULT_AUTOENCODER.epochs,
      imageQuantile: DEFAULT_AUTOENCODER.imageQuantile,
      options: { learningRate: '--lr', batchSize: '--batch' },
      ...peer('torch_autoencoder.py', common),
    },
  ];
}
