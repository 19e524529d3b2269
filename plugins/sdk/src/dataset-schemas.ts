import { z } from 'zod';

/** The output schema of a dataset reference, for steps that hand one on. */
export const datasetRefSchema = z.object({
  artifact: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  contentType: z.string(),
  format: z.literal('ndjson'),
  rows: z.number(),
});

/** What a step accepts as a dataset: anything with the artifact key (extra fields are ignored). */
export const datasetInputSchema = z.object({ artifact: z.string().min(1) }).loose();
