import { z } from 'zod';
import { defineStep, StepError } from '../../sdk/src/index.js';
import { CONTENT_TYPES, EXTENSION_OF, RESULT_FORMATS, resultRefSchema, TABLE_NAME, tablesSchema, type ResultFormat } from './datasets.js';
import { quoteIdentifier, SqlEngine } from './engine.js';
import { memoryLimitSchema } from './query.step.js';
import { bindIfStored, withEngine } from './run-sql.js';

/** The table the existing model is read as in an incremental run, as in dbt. */
export const THIS = 'this';

const keyColumn = z.string().regex(TABLE_NAME, { error: 'Key columns are SQL identifiers: letters, digits and _' });

export const modelStep = defineStep({
  id: 'model',
  title: 'Materialise a named SQL model',
  description:
    'Keeps the result of a DuckDB query as the tenant’s model `name` (artifact `models/<name>.<format>`). `materialized: table` replaces it; `incremental` reads the existing model as the table `this` and merges the new rows into it by `uniqueKey` (a new row replaces the old one with the same key, other rows are kept; without a key, rows are appended).',
  input: z.strictObject({
    name: z.string().regex(TABLE_NAME, { error: 'Model names are letters, digits and _, not first a digit' }),
    sql: z.string().min(1).max(100_000),
    tables: tablesSchema,
    materialized: z.enum(['table', 'incremental']).default('table'),
    uniqueKey: z.union([keyColumn, z.array(keyColumn).min(1).max(16)]).optional(),
    format: z.enum(RESULT_FORMATS).default('parquet'),
    memoryLimitMb: memoryLimitSchema,
  }),
  output: resultRefSchema.extend({
    rowsInserted: z.number().int(),
    rowsUpdated: z.number().int(),
    rowsTotal: z.number().int(),
  }),
  async run({ name, sql, tables, materialized, uniqueKey, format, memoryLimitMb }, ctx) {
    if (Object.keys(tables).some((table) => table.toLowerCase() === THIS))
      throw new StepError('`this` names the existing model: call the input table something else', {
        retryable: false,
        code: 'invalid_input',
      });
    const key = modelKey(name, format);
    const keyColumns = uniqueKey === undefined ? [] : [uniqueKey].flat();
    const result = await withEngine(ctx, tables, memoryLimitMb, async (engine) => {
      const existing = materialized === 'incremental' && (await bindIfStored(engine, ctx, THIS, key));
      const columns = await engine.checkQuery(sql);
      const missing = keyColumns.filter((column) => !columns.some((c) => c.name === column));
      if (missing.length)
        throw new StepError(`The query returns no column ${missing.join(', ')} of the uniqueKey`, {
          retryable: false,
          code: 'invalid_key',
        });
      if (materialized === 'table') {
        const written = await engine.writeResult(SqlEngine.relationOf(sql), format);
        return { written, inserted: written.rows, updated: 0 };
      }
      const merge = await mergeIncremental(engine, sql, keyColumns, existing);
      return { written: await engine.writeResult(merge.relation, format), inserted: merge.inserted, updated: merge.updated };
    });
    const { written, inserted, updated } = result;
    const ref = await ctx.artifacts.put(key, written.bytes, { contentType: CONTENT_TYPES[format] });
    ctx.lineage.output(key);
    ctx.log('model', { name, materialized, inserted, updated, total: written.rows });
    return {
      ...ref,
      format,
      rows: written.rows,
      schema: written.schema,
      rowsInserted: inserted,
      rowsUpdated: updated,
      rowsTotal: written.rows,
    };
  },
});

/** Where the tenant's model `name` lives in its artifact store, whichever run writes it. */
export const modelKey = (name: string, format: ResultFormat) => `models/${name}.${EXTENSION_OF[format]}`;

/**
 * The new rows merged into `this` by key: the old rows whose key no new row has, then every new
 * row (by column name, so a column the model gains is NULL in older rows). Without a key, the new
 * rows are appended. A key twice among the new rows is refused: which one should win is the
 * query's to say.
 */
export async function mergeIncremental(
  engine: SqlEngine,
  sql: string,
  keyColumns: string[],
  existing: boolean,
): Promise<{ relation: string; inserted: number; updated: number }> {
  const fresh = await engine.materialise('new_rows', SqlEngine.relationOf(sql));
  const neu = 'baton.new_rows';
  if (keyColumns.length) {
    const keys = keyColumns.map(quoteIdentifier).join(', ');
    const [duplicate] = await engine.rows(`SELECT ${keys}, count(*) AS n FROM ${neu} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
    if (duplicate)
      throw new StepError(
        `The new rows hold ${keyColumns.map((column) => `${column} = ${String(duplicate[column])}`).join(', ')} ${String(duplicate.n)} times: give each key one row`,
        { retryable: false, code: 'duplicate_key' },
      );
  }
  if (!existing) return { relation: neu, inserted: fresh, updated: 0 };
  const self = quoteIdentifier(THIS);
  if (!keyColumns.length) return { relation: `(FROM ${self} UNION ALL BY NAME FROM ${neu})`, inserted: fresh, updated: 0 };
  const same = keyColumns
    .map((column) => `old.${quoteIdentifier(column)} IS NOT DISTINCT FROM neu.${quoteIdentifier(column)}`)
    .join(' AND ');
  const updated = await engine.count(`(SELECT 1 FROM ${neu} AS neu SEMI JOIN ${self} AS old ON ${same})`);
  return {
    relation: `(SELECT old.* FROM ${self} AS old ANTI JOIN ${neu} AS neu ON ${same} UNION ALL BY NAME FROM ${neu})`,
    inserted: fresh - updated,
    updated,
  };
}
