import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parameterError, UsageError } from '../errors.js';
import { BUILTIN_DATASETS } from './builtin.js';
import { defineDataset, type DatasetEntry } from './define.js';
import { isSourceUri, parseSource, readSource, SOURCE_SCHEMES, stampOf } from './sources.js';
import { ownSplitSizes } from './split.js';
import { isDetection, type Dataset } from './types.js';

export type { DatasetEntry } from './define.js';

/** Datasets a plug-in added in this process (registerDataset), after the built-in ones. */
const added: DatasetEntry[] = [];
const registry = (): readonly DatasetEntry[] => [...BUILTIN_DATASETS, ...added];

/** Adds a dataset defined outside the package (a plug-in, a test): suites, run, report and export then take it by name. */
export function registerDataset(entry: DatasetEntry): void {
  const d = defineDataset(entry);
  if (registry().some((x) => x.name === d.name) || isSourceUri(d.name)) throw new UsageError(`registerDataset: a dataset named "${d.name}" exists already`);
  added.push(d);
}

/**
 * A dataset's split sizes with the user's overrides: its own validation size unless the
 * training size was changed (then the split's default, an eighth of it).
 */
export function splitSizes(e: DatasetEntry, over: { trainSize?: number; validationSize?: number; testSize?: number }): { trainSize: number; validationSize?: number; testSize: number } {
  const validationSize = over.validationSize ?? (over.trainSize === undefined ? e.validationSize : undefined);
  return { trainSize: over.trainSize ?? e.trainSize, ...(validationSize === undefined ? {} : { validationSize }), testSize: over.testSize ?? e.testSize };
}

const cache = new Map<string, Dataset>();

export function datasetNames(): string[] {
  return registry().map((d) => d.name);
}

/** Sources read in this process, by URI and by the name records give them. */
const sources = new Map<string, DatasetEntry>();

/**
 * A built-in dataset by name, or the user's own by source URI (sources.ts: npy:X.npy,y.npy,
 * csv:FILE, folder:DIR, mvtec:DIR) or by the name a source read in this process goes by (sourceName).
 */
export function datasetEntry(name: string): DatasetEntry {
  const entry = registry().find((d) => d.name === name) ?? sources.get(name) ?? (isSourceUri(name) ? sourceEntryOf(name) : undefined);
  if (!entry) throw parameterError('dataset', `: unknown dataset "${name}" (known: ${datasetNames().join(', ')}; or your own: ${SOURCE_SCHEMES.map((s) => `${s}:`).join(', ')})`);
  return entry;
}

/** A source's entry, its files read once per process (the count sets its default sizes). */
function sourceEntryOf(uri: string): DatasetEntry {
  let entry = sources.get(uri);
  if (!entry) {
    const { data, location, files, stamps } = readSource(uri);
    const n = data.y.length;
    const detection = isDetection(data);
    const what = detection
      ? `${n} ${data.height}x${data.width} images of ${data.detection.groupNames.length} categor${data.detection.groupNames.length === 1 ? 'y' : 'ies'}, defect kinds ${data.detection.kindNames.join(', ')}`
      : `${n} ${data.height}x${data.width} images in ${data.classes} classes`;
    entry = {
      name: sourceName(uri),
      description: `${uri}: ${what}, from ${location}`,
      task: detection ? 'detection' : 'classification',
      ...(detection ? ownSplitSizes(data) : classificationSizes(n, data.classes)),
      available: () => ({ ok: true, location }),
      load: () => data,
      // a user's files have no committed checksums: the check is that they are as they were read
      verify: () => files.flatMap((f, i) => (existsSync(f) && stampOf(f) === stamps[i] ? [] : [`${f} changed or went since it was read`])),
    };
    if (registry().some((d) => d.name === entry?.name)) throw parameterError('dataset', ` ${uri}: its name ${entry.name} is a built-in dataset's; rename the file`);
    sources.set(uri, entry);
    sources.set(entry.name, entry);
  }
  return entry;
}

/** A fifth to test, a tenth to validate, the rest to train; each at least one per class. */
function classificationSizes(n: number, classes: number): { trainSize: number; validationSize: number; testSize: number } {
  const testSize = Math.max(classes, Math.round(n / 5));
  const validationSize = Math.max(classes, Math.round(n / 10));
  return { trainSize: n - testSize - validationSize, validationSize, testSize };
}

/**
 * The name a source goes by in records, tables and plot files (which take letters, digits,
 * ".", "_" and "-"): its scheme and its (first) file's name, e.g. npy-X for npy:data/X.npy,y.npy.
 * The URI itself stays in the record's argv and the dataset's description.
 */
export function sourceName(uri: string): string {
  const scheme = uri.slice(0, uri.indexOf(':'));
  const file = basename(parseSource(uri).path.split(',')[0]).replace(/\.[^.]*$/, '');
  return `${scheme}-${file.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 64);
}

/** Loads a dataset once per process; runners then share the same arrays. */
export function loadDataset(name: string): Dataset {
  let data = cache.get(name);
  if (!data) {
    data = datasetEntry(name).load();
    cache.set(name, data);
  }
  return data;
}
