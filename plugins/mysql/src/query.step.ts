import { z } from 'zod';
import { defineStep, secret } from '../../sdk/src/index.js';
import { CONNECTION_URL, withConnection } from './connect.js';
import { encode } from './sql.js';

export const queryStep = defineStep({
  id: 'query',
  title: 'Run a SQL query',
  description:
    'Runs one statement with ? parameters (bound by the server) and outputs its rows, at most `maxRows` (`truncated` says whether there were more), or for INSERT, UPDATE and DELETE the rows affected. Pass the connection as a secret: `connection: ${{ secrets.MYSQL_URL }}`.',
  input: z.strictObject({
    connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be a mysql:// or mariadb:// URL' })),
    sql: z.string().min(1).max(100_000),
    params: z.array(z.json()).max(10_000).default([]),
    maxRows: z.number().int().min(0).max(100_000).default(10_000),
  }),
  output: z.strictObject({
    rows: z.array(z.record(z.string(), z.json())),
    rowCount: z.number().int(),
    fields: z.array(z.string()),
    truncated: z.boolean(),
    affectedRows: z.number().int().optional(),
    insertId: z.union([z.number().int(), z.string()]).optional(),
  }),
  async run({ connection, sql, params, maxRows }, ctx) {
    return withConnection(connection, ctx, async (session) => {
      const result = await session.run(sql, params.map(encode), maxRows);
      const { header } = result;
      const rowCount = result.fields.length || !header ? result.rowsSeen : header.affectedRows;
      const truncated = result.rowsSeen > result.rows.length;
      ctx.log(`${rowCount} row(s)${truncated ? `, the first ${maxRows} kept` : ''}`);
      return {
        rows: JSON.parse(JSON.stringify(result.rows)),
        rowCount,
        fields: result.fields,
        truncated,
        ...(header && !result.fields.length && { affectedRows: header.affectedRows }),
        ...(header && Number(header.insertId) > 0 && { insertId: header.insertId }),
      };
    });
  },
});
