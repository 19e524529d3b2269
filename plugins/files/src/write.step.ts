import { z } from 'zod';
import { datasetInputSchema, defineStep } from '../../sdk/src/index.js';
import { CONTENT_TYPES, FORMATS, serializeRows } from './formats.js';
import { columnSchema, writeParquet, type Column } from './parquet.js';
import { chooseFormat, readDatasetRows } from './rows.js';

export const writeStep = defineStep({
  id: 'write',
  title: 'Write rows as a CSV, JSON, NDJSON or Parquet file in the artifact store',
  description:
    'Takes rows inline or a dataset reference (NDJSON, or Parquet, CSV and JSON refs as files/write and sql/query hand on) and writes them under `path`, replacing what was there. A Parquet file’s ref carries its columns and types as `schema`.',
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
    schema: z.array(columnSchema).optional(),
  }),
  async run({ path, format, rows, dataset, delimiter }, ctx) {
    const chosen = chooseFormat(format, path);
    const data = rows ?? (await readDatasetRows(ctx, dataset!));
    if (dataset) ctx.lineage.input(dataset.artifact);
    let body: string | Uint8Array;
    let schema: Column[] | undefined;
    if (chosen === 'parquet') ({ bytes: body, schema } = writeParquet(data));
    else body = serializeRows(data, chosen, { delimiter, cast: false });
    const ref = await ctx.artifacts.put(path, body, { contentType: CONTENT_TYPES[chosen] });
    ctx.log('wrote', { path, format: chosen, rows: data.length, bytes: ref.bytes });
    ctx.lineage.output(path);
    return { ...ref, format: chosen, rows: data.length, ...(schema && { schema }) };
  },
});
