import { z } from 'zod';
import { datasetRefSchema, defineStep } from '../../sdk/src/index.js';
import { FORMATS } from './formats.js';
import { columnSchema } from './parquet.js';
import { chooseFormat, readRows } from './rows.js';

export const readStep = defineStep({
  id: 'read',
  title: 'Read a CSV, JSON, NDJSON or Parquet file from the artifact store',
  description:
    'Parses a file into rows. By default the rows are handed on as a dataset reference (NDJSON in the artifact store); `as: rows` puts them in the outputs, for small files. A Parquet file’s columns and types come along as `schema`.',
  input: z.object({
    path: z.string().min(1).describe('Artifact key, e.g. `imports/orders.csv`'),
    format: z.enum(FORMATS).optional().describe('Default: from the extension'),
    delimiter: z.string().length(1).default(','),
    cast: z.boolean().default(false).describe('CSV: turn numeric and boolean cells into numbers and booleans'),
    as: z.enum(['dataset', 'rows']).default('dataset'),
  }),
  output: z.object({
    count: z.number(),
    dataset: datasetRefSchema.extend({ schema: z.array(columnSchema).optional() }).optional(),
    rows: z.array(z.unknown()).optional(),
    schema: z.array(columnSchema).optional(),
  }),
  async run({ path, format, delimiter, cast, as }, ctx) {
    const chosen = chooseFormat(format, path);
    const { rows, schema } = await readRows(ctx, path, chosen, { delimiter, cast });
    ctx.lineage.input(path);
    ctx.log('read', { path, format: chosen, rows: rows.length });
    if (as === 'rows') return { count: rows.length, rows, ...(schema && { schema }) };
    const dataset = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('rows.ndjson'), rows);
    ctx.lineage.output(dataset);
    return { count: rows.length, dataset: { ...dataset, ...(schema && { schema }) }, ...(schema && { schema }) };
  },
});
