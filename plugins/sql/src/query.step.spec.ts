import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { queryStep } from './query.step.js';

const artifacts = {
  'in/orders.csv': 'id,customer,amount\n1,c1,2.5\n2,c2,4\n3,c1,1.5\n',
  'in/customers.ndjson': '{"id":"c1","name":"Ada"}\n{"id":"c2","name":"Grace"}\n',
};
const tables = {
  orders: { artifact: 'in/orders.csv', format: 'csv' },
  customers: 'in/customers.ndjson',
};
const sql =
  'SELECT c.name, sum(o.amount) AS total, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer GROUP BY ALL ORDER BY 1';

describe('sql/query', () => {
  it('joins datasets by name and hands the result on as Parquet, with schema, preview and lineage', async () => {
    const result = await runStepForTest(queryStep, { sql, tables }, { artifacts, runId: 'r1', scratch: true });
    expect(result).toMatchObject({
      ok: true,
      outputs: {
        artifact: expect.stringMatching(/^runs\/r1\/.+\/result\.parquet$/),
        format: 'parquet',
        rows: 2,
        contentType: 'application/vnd.apache.parquet',
        schema: [
          { name: 'name', type: 'VARCHAR' },
          { name: 'total', type: 'DOUBLE' },
          { name: 'n', type: 'BIGINT' },
        ],
        preview: [
          { name: 'Ada', total: 4, n: '2' },
          { name: 'Grace', total: 4, n: '1' },
        ],
      },
    });
    const artifact = result.ok ? (result.outputs.artifact as string) : '';
    expect(result.artifacts[artifact].subarray(0, 4).toString()).toBe('PAR1');
    expect(result.lineage.map((entry) => [entry.direction, entry.name])).toEqual([
      ['input', 'in/orders.csv'],
      ['input', 'in/customers.ndjson'],
      ['output', artifact],
    ]);
  });

  it('writes CSV or NDJSON at a path when asked, the format from the extension', async () => {
    const csv = await runStepForTest(queryStep, { sql, tables, path: 'out/totals.csv' }, { artifacts, scratch: true });
    expect(csv).toMatchObject({ ok: true, outputs: { artifact: 'out/totals.csv', format: 'csv', contentType: 'text/csv; charset=utf-8' } });
    expect(csv.artifacts['out/totals.csv'].toString()).toBe('name,total,n\nAda,4.0,2\nGrace,4.0,1\n');
    const ndjson = await runStepForTest(
      queryStep,
      { sql, tables, path: 'out/totals.data', format: 'ndjson' },
      { artifacts, scratch: true },
    );
    expect(ndjson.artifacts['out/totals.data'].toString()).toBe('{"name":"Ada","total":4.0,"n":2}\n{"name":"Grace","total":4.0,"n":1}\n');
  });

  it('fails for good on SQL that is not one query, that DuckDB refuses, or that reaches outside', async () => {
    const run = (input: Record<string, unknown>) => runStepForTest(queryStep, { tables, ...input }, { artifacts, scratch: true });
    expect(await run({ sql: 'DROP TABLE orders' })).toMatchObject({ ok: false, error: { stepCode: 'not_a_query', retryable: false } });
    expect(await run({ sql: 'SELECT 1; SELECT 2' })).toMatchObject({ ok: false, error: { stepCode: 'not_a_query' } });
    expect(await run({ sql: 'SELECT nope FROM orders' })).toMatchObject({
      ok: false,
      error: { stepCode: 'sql_error', retryable: false, message: expect.stringContaining('Binder Error') },
    });
    expect(await run({ sql: "FROM read_text('/etc/passwd')" })).toMatchObject({ ok: false, error: { stepCode: 'sql_denied' } });
    expect(await run({ sql: 'SELECT 1', tables: { 'bad-name': 'x' } })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await run({ sql: 'SELECT 1', tables: { t: 'missing.parquet' } })).toMatchObject({
      ok: false,
      error: { message: 'no artifact missing.parquet' },
    });
  });

  it('ends cancelled when the step is cancelled mid-query', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const result = await runStepForTest(
      queryStep,
      { sql: 'SELECT count(*) FROM range(1000000000) a, range(1000000000) b' },
      { signal: abort.signal, scratch: true },
    );
    expect(result).toMatchObject({ ok: false, error: { stepCode: 'cancelled' } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
