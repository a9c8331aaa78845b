import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { UsageError } from '../errors.js';
import { DEFAULT_AUTOENCODER } from '../deep/autoencoder.js';
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
export type PeerName = (typeof PEERS)[number];

/**
 * Built-in peers, as external runners: the default CNN in PyTorch for classification, and
 * the detectors' autoencoder in PyTorch (`torch-autoencoder`) for detection.
 */
export function peerSpecs(name: string, cnnArgs = ''): ExternalSpec[] {
  if (name !== 'torch') throw new UsageError(`--peer: unknown peer "${name}" (known: ${PEERS.join(', ')})`);
  const script = peerScript('torch_cnn.py');
  if (!existsSync(script)) throw new UsageError(`--peer torch: ${script} is missing`);
  const python = findPython('torch');
  if (!python) throw new UsageError('--peer torch: no Python with PyTorch found (apt-get install python3-torch, or set SPARSEBENCH_PYTHON)');
  return [
    { name: 'torch', family: 'deep', command: `${shellQuote(python)} ${shellQuote(script)} {split} --epochs {epochs} --seed {seed} --threads {threads}${cnnArgs ? ` ${cnnArgs}` : ''}` },
    {
      name: 'torch-autoencoder',
      family: 'deep',
      task: 'detection',
      defaultEpochs: DEFAULT_AUTOENCODER.epochs,
      command: `${shellQuote(python)} ${shellQuote(peerScript('torch_autoencoder.py'))} {split} --epochs {epochs} --seed {seed} --threads {threads}`,
    },
  ];
}
