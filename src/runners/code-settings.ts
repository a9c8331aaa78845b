import { z } from 'zod';

/**
 * The settings a sparse-coding runner (dictionary, sparse-detector) takes by name: its
 * dictionary's atoms and the LASSO penalty of its codes, the space a sweep tunes them over
 * (--set dictionary.atoms=32,64 --set sparse-detector.alpha=0.05,0.1). Unset: the tuned defaults.
 */
export const CODE_SETTINGS = z
  .object({
    atoms: z.number().int().min(2).max(1024).optional(),
    alpha: z.number().positive().finite().optional(),
  })
  .strict();
