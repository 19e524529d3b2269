import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { approveEndpoints } from './support/plugin-packages.js';
import {
  allEvents,
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';

/**
 * The mysql connector against the machine's MariaDB (127.0.0.1:3306, database `test`), as a user of
 * the test's own with a password, its URL kept as a tenant secret and its endpoint approved for the
 * plugin; loopback is reachable only through the stack's SANDBOX_ALLOW_CIDRS.
 */
describe('mysql connector', () => {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const table = `etl_${suffix}`;
  const user = `baton_${suffix}`;
  const password = `pw-${randomUUID()}`;
  const url = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/test`;
  const wrongPassword = `wrong-${randomUUID()}`;
  const connection = '${{ secrets.MYSQL_URL }}';
  /** Every run of these tests, searched for the password at the end. */
  const runs: Array<{ owner: TestTenant; run: RunView }> = [];
  let tenant: TestTenant;
  let admin: mysql.Connection;

  const putSecret = (owner: TestTenant, name: string, value: string) =>
    api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${owner.token}`).send({ value }).expect(201);
  const run = async (owner: TestTenant, definition: { name: string }, timeoutMs?: number) => {
    const result = await runToEnd(owner, definition, {}, timeoutMs);
    runs.push({ owner, run: result });
    return result;
  };

  beforeAll(async () => {
    admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
    // TCP from 127.0.0.1 is `localhost` to MariaDB, or `127.0.0.1` when it skips name resolution.
    for (const host of ['localhost', '127.0.0.1']) {
      await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
      await admin.query('GRANT ALL ON test.* TO ?@?', [user, host]);
    }
    tenant = await newTenant();
    await putSecret(tenant, 'MYSQL_URL', url);
    await putSecret(tenant, 'WRONG_URL', url.replace(encodeURIComponent(password), wrongPassword));
    await approveEndpoints(tenant, 'mysql', [url]);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    for (const host of ['localhost', '127.0.0.1']) await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
    await admin.end();
  });

  it('creates a table, loads rows in batches, upserts new and existing keys from a dataset and reads them back', async () => {
    const result = await run(
      tenant,
      newPipeline(
        uniqueName('my-etl'),
        {
          create: {
            uses: 'mysql/query@^1',
            with: {
              connection,
              sql: `CREATE TABLE ${table} (id INT PRIMARY KEY, region VARCHAR(20) NOT NULL, amount DECIMAL(10,2), meta JSON) ENGINE=InnoDB`,
            },
          },
          load: {
            uses: 'mysql/load@^1',
            needs: ['create'],
            with: {
              connection,
              table,
              batchSize: 2,
              rows: [
                { id: 1, region: 'eu', amount: 10.1, meta: { src: 'a' } },
                { id: 2, region: 'eu', amount: 5 },
                { id: 3, region: 'us', amount: 7 },
              ],
            },
          },
          landed: {
            uses: 'files/write@^1',
            with: {
              path: `landing/${suffix}.ndjson`,
              rows: [
                { id: 2, region: 'eu', amount: 50 },
                { id: 4, region: 'apac', amount: 1 },
              ],
            },
          },
          upsert: {
            uses: 'mysql/load@^1',
            needs: ['load', 'landed'],
            with: { connection, table, mode: 'upsert', key: ['id'], dataset: '${{ steps.landed.outputs }}' },
          },
          bump: {
            uses: 'mysql/query@^1',
            needs: ['upsert'],
            with: { connection, sql: `UPDATE ${table} SET amount = amount + ? WHERE region = ?`, params: [0.5, 'us'] },
          },
          totals: {
            uses: 'mysql/query@^1',
            needs: ['bump'],
            with: {
              connection,
              sql: `SELECT region, CAST(SUM(amount) AS CHAR) AS total, COUNT(*) AS n FROM ${table} WHERE amount > ? GROUP BY region ORDER BY region`,
              params: [0],
              maxRows: 2,
            },
          },
        },
        { outputs: { totals: '${{ steps.totals.outputs }}' } },
      ),
    );
    expect(result.status, JSON.stringify(result)).toBe('succeeded');
    expect(stepOf(result, 'load').outputs).toEqual({ rows: 3, batches: 2 });
    expect(stepOf(result, 'upsert').outputs).toEqual({ rows: 2, batches: 1 });
    expect(stepOf(result, 'bump').outputs).toMatchObject({ rows: [], rowCount: 1, affectedRows: 1 });
    expect(result.outputs).toEqual({
      totals: {
        rows: [
          { region: 'apac', total: '1.00', n: 1 },
          { region: 'eu', total: '60.10', n: 2 },
        ],
        rowCount: 3,
        fields: ['region', 'total', 'n'],
        truncated: true,
      },
    });
    const [rows] = await admin.query(`SELECT id, amount, meta FROM ${table} ORDER BY id`);
    expect(JSON.parse(JSON.stringify(rows))).toEqual([
      { id: 1, amount: '10.10', meta: { src: 'a' } },
      { id: 2, amount: '50.00', meta: null },
      { id: 3, amount: '7.50', meta: null },
      { id: 4, amount: '1.00', meta: null },
    ]);
    // What the step was given names the secret, never its value.
    expect((stepOf(result, 'create') as { input?: unknown }).input).toMatchObject({ connection: '[secret MYSQL_URL]' });
  });

  it('refuses bad input when the pipeline is saved', async () => {
    const response = await tenant.put(
      '/v1/pipelines/my-bad-input',
      newPipeline('my-bad-input', {
        load: { uses: 'mysql/load@^1', with: { connection, table: `${table}; DROP TABLE ${table}`, rows: [], mode: 'merge' } },
        query: { uses: 'mysql/query@^1', with: { connection: 'postgres://db/x', sql: '' } },
      }),
    );
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'steps.load.with.mode',
      'steps.load.with.table',
      'steps.query.with.connection',
      'steps.query.with.sql',
    ]);
  });

  it('fails at once, for good, on what the server refuses: a syntax error, a duplicate key (loading none of the rows), a wrong password', async () => {
    const syntax = await run(
      tenant,
      newPipeline(uniqueName('my-syntax'), { syntax: { uses: 'mysql/query@^1', with: { connection, sql: 'SELEC 1' } } }),
    );
    expect(syntax.status).toBe('failed');
    expect(stepOf(syntax, 'syntax')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'step_error', stepCode: 'mysql_1064', message: expect.stringContaining('You have an error in your SQL syntax') },
    });
    const attempts = (await allEvents(tenant, syntax.id)).filter((e) => e.type === 'step.attempt_failed');
    expect(attempts).toHaveLength(1);

    const others = await run(
      tenant,
      newPipeline(uniqueName('my-refused'), {
        // Row 12 repeats row 10's key in the second batch: the first batch must not stay behind.
        duplicate: {
          uses: 'mysql/load@^1',
          continueOnError: true,
          with: { connection, table, batchSize: 2, rows: [10, 11, 10].map((id) => ({ id, region: 'x' })) },
        },
        password: { uses: 'mysql/query@^1', continueOnError: true, with: { connection: '${{ secrets.WRONG_URL }}', sql: 'SELECT 1' } },
        no_key: {
          uses: 'mysql/load@^1',
          continueOnError: true,
          with: { connection, table, mode: 'upsert', key: ['region'], rows: [{ id: 20, region: 'x' }] },
        },
      }),
    );
    expect(stepOf(others, 'duplicate')).toMatchObject({ status: 'failed', attempt: 1, error: { stepCode: 'mysql_1062' } });
    expect(stepOf(others, 'password')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { stepCode: 'mysql_1045', message: expect.stringContaining('Access denied') },
    });
    expect(stepOf(others, 'no_key')).toMatchObject({ status: 'failed', attempt: 1, error: { stepCode: 'invalid_key' } });
    const [[{ n }]] = (await admin.query(`SELECT COUNT(*) AS n FROM ${table} WHERE id >= 10`)) as unknown as [[{ n: number }]];
    expect(n).toBe(0);
  });

  it('cancels a running statement: the run ends cancelled at once and the server stops the query', async () => {
    const marker = `baton-cancel-${suffix}`;
    const name = uniqueName('my-cancel');
    await savePipeline(
      tenant,
      newPipeline(name, { nap: { uses: 'mysql/query@^1', with: { connection, sql: `SELECT SLEEP(60), '${marker}'` } } }),
    );
    const id = await startRun(tenant, name);
    const running = async () => {
      const [rows] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()', [
        `%${marker}%`,
      ]);
      return (rows as unknown[]).length;
    };
    for (let i = 0; i < 150 && !(await running()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await running(), 'the query reached the server').toBe(1);

    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const cancelled = await waitForRun(tenant, id, undefined, 20_000);
    runs.push({ owner: tenant, run: cancelled });
    expect(cancelled.status).toBe('cancelled');
    expect(stepOf(cancelled, 'nap').status).toBe('cancelled');
    // A heartbeat (1 s) brings the cancel to the worker; the sandbox gives the step 2 s to wind down.
    expect(Date.now() - cancelledAt).toBeLessThan(6_000);
    for (let i = 0; i < 30 && (await running()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await running(), 'the server-side query is gone').toBe(0);
  });

  it('reaches only endpoints the tenant approved: another tenant with the same URL is refused', async () => {
    const other = await newTenant();
    await putSecret(other, 'MYSQL_URL', url);
    const refused = await run(
      other,
      newPipeline(uniqueName('my-denied'), { probe: { uses: 'mysql/query@^1', with: { connection, sql: 'SELECT 1' } } }),
    );
    expect(refused.status).toBe('failed');
    expect(stepOf(refused, 'probe')).toMatchObject({
      attempt: 1,
      error: {
        stepCode: 'network_denied',
        message: expect.stringMatching(/127\.0\.0\.1:3306 is not an endpoint this tenant approved .*PUT \/v1\/plugins\/mysql\/network/),
      },
    });
    // The approving tenant still gets through.
    const allowed = await run(
      tenant,
      newPipeline(uniqueName('my-allowed'), { probe: { uses: 'mysql/query@^1', with: { connection, sql: 'SELECT 1 AS one' } } }),
    );
    expect(stepOf(allowed, 'probe').outputs).toMatchObject({ rows: [{ one: 1 }] });
  });

  it('never shows the password: not in outputs, events, logs or the processes’ output', async () => {
    expect(runs.length).toBeGreaterThanOrEqual(5);
    for (const { owner, run: each } of runs) {
      const logs = (await owner.get(`/v1/runs/${each.id}/logs`).expect(200)).body;
      const seen = JSON.stringify([each, await allEvents(owner, each.id), logs]);
      expect(seen).not.toContain(password);
      expect(seen).not.toContain(wrongPassword);
    }
    for (const file of inject('logFiles')) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(password);
      expect(text).not.toContain(wrongPassword);
    }
  });
});
