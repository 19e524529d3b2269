import { z } from 'zod';
import { defineStep, secret, StepError } from '../../sdk/src/index.js';
import { withConnection } from './connect.js';
import { COLUMN_PATTERN, columnsOf, insertStatement, MAX_PARAMETERS, TABLE_PATTERN } from './sql.js';

export const loadStep = defineStep({
  id: 'load',
  title: 'Load rows into a table',
  description:
    'Inserts rows (objects keyed by column) in batches, in one transaction: all rows or none. With mode upsert, rows whose `key` columns match an existing row update it.',
  input: z
    .strictObject({
      connection: secret(z.string().regex(/^postgres(ql)?:\/\//, { error: 'Must be a postgres:// URL' })),
      table: z.string().regex(TABLE_PATTERN, { error: 'Must be table or schema.table (letters, digits, _)' }),
      rows: z
        .array(z.record(z.string().regex(COLUMN_PATTERN, { error: 'Column names must be letters, digits and _' }), z.json()))
        .max(100_000),
      mode: z.enum(['insert', 'upsert']).default('insert'),
      key: z.array(z.string().regex(COLUMN_PATTERN)).min(1).optional(),
      batchSize: z.number().int().min(1).max(10_000).default(500),
    })
    .refine((input) => input.mode !== 'upsert' || input.key !== undefined, { message: 'An upsert needs the key columns', path: ['key'] }),
  output: z.strictObject({ rows: z.number().int(), batches: z.number().int() }),
  egress: ['*'],
  async run({ connection, table, rows, mode, key, batchSize }, ctx) {
    if (!rows.length) return { rows: 0, batches: 0 };
    const columns = columnsOf(rows);
    const missingKey = (key ?? []).filter((column) => !columns.includes(column));
    if (missingKey.length)
      throw new StepError(`The rows have no key column ${missingKey.join(', ')}`, { retryable: false, code: 'invalid_key' });
    const perBatch = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMETERS / columns.length)));
    return withConnection(connection, ctx, async (client) => {
      let batches = 0;
      await client.query('BEGIN');
      try {
        for (let start = 0; start < rows.length; start += perBatch) {
          await client.query(insertStatement(table, columns, rows.slice(start, start + perBatch), mode === 'upsert' ? key : undefined));
          batches++;
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      ctx.log(`${mode === 'upsert' ? 'Upserted' : 'Inserted'} ${rows.length} row(s) into ${table} in ${batches} batch(es)`);
      ctx.metric('rows_loaded', rows.length, { table });
      ctx.lineage.output(tableDataset(connection, table));
      return { rows: rows.length, batches };
    });
  },
});

/**
 * OpenLineage naming of a table: the server as namespace (never its credentials),
 * `database.schema.table` as name (`public` when the table names no schema).
 */
export function tableDataset(connection: string, table: string): { namespace: string; name: string } {
  const url = new URL(connection);
  return {
    namespace: `postgres://${url.hostname}:${url.port || 5432}`,
    name: `${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}.${table.includes('.') ? table : `public.${table}`}`,
  };
}
