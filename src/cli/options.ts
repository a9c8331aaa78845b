import { SingleBar, Presets } from 'cli-progress';
import { datasetNames } from '../datasets/registry.js';
import { isSourceUri, SOURCE_SCHEMES, withSourceOption } from '../datasets/sources.js';
import { UsageError } from '../errors.js';
import { shardFromEnv } from '../suite/shard.js';
import { INTENSITY_PRESETS, parseIntensity, type Conversion } from '../meter/carbon.js';
import { availableParallelism } from 'node:os';

/**
 * What the commands share: flag parsers that name their flag in every error (exit 2), and
 * the option groups several commands declare (your own sources, energy conversion).
 */
export const DEFAULT_SEED = 42;

export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got "${value}"`);
    const n = Number(value);
    // the value as typed: a double would round 99999999999999999999 to 100000000000000000000
    if (n < min && max === Number.MAX_SAFE_INTEGER) throw new UsageError(`${flag} must be >= ${min}, got ${value.trim()}`);
    if (n < min || n > max || !Number.isSafeInteger(n)) throw new UsageError(`${flag} must be an integer in [${min}, ${max}], got ${value.trim()}`);
    return n;
  };
}

/** Seeds are 32-bit (the generators' state). */
export const seedOption = (flag = '--seed') => integer(flag, 0, 0xffffffff);

export function real(flag: string, test: (x: number) => boolean, expected: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || !test(x)) throw new UsageError(`${flag} must be ${expected}, got "${value}"`);
    return x;
  };
}

export const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
/**
 * --dataset's comma-separated list: a source's path may hold a comma (npy:X.npy,y.npy), so a
 * part joins the source before it unless it starts a source of its own or names a built-in dataset.
 */
export const datasetList = (value: string): string[] => {
  const items: string[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const last = items[items.length - 1];
    if (last !== undefined && isSourceUri(last) && !isSourceUri(part) && !datasetNames().includes(part)) items[items.length - 1] = `${last},${part}`;
    else items.push(part);
  }
  return items;
};
export const LABEL_COLUMN = ['--label-column <name>', 'csv: sources: the column that holds the label (default: label); sets csv:FILE?label=NAME'] as const;
export const IMAGE_SIZE = ['--image-size <n>', 'folder: and mvtec: sources: the side images are resized to (default: 28 for folder:, 128 for mvtec:); sets DIR?size=N'] as const;
export const SKIP_BAD = ['--skip-bad', 'your own sources: leave out unreadable or malformed images, masks and rows, and list them in the record and the report (default: each is an error); sets ?skip-bad=1'] as const;
/**
 * The datasets with the source flags applied: --label-column, --image-size and --skip-bad write
 * the options of the sources they apply to; a flag that applies to none is an error.
 */
export function withSourceFlags<T extends string | string[] | undefined>(datasets: T, opts: { labelColumn?: string; imageSize?: string; skipBad?: boolean }): T {
  if (datasets === undefined) return datasets;
  let out: string[] = Array.isArray(datasets) ? [...datasets] : [datasets as string];
  for (const [value, flag, schemes, key] of [
    [opts.labelColumn, '--label-column', ['csv:'], 'label'],
    [opts.imageSize, '--image-size', ['folder:', 'mvtec:'], 'size'],
    [opts.skipBad ? '1' : undefined, '--skip-bad', SOURCE_SCHEMES.map((x) => `${x}:`), 'skip-bad'],
  ] as const) {
    if (value === undefined) continue;
    const applies = (d: string): boolean => schemes.some((x) => d.startsWith(x));
    if (!out.some(applies)) throw new UsageError(`${flag}: applies to ${schemes.join(' and ')} sources, not ${out.join(',')}`);
    out = out.map((d) => (applies(d) ? withSourceOption(d, key, value) : d));
  }
  return (Array.isArray(datasets) ? out : out[0]) as T;
}

/** Notices go to stderr so that stdout stays one JSON document under --json. */
export const note = (msg: string): void => void process.stderr.write(`sparsebench: ${msg}\n`);

export function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  return new SingleBar({ stream: process.stderr, format: '{bar} {percentage}% {label}', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
}


export function threadsSpec(value: string): number {
  if (value.trim() === 'auto') return availableParallelism();
  return integer('--threads', 1)(value);
}

/** --shard I/N, or env (a SLURM job array) / env/N (a Kubernetes Indexed Job of N completions): see suite/shard.ts. */
export function shardSpec(value: string): { index: number; count: number } {
  const v = value.trim();
  const env = /^env(?:\/(\d+))?$/.exec(v);
  if (env) return shardFromEnv(process.env, env[1] === undefined ? undefined : Number(env[1]));
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--shard must be I/N (e.g. 2/4), env (SLURM array) or env/N (Kubernetes Indexed Job), got "${value}"`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** --pue, --carbon and --usd-per-kwh as a Conversion. */
export function conversionFrom(opts: Record<string, unknown>): Conversion {
  const intensity = parseIntensity(String(opts.carbon));
  return { pue: opts.pue as number, gCo2ePerKwh: intensity.g, usdPerKwh: opts.usdPerKwh as number, intensitySource: intensity.source };
}

/** --pue, --carbon and --usd-per-kwh, the energy conversion `run` and `measure` share (conversionFrom reads them). */
export const PUE = ['--pue <p>', 'power usage effectiveness of the facility (Strubell et al.: 1.58)', real('--pue', (x) => x >= 1, '>= 1'), 1.58] as const;
export const CARBON = ['--carbon <g|preset>', `grid g CO2e/kWh, or one of ${Object.keys(INTENSITY_PRESETS).join(', ')}`, 'world'] as const;
export const USD_PER_KWH = ['--usd-per-kwh <c>', 'electricity price', real('--usd-per-kwh', (x) => x >= 0, '>= 0'), 0.15] as const;
