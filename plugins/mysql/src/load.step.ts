import { z } from 'zod';
import { datasetInputSchema, defineStep, secret, StepError } from '../../sdk/src/index.js';
import { CONNECTION_URL, parseConnection, withConnection, type MysqlSession } from './connect.js';
import { batchEnds, COLUMN_PATTERN, columnsOf, insertStatement, TABLE_PATTERN } from './sql.js';

type Row = Record<string, unknown>;

export const loadStep = defineStep({
  id: 'load',
  title: 'Load rows into a table',
  description:
    'Inserts rows (objects keyed by column, inline or a dataset reference) in batches, in one transaction: all rows or none. With mode upsert, rows that collide with an existing row on the unique key made of the `key` columns update it (INSERT … ON DUPLICATE KEY UPDATE).',
  input: z
    .strictObject({
      connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be a mysql:// or mariadb:// URL' })),
      table: z.string().regex(TABLE_PATTERN, { error: 'Must be table or database.table (letters, digits, _)' }),
      rows: z
        .array(z.record(z.string().regex(COLUMN_PATTERN, { error: 'Column names must be letters, digits and _' }), z.json()))
        .max(100_000)
        .optional(),
      dataset: datasetInputSchema.optional(),
      mode: z.enum(['insert', 'upsert']).default('insert'),
      key: z.array(z.string().regex(COLUMN_PATTERN)).min(1).optional(),
      batchSize: z.number().int().min(1).max(10_000).default(500),
    })
    .refine((input) => (input.rows === undefined) !== (input.dataset === undefined), {
      message: 'Give exactly one of `rows` and `dataset`',
    })
    .refine((input) => input.mode !== 'upsert' || input.key !== undefined, { message: 'An upsert needs the key columns', path: ['key'] }),
  output: z.strictObject({ rows: z.number().int(), batches: z.number().int() }),
  async run({ connection, table, rows: inline, dataset, mode, key, batchSize }, ctx) {
    const target = parseConnection(connection);
    const rows = inline ?? datasetRows(await ctx.artifacts.readDataset(dataset!.artifact));
    if (dataset) ctx.lineage.input(dataset.artifact);
    if (!rows.length) return { rows: 0, batches: 0 };
    const columns = columnsOf(rows);
    const missingKey = (key ?? []).filter((column) => !columns.includes(column));
    if (missingKey.length)
      throw new StepError(`The rows have no key column ${missingKey.join(', ')}`, { retryable: false, code: 'invalid_key' });
    const upsertKey = mode === 'upsert' ? key : undefined;
    const ends = batchEnds(rows, columns, batchSize);
    await withConnection(connection, ctx, async (session) => {
      if (upsertKey) await checkUniqueKey(session, table, upsertKey);
      await session.run('START TRANSACTION');
      try {
        let start = 0;
        for (const end of ends) {
          const { sql, values } = insertStatement(table, columns, rows.slice(start, end), upsertKey);
          await session.run(sql, values);
          start = end;
        }
        await session.run('COMMIT');
      } catch (error) {
        await session.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    ctx.log(`${upsertKey ? 'Upserted' : 'Inserted'} ${rows.length} row(s) into ${table} in ${ends.length} batch(es)`);
    ctx.metric('rows_loaded', rows.length, { table });
    ctx.lineage.output(tableDataset(target.host, target.port, target.database, table));
    return { rows: rows.length, batches: ends.length };
  },
});

/** A dataset's rows, checked as the inline `rows` are: objects whose keys are column names. */
export function datasetRows(values: unknown[]): Row[] {
  values.forEach((row, index) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new StepError(`Dataset row ${index + 1} is not an object keyed by column`, { retryable: false, code: 'invalid_rows' });
    const bad = Object.keys(row).find((column) => !COLUMN_PATTERN.test(column));
    if (bad !== undefined)
      throw new StepError(
        `Dataset row ${index + 1} has the column ${JSON.stringify(bad.slice(0, 80))}: names must be letters, digits and _`,
        {
          retryable: false,
          code: 'invalid_rows',
        },
      );
  });
  return values as Row[];
}

/**
 * ON DUPLICATE KEY UPDATE fires on any unique key, and inserts duplicates when there is none: an
 * upsert therefore needs a primary or unique key made of exactly the `key` columns, as PostgreSQL's
 * ON CONFLICT does. A table that does not exist is left to the INSERT to report.
 */
async function checkUniqueKey(session: MysqlSession, table: string, key: string[]): Promise<void> {
  const [database, name] = table.includes('.') ? table.split('.') : [null, table];
  const { rows } = await session.run(
    `SELECT s.INDEX_NAME AS idx, s.COLUMN_NAME AS col FROM information_schema.TABLES t
      LEFT JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME AND s.NON_UNIQUE = 0
      WHERE t.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND t.TABLE_NAME = ?`,
    [database, name],
    10_000,
  );
  if (!rows.length) return;
  const indexes = new Map<string, Set<string>>();
  for (const { idx, col } of rows as Array<{ idx: string | null; col: string | null }>)
    if (idx !== null && col !== null) indexes.set(idx, (indexes.get(idx) ?? new Set()).add(col.toLowerCase()));
  const wanted = new Set(key.map((column) => column.toLowerCase()));
  const matches = [...indexes.values()].some((columns) => columns.size === wanted.size && [...wanted].every((c) => columns.has(c)));
  if (!matches)
    throw new StepError(`${table} has no primary or unique key on (${key.join(', ')}): an upsert needs one`, {
      retryable: false,
      code: 'invalid_key',
    });
}

/**
 * OpenLineage naming of a table: the server as namespace (never its credentials),
 * `database.table` as name (the connection's database when the table names none).
 */
export function tableDataset(host: string, port: number, database: string | undefined, table: string): { namespace: string; name: string } {
  return {
    namespace: `mysql://${host.includes(':') ? `[${host}]` : host}:${port}`,
    name: table.includes('.') || !database ? table : `${database}.${table}`,
  };
}
