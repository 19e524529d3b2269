import { z } from 'zod';
import { datasetInputSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { CONTENT_TYPES, formatOf, FORMATS, serializeRows } from './formats.js';

export const writeStep = defineStep({
  id: 'write',
  title: 'Write rows as a CSV, JSON or NDJSON file in the artifact store',
  description: 'Takes rows inline or a dataset reference and writes them under `path`, replacing what was there.',
  input: z
    .object({
      path: z.string().min(1).describe('Artifact key, e.g. `exports/daily.csv`'),
      format: z.enum(FORMATS).optional().describe('Default: from the extension'),
      rows: z.array(z.unknown()).optional(),
      dataset: datasetInputSchema.optional(),
      delimiter: z.string().length(1).default(','),
    })
    .refine((input) => (input.rows === undefined) !== (input.dataset === undefined), {
      message: 'give exactly one of `rows` and `dataset`',
    }),
  output: z.object({
    artifact: z.string(),
    format: z.enum(FORMATS),
    rows: z.number(),
    bytes: z.number(),
    sha256: z.string(),
    contentType: z.string(),
  }),
  async run({ path, format, rows, dataset, delimiter }, ctx) {
    const chosen = format ?? formatOf(path);
    if (!chosen)
      throw new StepError(`cannot tell the format of ${path}: give \`format\` (${FORMATS.join(', ')})`, {
        retryable: false,
        code: 'unknown_format',
      });
    const data = rows ?? (await ctx.artifacts.readDataset(dataset!.artifact));
    if (dataset) ctx.lineage.input(dataset.artifact);
    const ref = await ctx.artifacts.put(path, serializeRows(data, chosen, { delimiter, cast: false }), {
      contentType: CONTENT_TYPES[chosen],
    });
    ctx.log('wrote', { path, format: chosen, rows: data.length, bytes: ref.bytes });
    ctx.lineage.output(path);
    return { ...ref, format: chosen, rows: data.length };
  },
});
