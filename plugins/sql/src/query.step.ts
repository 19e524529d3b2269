import { z } from 'zod';
import { defineStep } from '../../sdk/src/index.js';
import { CONTENT_TYPES, EXTENSION_OF, RESULT_FORMATS, resultFormat, resultRefSchema, tablesSchema } from './datasets.js';
import { SqlEngine } from './engine.js';
import { DEFAULT_MEMORY_LIMIT_MB, withEngine } from './run-sql.js';

export const memoryLimitSchema = z
  .number()
  .int()
  .min(64)
  .max(16_384)
  .default(DEFAULT_MEMORY_LIMIT_MB)
  .describe('What DuckDB may hold in memory, in MB; past it, it spills to the scratch folder or fails with out_of_memory');

export const previewSchema = z.array(z.record(z.string(), z.unknown()));

export const queryStep = defineStep({
  id: 'query',
  title: 'Run a DuckDB SQL query over datasets',
  description:
    'Runs one query (SELECT, WITH, VALUES, FROM …) with DuckDB over the input datasets, each a table named by its key in `tables`, and writes the result as a dataset (Parquet by default). Outputs its reference, its columns with their DuckDB types, and its first rows as `preview`.',
  input: z.strictObject({
    sql: z.string().min(1).max(100_000),
    tables: tablesSchema,
    format: z.enum(RESULT_FORMATS).optional().describe('Of the result: parquet (default, or from the path), ndjson or csv'),
    path: z.string().min(1).optional().describe('Artifact key of the result; default a key of the step’s own'),
    memoryLimitMb: memoryLimitSchema,
  }),
  output: resultRefSchema.extend({ preview: previewSchema }),
  async run({ sql, tables, format, path, memoryLimitMb }, ctx) {
    const chosen = resultFormat(format, path);
    const key = path ?? ctx.artifacts.ownKey(`result.${EXTENSION_OF[chosen]}`);
    const written = await withEngine(ctx, tables, memoryLimitMb, async (engine) => {
      await engine.checkQuery(sql);
      return engine.writeResult(SqlEngine.relationOf(sql), chosen);
    });
    const ref = await ctx.artifacts.put(key, written.bytes, { contentType: CONTENT_TYPES[chosen] });
    ctx.lineage.output(key);
    ctx.log('query', { rows: written.rows, format: chosen, bytes: ref.bytes });
    ctx.metric('rows_written', written.rows);
    return { ...ref, format: chosen, rows: written.rows, schema: written.schema, preview: written.preview };
  },
});
