import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allEvents, newPipeline, newTenant, runToEnd, savePipeline, startRun, stepOf, uniqueName, waitForRun } from './support/builders.js';

const orders = [
  { id: 1, customer: 'c1', qty: 2, price: 5, status: 'paid' },
  { id: 2, customer: 'c2', qty: 1, price: 7, status: 'open' },
  { id: 3, customer: 'c1', qty: 3, price: 1, status: 'paid' },
  { id: 4, customer: 'c3', qty: 1, price: 9.5, status: 'paid' },
];
const customers = [
  { id: 'c1', name: 'Ada', country: 'UK' },
  { id: 'c2', name: 'Grace', country: 'US' },
  { id: 'c3', name: 'Edsger', country: 'NL' },
];
const countries = [
  { code: 'UK', region: 'europe' },
  { code: 'NL', region: 'europe' },
  { code: 'US', region: 'americas' },
];

describe('sql transforms', () => {
  it('runs DuckDB SQL over CSV, NDJSON and Parquet datasets and hands the result on as Parquet that files/read reads', async () => {
    const tenant = await newTenant();
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('sql-report'), {
        orders: { uses: 'files/write@^1', with: { path: 'landing/orders.csv', rows: orders } },
        customers: { uses: 'files/write@^1', with: { path: 'landing/customers.ndjson', rows: customers } },
        countries: { uses: 'files/write@^1', with: { path: 'landing/countries.parquet', rows: countries } },
        revenue: {
          uses: 'sql/query@^1',
          needs: ['orders', 'customers', 'countries'],
          with: {
            sql: `SELECT k.region, count(*) AS orders, sum(o.qty * o.price) AS revenue
                  FROM orders o JOIN customers c ON c.id = o.customer JOIN countries k ON k.code = c.country
                  WHERE o.status = 'paid' GROUP BY k.region ORDER BY k.region`,
            tables: {
              orders: '${{ steps.orders.outputs }}',
              customers: '${{ steps.customers.outputs }}',
              countries: '${{ steps.countries.outputs }}',
            },
          },
        },
        check: { uses: 'files/read@^1', needs: ['revenue'], with: { path: '${{ steps.revenue.outputs.artifact }}', as: 'rows' } },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const revenue = stepOf(run, 'revenue').outputs;
    expect(revenue).toMatchObject({
      artifact: expect.stringMatching(new RegExp(`^runs/${run.id}/.+/result\\.parquet$`)),
      format: 'parquet',
      rows: 1,
      contentType: 'application/vnd.apache.parquet',
      schema: [
        { name: 'region', type: 'VARCHAR' },
        { name: 'orders', type: 'BIGINT' },
        { name: 'revenue', type: 'DOUBLE' },
      ],
      // BIGINT as exact text, DOUBLE as a number.
      preview: [{ region: 'europe', orders: '3', revenue: 22.5 }],
    });
    expect(stepOf(run, 'check').outputs).toMatchObject({
      count: 1,
      rows: [{ region: 'europe', orders: 3, revenue: 22.5 }],
      schema: [
        { name: 'region', type: 'VARCHAR' },
        { name: 'orders', type: 'BIGINT' },
        { name: 'revenue', type: 'DOUBLE' },
      ],
    });
    const lineage = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.lineage' && e.stepId === 'revenue');
    expect(lineage.map((e) => [e.direction, e.name])).toEqual([
      ['input', 'landing/orders.csv'],
      ['input', 'landing/customers.ndjson'],
      ['input', 'landing/countries.parquet'],
      ['output', (revenue as { artifact: string }).artifact],
    ]);
  });

  it('materialises a model, then merges two incremental batches into it by key', async () => {
    const tenant = await newTenant();
    const name = uniqueName('sql-model');
    await savePipeline(
      tenant,
      newPipeline(
        name,
        {
          land: { uses: 'files/write@^1', with: { path: 'landing/batch.ndjson', rows: '${{ inputs.batch }}' } },
          model: {
            uses: 'sql/model@^1',
            needs: ['land'],
            with: {
              name: 'customer_totals',
              sql: 'SELECT id, name, total FROM batch',
              tables: { batch: '${{ steps.land.outputs }}' },
              materialized: '${{ inputs.mode }}',
              uniqueKey: 'id',
            },
          },
        },
        { inputs: { batch: { type: 'array' }, mode: { type: 'string' } }, required: ['batch', 'mode'] },
      ),
    );
    const runWith = async (mode: string, batch: unknown[]) => {
      const run = await waitForRun(tenant, await startRun(tenant, name, { inputs: { mode, batch } }));
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      return stepOf(run, 'model').outputs;
    };
    expect(
      await runWith('table', [
        { id: 1, name: 'Ada', total: 10 },
        { id: 2, name: 'Grace', total: 20 },
        { id: 3, name: 'Edsger', total: 30 },
      ]),
    ).toMatchObject({ artifact: 'models/customer_totals.parquet', format: 'parquet', rowsInserted: 3, rowsUpdated: 0, rowsTotal: 3 });
    expect(
      await runWith('incremental', [
        { id: 2, name: 'Grace', total: 25 },
        { id: 4, name: 'Barbara', total: 40 },
      ]),
    ).toMatchObject({ rowsInserted: 1, rowsUpdated: 1, rowsTotal: 4 });
    expect(
      await runWith('incremental', [
        { id: 1, name: 'Ada', total: 11 },
        { id: 4, name: 'Barbara', total: 41 },
        { id: 5, name: 'Alan', total: 50 },
      ]),
    ).toMatchObject({ rowsInserted: 1, rowsUpdated: 2, rowsTotal: 5 });
    const read = await runToEnd(
      tenant,
      newPipeline(uniqueName('sql-model-read'), {
        model: {
          uses: 'sql/query@^1',
          with: { sql: 'FROM model ORDER BY id', tables: { model: 'models/customer_totals.parquet' }, format: 'ndjson' },
        },
      }),
    );
    expect(read.status, JSON.stringify(read)).toBe('succeeded');
    expect(stepOf(read, 'model').outputs).toMatchObject({
      rows: 5,
      preview: [
        { id: '1', name: 'Ada', total: '11' },
        { id: '2', name: 'Grace', total: '25' },
        { id: '3', name: 'Edsger', total: '30' },
        { id: '4', name: 'Barbara', total: '41' },
        { id: '5', name: 'Alan', total: '50' },
      ],
    });
  });

  it('refuses bad input when the pipeline is saved', async () => {
    const tenant = await newTenant();
    const response = await tenant.put(
      '/v1/pipelines/sql-bad-input',
      newPipeline('sql-bad-input', {
        names: { uses: 'sql/query@^1', with: { sql: 'SELECT 1', tables: { 'bad-name': 'x.parquet' } } },
        nosql: { uses: 'sql/query@^1', with: { tables: {} } },
        model: { uses: 'sql/model@^1', with: { name: 'm', sql: 'SELECT 1', materialized: 'view' } },
      }),
    );
    expect(response.status).toBe(422);
    expect([...new Set(response.body.errors.map((e: { path: string }) => e.path))].sort()).toEqual([
      'steps.model.with.materialized',
      'steps.names.with.tables',
      'steps.nosql.with.sql',
    ]);
  });

  it('fails a SQL error at once, for good, with DuckDB’s message', async () => {
    const tenant = await newTenant();
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('sql-error'), {
        bad: { uses: 'sql/query@^1', with: { sql: 'SELECT nope FROM range(3)' } },
      }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'bad')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { stepCode: 'sql_error', message: expect.stringContaining('Binder Error: Referenced column "nope" not found') },
    });
    expect((await allEvents(tenant, run.id)).filter((e) => e.type === 'step.attempt_failed')).toHaveLength(1);
  });

  it('refuses what hostile SQL tries: files outside its folder, writes, other databases, extensions, settings', async () => {
    const tenant = await newTenant();
    const hostile = {
      passwd: "SELECT * FROM read_csv('/etc/passwd')",
      text: "SELECT content FROM read_text('/etc/hostname')",
      copy: "COPY (SELECT 1) TO '/tmp/baton-sql-escape.csv'",
      attach: "ATTACH '/tmp/baton-sql-escape.db' AS escape",
      install: 'INSTALL httpfs',
      load: 'LOAD httpfs',
      access: 'SET enable_external_access = true',
      two: "SELECT 1; COPY (SELECT 1) TO '/tmp/baton-sql-escape.csv'",
    };
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('sql-hostile'),
        Object.fromEntries(
          Object.entries(hostile).map(([id, sql]) => [id, { uses: 'sql/query@^1', continueOnError: true, with: { sql } }]),
        ),
      ),
    );
    const outcome = Object.fromEntries(Object.keys(hostile).map((id) => [id, stepOf(run, id)]));
    for (const [id, step] of Object.entries(outcome)) expect(step.status, `${id}: ${JSON.stringify(step)}`).toBe('failed');
    const codes = Object.fromEntries(Object.entries(outcome).map(([id, step]) => [id, (step.error as { stepCode?: string }).stepCode]));
    expect(codes).toEqual({
      passwd: 'sql_denied',
      text: 'sql_denied',
      copy: 'sql_denied',
      attach: 'not_a_query',
      install: 'not_a_query',
      load: 'not_a_query',
      access: 'not_a_query',
      two: 'not_a_query',
    });
    expect(outcome.passwd.error?.message).toContain('Cannot access file "/etc/passwd"');
    expect(existsSync('/tmp/baton-sql-escape.csv') || existsSync('/tmp/baton-sql-escape.db')).toBe(false);
  });

  it('cancels a long query: the run ends cancelled within seconds', async () => {
    const tenant = await newTenant();
    const name = uniqueName('sql-cancel');
    await savePipeline(
      tenant,
      newPipeline(name, { long: { uses: 'sql/query@^1', with: { sql: 'SELECT sum(hash(i)) FROM range(1000000000000) t(i)' } } }),
    );
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'long').status === 'running');
    // The step has its process and DuckDB is working: give it a moment inside the scan (CPU only, minutes long, no memory to speak of).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const cancelled = await waitForRun(tenant, id, undefined, 20_000);
    expect(cancelled.status).toBe('cancelled');
    expect(stepOf(cancelled, 'long').status, JSON.stringify(stepOf(cancelled, 'long'))).toBe('cancelled');
    // A heartbeat (1 s) brings the cancel to the worker; the sandbox gives the step 2 s to wind down.
    expect(Date.now() - cancelledAt).toBeLessThan(6_000);
  });

  it('round-trips Parquet through files/write and files/read, the schema in both refs', async () => {
    const tenant = await newTenant();
    const rows = [
      { id: 1, big: 3_000_000_000, amount: 12.5, region: 'north', paid: true, tags: ['a', 'b'] },
      { id: 2, big: 7, amount: 3, region: null, paid: false, tags: [] },
    ];
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('parquet'), {
        write: { uses: 'files/write@^1', with: { path: 'exports/sales.parquet', rows } },
        read: { uses: 'files/read@^1', needs: ['write'], with: { path: 'exports/sales.parquet' } },
        back: { uses: 'files/read@^1', needs: ['write'], with: { path: 'exports/sales.parquet', as: 'rows' } },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const schema = [
      { name: 'id', type: 'INTEGER' },
      { name: 'big', type: 'BIGINT' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'region', type: 'VARCHAR' },
      { name: 'paid', type: 'BOOLEAN' },
      { name: 'tags', type: 'JSON' },
    ];
    expect(stepOf(run, 'write').outputs).toMatchObject({ artifact: 'exports/sales.parquet', format: 'parquet', rows: 2, schema });
    expect(stepOf(run, 'read').outputs).toMatchObject({ count: 2, dataset: { format: 'ndjson', rows: 2, schema } });
    expect(stepOf(run, 'back').outputs).toMatchObject({ rows });
  });
});
