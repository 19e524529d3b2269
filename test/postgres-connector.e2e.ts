import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { approveEndpoints } from './support/plugin-packages.js';
import { api, newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun, type TestTenant } from './support/builders.js';

/**
 * The postgres connector against a real PostgreSQL (the tests' warehouse database, never the
 * control database), its URL kept as a tenant secret and its endpoint approved for the plugin.
 */
describe('postgres connector', () => {
  let tenant: TestTenant;
  const table = `etl_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const db = new pg.Client({ connectionString: inject('warehouseUrl') });

  beforeAll(async () => {
    tenant = await newTenant();
    await api()
      .put('/v1/secrets/WAREHOUSE_URL')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ value: inject('warehouseUrl') })
      .expect(201);
    await approveEndpoints(tenant, 'postgres', [inject('warehouseUrl')]);
    await db.connect();
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  });

  const connection = '${{ secrets.WAREHOUSE_URL }}';

  it('creates a table, loads rows in batches, upserts by key and reads an aggregate back', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('pg-etl'),
        {
          create: {
            uses: 'postgres/query@^1',
            with: { connection, sql: `CREATE TABLE ${table} (id int PRIMARY KEY, region text NOT NULL, amount numeric, meta jsonb)` },
          },
          load: {
            uses: 'postgres/load@^1',
            needs: ['create'],
            with: {
              connection,
              table,
              batchSize: 2,
              rows: [
                { id: 1, region: 'eu', amount: 10, meta: { src: 'a' } },
                { id: 2, region: 'eu', amount: 5 },
                { id: 3, region: 'us', amount: 7 },
              ],
            },
          },
          upsert: {
            uses: 'postgres/load@^1',
            needs: ['load'],
            with: {
              connection,
              table,
              mode: 'upsert',
              key: ['id'],
              rows: [
                { id: 2, region: 'eu', amount: 50 },
                { id: 4, region: 'apac', amount: 1 },
              ],
            },
          },
          totals: {
            uses: 'postgres/query@^1',
            needs: ['upsert'],
            with: {
              connection,
              sql: `SELECT region, sum(amount)::float AS total, count(*)::int AS n FROM ${table} WHERE amount > $1 GROUP BY region ORDER BY region`,
              params: [0],
            },
          },
        },
        { outputs: { totals: '${{ steps.totals.outputs.rows }}' } },
      ),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'load').outputs).toEqual({ rows: 3, batches: 2 });
    expect(stepOf(run, 'upsert').outputs).toEqual({ rows: 2, batches: 1 });
    expect(run.outputs).toEqual({
      totals: [
        { region: 'apac', total: 1, n: 1 },
        { region: 'eu', total: 60, n: 2 },
        { region: 'us', total: 7, n: 1 },
      ],
    });
    expect((await db.query(`SELECT meta FROM ${table} WHERE id = 1`)).rows).toEqual([{ meta: { src: 'a' } }]);
  });

  it('loads all rows or none, fails for good on errors a retry cannot fix, and keeps table names identifiers', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('pg-errors'),
        {
          // Row 3 breaks NOT NULL in the second batch: the first batch must not stay behind.
          partial: {
            uses: 'postgres/load@^1',
            continueOnError: true,
            with: {
              connection,
              table,
              batchSize: 2,
              rows: [
                { id: 10, region: 'x' },
                { id: 11, region: 'x' },
                { id: 12, region: null },
              ],
            },
          },
          syntax: { uses: 'postgres/query@^1', continueOnError: true, with: { connection, sql: 'SELEC 1' } },
          // A literal name like this is refused when the pipeline is saved; through data it reaches the step.
          injection: {
            uses: 'postgres/load@^1',
            continueOnError: true,
            with: { connection, table: '${{ inputs.target }}', rows: [{ id: 1 }] },
          },
        },
        { inputs: { target: { type: 'string' } } },
      ),
      { inputs: { target: `${table}; DROP TABLE ${table}` } },
    );
    expect(stepOf(run, 'partial')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'step_error', message: expect.stringContaining('null value in column "region"') },
    });
    expect((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id >= 10`)).rows[0].n).toBe(0);
    expect(stepOf(run, 'syntax')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { message: expect.stringContaining('syntax error') },
    });
    expect(stepOf(run, 'injection')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'invalid_input', message: expect.stringContaining('table') },
    });
    expect((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(4);
    const events = (await tenant.get(`/v1/runs/${run.id}/events?limit=1000`).expect(200)).body.items as Array<{
      type: string;
      stepId: string;
      error?: { code?: string };
    }>;
    expect(events.filter((e) => e.type === 'step.attempt_failed' && e.stepId === 'syntax').map((e) => e.error?.code)).toEqual([
      'step_error',
    ]);
  });
});

describe('examples/sales-rollup.yaml', () => {
  const schema = `example_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const db = new pg.Client({ connectionString: inject('warehouseUrl') });
  let tenant: TestTenant;

  beforeAll(async () => {
    await db.connect();
    // The example's own tables, in a schema of their own, which the secret's URL puts first on the search path.
    await db.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema};
      CREATE TABLE sales (id int PRIMARY KEY, region text, amount numeric, sold_at timestamptz);
      CREATE TABLE sales_by_region (region text, day date, total numeric, PRIMARY KEY (region, day));
      INSERT INTO sales VALUES (1, 'eu', 10, '2026-11-26T09:00Z'), (2, 'eu', 5.5, '2026-11-26T15:00Z'), (3, 'us', 7, '2026-11-26T12:00Z'), (4, 'us', 100, '2026-11-25T12:00Z');`);
    tenant = await newTenant();
    const url = new URL(inject('warehouseUrl'));
    url.searchParams.set('options', `-c search_path=${schema}`);
    await api().put('/v1/secrets/WAREHOUSE_URL').set('authorization', `Bearer ${tenant.token}`).send({ value: url.toString() }).expect(201);
    await approveEndpoints(tenant, 'postgres', [url.toString()]);
  });
  afterAll(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.end();
  });

  it('runs as written: extract, check, total per region, upsert the totals', async () => {
    const saved = await tenant
      .put('/v1/pipelines/sales-rollup', readFileSync(new URL('../examples/sales-rollup.yaml', import.meta.url), 'utf8'))
      .set('content-type', 'application/yaml');
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const first = await waitForRun(tenant, await startRun(tenant, 'sales-rollup', { inputs: { day: '2026-11-26' } }));
    expect(first.status, JSON.stringify(first)).toBe('succeeded');
    expect(first.outputs).toMatchObject({ regions: 2 });
    const totals = async () =>
      (
        await db.query(
          `SELECT region, to_char(day, 'YYYY-MM-DD') AS day, total::float AS total FROM ${schema}.sales_by_region ORDER BY region, day`,
        )
      ).rows;
    expect(await totals()).toEqual([
      { region: 'eu', day: '2026-11-26', total: 15.5 },
      { region: 'us', day: '2026-11-26', total: 7 },
    ]);

    // A day with a negative amount fails the check: nothing is loaded for it.
    await db.query(`INSERT INTO ${schema}.sales VALUES (5, 'eu', -1, '2026-11-24T12:00Z')`);
    const bad = await waitForRun(tenant, await startRun(tenant, 'sales-rollup', { inputs: { day: '2026-11-24' } }));
    expect(bad.status).toBe('failed');
    expect(stepOf(bad, 'check').error?.message).toContain('range(amount) (1)');
    expect(stepOf(bad, 'load').status).toBe('skipped');
    expect(await totals()).toHaveLength(2);
  });
});
