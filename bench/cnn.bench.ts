/**
 * `npm run bench:cnn`: the default CNN (or --arch large), 3 epochs on the 8,000-digit
 * training split, batch 64: TensorFlow.js milliseconds per step and seconds per epoch,
 * and PyTorch's on the same exported split when python3-torch is installed (or
 * SPARSEBENCH_PYTHON names a Python with torch), in interleaved rounds.
 * Options: --arch default|large, --epochs N (default 3), --rounds N (default 2), --backend B.
 */
import { loadMnist } from '../src/datasets/mnist.js';
import { stratifiedSplit } from '../src/datasets/split.js';
import { parseBackendChoice, selectBackend } from '../src/deep/backend.js';
import { cnnPeerArgs, type CnnArch } from '../src/deep/cnn.js';
import { median } from '../src/report/stats.js';
import { cnnRunner } from '../src/runners/cnn.js';
import { closeServedRunners, makeExternalRunner } from '../src/runners/external.js';
import { peerSpecs } from '../src/runners/peers.js';
import type { Runner } from '../src/runners/types.js';
import { meteredTrain } from '../src/suite/window.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const arch = flag('--arch', 'default') as CnnArch;
const epochs = Number(flag('--epochs', '3'));
const rounds = Number(flag('--rounds', '2'));
const backend = parseBackendChoice(flag('--backend', 'auto'));

const split = stratifiedSplit(loadMnist(), { trainSize: 8000, validationSize: 1000, testSize: 1000, seed: 42 });
const info = await selectBackend(backend);
const runners: Runner[] = [cnnRunner];
try {
  runners.push(makeExternalRunner(peerSpecs('torch', cnnPeerArgs(arch))[0]));
} catch (err) {
  console.log(`PyTorch not measured: ${(err as Error).message}`);
}

interface Figures {
  seconds: number;
  msPerStep: number;
  accuracy: number;
  engine: string;
}
const figures = new Map<string, Figures[]>();
const steps = epochs * Math.ceil(8000 / 64);
for (let r = 0; r < rounds; r++) {
  for (const runner of runners) {
    const { output, reading } = await meteredTrain(runner, split, { epochs, settings: { arch } }, 42, backend);
    const engine = output.backend ? `tfjs ${output.backend.name}` : String(output.config.framework);
    figures.set(runner.name, [...(figures.get(runner.name) ?? []), { seconds: reading.seconds, msPerStep: (1000 * reading.seconds) / steps, accuracy: output.metric.value, engine }]);
  }
}

await closeServedRunners();
console.log(`CNN (${arch}), ${epochs} epochs x ${steps / epochs} steps of 64 on 8,000 MNIST digits; tfjs backend ${info.name} (${info.reason}); ${rounds} interleaved rounds, medians`);
const tfjs = median(figures.get('cnn')!.map((f) => f.seconds));
for (const [name, fs] of figures) {
  const s = median(fs.map((f) => f.seconds));
  console.log(
    `${name.padEnd(6)} ${fs[0].engine.padEnd(22)} ${median(fs.map((f) => f.msPerStep)).toFixed(2).padStart(7)} ms/step  ${(s / epochs).toFixed(3)} s/epoch  ` +
      `${s.toFixed(2)} s total  accuracy ${fs[0].accuracy.toFixed(4)}  ${name === 'cnn' ? '' : `tfjs/${name} = ${(tfjs / s).toFixed(2)}x`}`,
  );
}
