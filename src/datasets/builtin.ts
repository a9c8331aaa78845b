import { defectsDataset } from './defects.js';
import type { DatasetEntry } from './define.js';
import { fashionMnistDataset } from './fashion.js';
import { mnistDataset } from './mnist.js';
import { texturesDataset } from './textures.js';

/** The built-in datasets, one line each, in the order `datasets list` shows them. */
export const BUILTIN_DATASETS: readonly DatasetEntry[] = [
  mnistDataset,
  fashionMnistDataset,
  defectsDataset,
  texturesDataset,
];
