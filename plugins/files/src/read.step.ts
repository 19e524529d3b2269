import { z } from 'zod';
import { datasetRefSchema, defineStep, StepError } from '../../sdk/src/index.js';
import { formatOf, FORMATS, parseRows } from './formats.js';

export const readStep = defineStep({
  id: 'read',
  title: 'Read a CSV, JSON or NDJSON file from the artifact store',
  description:
    'Parses a file into rows. By default the rows are handed on as a dataset reference (NDJSON in the artifact store); `as: rows` puts them in the outputs, for small files.',
  input: z.object({
    path: z.string().min(1).describe('Artifact key, e.g. `imports/orders.csv`'),
    format: z.enum(FORMATS).optional().describe('Default: from the extension'),
    delimiter: z.string().length(1).default(','),
    cast: z.boolean().default(false).describe('CSV: turn numeric and boolean cells into numbers and booleans'),
    as: z.enum(['dataset', 'rows']).default('dataset'),
  }),
  output: z.object({ count: z.number(), dataset: datasetRefSchema.optional(), rows: z.array(z.unknown()).optional() }),
  async run({ path, format, delimiter, cast, as }, ctx) {
    const chosen = format ?? formatOf(path);
    if (!chosen)
      throw new StepError(`cannot tell the format of ${path}: give \`format\` (${FORMATS.join(', ')})`, {
        retryable: false,
        code: 'unknown_format',
      });
    const rows = parseRows((await ctx.artifacts.get(path)).toString('utf8'), chosen, { delimiter, cast }, path);
    ctx.lineage.input(path);
    ctx.log('read', { path, format: chosen, rows: rows.length });
    if (as === 'rows') return { count: rows.length, rows };
    const dataset = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('rows.ndjson'), rows);
    ctx.lineage.output(dataset);
    return { count: rows.length, dataset };
  },
});
