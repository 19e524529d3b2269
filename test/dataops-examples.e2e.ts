import { AMQPClient } from '@cloudamqp/amqp-client';
import { DuckDBInstance } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baton } from './support/baton-cli.js';
import { startFakeS3, type FakeS3 } from './support/fake-s3.js';
import { approveEndpoints } from './support/plugin-packages.js';
import { api, newTenant, startRun, stepOf, waitForRun, type RunView, type TestTenant } from './support/builders.js';

const example = (name: string) => resolve(import.meta.dirname, `../examples/${name}.yaml`);

/**
 * The three DataOps examples of examples/, applied with `baton apply` as a team keeps them in Git
 * and run as written: only their inputs point them at this machine's services (MariaDB, RabbitMQ,
 * gofakes3, an HTTP server of the test's), reached through the sandbox like any tenant's services.
 */
describe('the DataOps examples', () => {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
  let tenant: TestTenant;
  let work: string;
  let s3: FakeS3;
  const object = (key: string) => `${s3.endpoint}/${s3.bucket}/${key}`;
  const putSecret = (name: string, value: string) =>
    api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${tenant.token}`).send({ value }).expect(201);
  /** `baton apply examples/<name>.yaml`, as a team applies the folder it keeps in Git. */
  const apply = async (name: string) => {
    const env = { BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.apiKey, BATON_CONFIG_DIR: join(work, 'config') };
    const applied = await baton(['apply', example(name)], env);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
  };
  const run = async (pipeline: string, inputs: Record<string, unknown>): Promise<RunView> => {
    const finished = await waitForRun(tenant, await startRun(tenant, pipeline, { inputs }), undefined, 120_000);
    expect(finished.status, JSON.stringify(finished.error ?? finished)).toBe('succeeded');
    return finished;
  };

  beforeAll(async () => {
    tenant = await newTenant();
    work = mkdtempSync(join(tmpdir(), 'baton-examples-'));
    s3 = await startFakeS3(`lake-${suffix}`);
    await putSecret('PARTNER_S3_KEY_ID', 'AKIDEXAMPLES');
    await putSecret('PARTNER_S3_SECRET_KEY', `secret-${suffix}`);
    await putSecret('LAKE_S3_KEY_ID', 'AKIDEXAMPLES');
    await putSecret('LAKE_S3_SECRET_KEY', `secret-${suffix}`);
  });
  afterAll(async () => {
    await s3?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  describe('examples/bucket-to-mysql.yaml', () => {
    const user = `examples_${suffix}`;
    const password = `pw-${randomUUID()}`;
    const queue = `revenue.loaded.${suffix}`;
    let admin: mysql.Connection;
    let broker: AMQPClient;

    beforeAll(async () => {
      admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
      await admin.query('DROP TABLE IF EXISTS daily_revenue');
      for (const host of ['localhost', '127.0.0.1']) {
        await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
        await admin.query('GRANT ALL ON test.* TO ?@?', [user, host]);
      }
      broker = new AMQPClient('amqp://guest:guest@127.0.0.1:5672');
      await broker.connect();
      await (await broker.channel()).queueDeclare(queue, { durable: false, autoDelete: false });
      const mysqlUrl = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/test`;
      await putSecret('MYSQL_URL', mysqlUrl);
      await putSecret('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672/');
      await approveEndpoints(tenant, 'mysql', [mysqlUrl]);
      await approveEndpoints(tenant, 'amqp', ['amqp://127.0.0.1:5672']);
      await apply('bucket-to-mysql');
    });
    afterAll(async () => {
      await admin.query('DROP TABLE IF EXISTS daily_revenue');
      for (const host of ['localhost', '127.0.0.1']) await admin.query('DROP USER IF EXISTS ?@?', [user, host]);
      await admin.end();
      await (await broker.channel()).queueDelete(queue);
      await broker.close();
    });

    it('lands the CSV, sums the paid orders by region with SQL, checks them, upserts them into MySQL and announces the load', async () => {
      const csv = [
        'id,day,region,status,amount',
        '1,2026-12-06,north,paid,10.50',
        '2,2026-12-06,north,paid,4.25',
        '3,2026-12-06,south,refunded,99',
        '4,2026-12-06,south,paid,20',
      ].join('\n');
      expect((await fetch(object('orders/2026-12-06.csv'), { method: 'PUT', body: csv })).status).toBe(200);
      const inputs = { day: '2026-12-06', s3Endpoint: s3.endpoint, bucket: s3.bucket, announceTo: queue };

      const first = await run('bucket-to-mysql', inputs);
      // A corrected file the next morning: the same keys are updated, not added.
      await fetch(object('orders/2026-12-06.csv'), { method: 'PUT', body: `${csv}\n5,2026-12-06,south,paid,5` });
      await run('bucket-to-mysql', inputs);

      expect(first.outputs).toMatchObject({
        loaded: 2,
        regions: [
          { region: 'north', orders: '2' },
          { region: 'south', orders: '1' },
        ],
      });
      expect(stepOf(first, 'check').status).toBe('succeeded');
      const [rows] = await admin.query(
        'SELECT DATE_FORMAT(day, "%Y-%m-%d") AS day, region, orders, revenue FROM daily_revenue ORDER BY region',
      );
      expect(rows).toEqual([
        { day: '2026-12-06', region: 'north', orders: 2, revenue: '14.75' },
        { day: '2026-12-06', region: 'south', orders: 2, revenue: '25.00' },
      ]);
      const channel = await broker.channel();
      const announced = [await channel.basicGet(queue, { noAck: true }), await channel.basicGet(queue, { noAck: true })];
      expect(announced.map((message) => message && JSON.parse(message.bodyToString()!))).toEqual([
        { table: 'daily_revenue', day: '2026-12-06', rows: 2 },
        { table: 'daily_revenue', day: '2026-12-06', rows: 2 },
      ]);
      expect(announced.map((message) => message && message.properties.messageId)).toEqual([
        'daily-revenue-2026-12-06',
        'daily-revenue-2026-12-06',
      ]);
    });
  });

  describe('examples/nightly-parquet-compaction.yaml', () => {
    beforeAll(() => apply('nightly-parquet-compaction'));

    it('folds each night’s part into one table by event id and publishes the compacted Parquet file', async () => {
      await uploadParquet('events/day=2026-12-05/part.parquet', [
        [1, 'u1', 'open', '2026-12-05 08:00:00'],
        [2, 'u2', 'open', '2026-12-05 09:00:00'],
      ]);
      // The second night replays event 2 (a late correction) beside a new one.
      await uploadParquet('events/day=2026-12-06/part.parquet', [
        [2, 'u2', 'close', '2026-12-06 07:00:00'],
        [3, 'u1', 'open', '2026-12-06 10:00:00'],
      ]);
      const inputs = { s3Endpoint: s3.endpoint, bucket: s3.bucket };

      const first = await run('nightly-parquet-compaction', { ...inputs, day: '2026-12-05' });
      const second = await run('nightly-parquet-compaction', { ...inputs, day: '2026-12-06' });

      // The schedule the document declares, made by `baton apply` beside the pipeline.
      const { body: schedules } = await tenant.get('/v1/schedules?name=nightly-parquet-compaction-nightly').expect(200);
      expect(schedules.items).toMatchObject([{ pipeline: 'nightly-parquet-compaction', cron: '30 2 * * *' }]);
      expect(first.outputs).toMatchObject({ inserted: 2, replaced: 0, total: 2 });
      expect(second.outputs).toMatchObject({ inserted: 1, replaced: 1, total: 3, summary: { events: '3', users: '2' } });
      const compacted = Buffer.from(await (await fetch(object('compacted/events.parquet'))).arrayBuffer());
      expect(await parquetRows(compacted, 'SELECT event_id, kind FROM t ORDER BY event_id')).toEqual([
        { event_id: 1, kind: 'open' },
        { event_id: 2, kind: 'close' },
        { event_id: 3, kind: 'open' },
      ]);
    });
  });

  describe('examples/stock-from-internal-api.yaml', () => {
    const token = `inventory-${randomUUID()}`;
    let server: Server;
    let seen: string[] = [];

    beforeAll(async () => {
      await putSecret('INVENTORY_TOKEN', token);
      server = createServer((request, response) => {
        seen.push(`${request.method} ${request.url} ${request.headers.authorization === `Bearer ${token}` ? 'authorized' : 'anonymous'}`);
        if (request.headers.authorization !== `Bearer ${token}`) return void response.writeHead(401).end();
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            items: [
              { sku: 'A-1', on_hand: 3, reorder_at: 10 },
              { sku: 'B-2', on_hand: 50, reorder_at: 10 },
              { sku: 'C-3', on_hand: 0, reorder_at: 4 },
            ],
          }),
        );
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      await apply('stock-from-internal-api');
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it('calls the internal API from a Python script through the egress proxy, then picks what to reorder with SQL', async () => {
      seen = [];
      const { port } = server.address() as AddressInfo;

      const finished = await run('stock-from-internal-api', { api: `http://127.0.0.1:${port}`, host: '127.0.0.1' });

      expect(seen).toEqual(['GET /v1/stock authorized']);
      expect(finished.outputs).toMatchObject({
        reorder: [
          { sku: 'A-1', on_hand: 3, order_qty: 17 },
          { sku: 'C-3', on_hand: 0, order_qty: 8 },
        ],
      });
      expect(JSON.stringify(finished)).not.toContain(token);
    });
  });

  async function uploadParquet(key: string, rows: Array<[number, string, string, string]>): Promise<void> {
    const file = join(work, `${randomUUID()}.parquet`);
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const values = rows.map(([id, user, kind, at]) => `(${id}, '${user}', '${kind}', '${at}')`).join(', ');
    await connection.run(
      `COPY (SELECT * FROM (VALUES ${values}) AS t(event_id, user_id, kind, happened_at)) TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    expect((await fetch(object(key), { method: 'PUT', body: readFileSync(file) })).status).toBe(200);
  }

  async function parquetRows(bytes: Buffer, sql: string): Promise<unknown[]> {
    const file = join(work, `${randomUUID()}.parquet`);
    writeFileSync(file, bytes);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await connection.runAndReadAll(sql.replace(' t ', ` '${file}' `));
    return reader.getRowObjectsJson();
  }
});
