import { z } from 'zod';
import { defineStep, secret } from '../../sdk/src/index.js';
import { withConnection } from './connect.js';

export const queryStep = defineStep({
  id: 'query',
  title: 'Run a SQL query',
  description:
    'Runs one statement with $1, $2, … parameters and outputs its rows. Pass the connection as a secret: `connection: ${{ secrets.WAREHOUSE_URL }}`.',
  input: z.strictObject({
    connection: secret(z.string().regex(/^postgres(ql)?:\/\//, { error: 'Must be a postgres:// URL' })),
    sql: z.string().min(1).max(100_000),
    params: z.array(z.json()).max(10_000).default([]),
  }),
  output: z.strictObject({ rows: z.array(z.record(z.string(), z.json())), rowCount: z.number().int(), fields: z.array(z.string()) }),
  egress: ['*'],
  async run({ connection, sql, params }, ctx) {
    return withConnection(connection, ctx, async (client) => {
      const result = await client.query({
        text: sql,
        values: params.map((p) => (p !== null && typeof p === 'object' ? JSON.stringify(p) : p)),
      });
      ctx.log(`${result.command ?? 'query'}: ${result.rowCount ?? result.rows.length} row(s)`);
      return {
        rows: JSON.parse(JSON.stringify(result.rows)),
        rowCount: result.rowCount ?? result.rows.length,
        fields: (result.fields ?? []).map((f) => f.name),
      };
    });
  },
});
