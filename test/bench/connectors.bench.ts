/**
 * `npm run bench:connectors`: rows per second of `mysql/load` and `postgres/load` at BENCH_LOAD_ROWS
 * rows (default 100,000), each step on the packed first-party bundle in a warm, OS-isolated step
 * process, its connection through the worker's TCP relay, with production's heap cap
 * (STEP_MEMORY_MB). Both load the same rows (id, region, amount, note of ~40 characters) in their
 * default batches of 500: `insert` into an emptied table, then `upsert` by id over the same rows
 * (each round with new amounts, so every row is an update). Each is run once to warm up, then BENCH_ITERATIONS times (default 3)
 * alternately; medians, rows/s and the ratio mysql/postgres are printed, never asserted.
 * BENCH_MYSQL_URL (default the machine's MariaDB, root@127.0.0.1:3306/test) and BENCH_PG_URL
 * (default postgres@127.0.0.1:5432/postgres) name the servers; a table of the bench's own is
 * created in each and dropped at the end.
 * Then messages per second of `amqp/publish`, one step per message (each its own connection and a
 * publisher confirm), BENCH_AMQP_MESSAGES of them (default 200) one after another into a queue of
 * the bench's own on BENCH_AMQP_URL (default the machine's RabbitMQ, guest@127.0.0.1:5672).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AMQPClient } from '@cloudamqp/amqp-client';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import { loadEnv } from '../../src/runtime/config/config.js';
import { StepSandbox, type SandboxRequest } from '../../workers/sandbox/step-sandbox.js';
import { median, reportResult, time } from './stats.js';

const ROWS = Number(process.env.BENCH_LOAD_ROWS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3);
const mysqlUrl = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const amqpUrl = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const MESSAGES = Number(process.env.BENCH_AMQP_MESSAGES ?? 200);
const table = `bench_load_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const packages = fileURLToPath(new URL('../../plugin-packages', import.meta.url));
const env = loadEnv();

/** The same ids every time; each round's amounts differ, so that every upserted row really changes. */
const rowsOf = (round: number) =>
  Array.from({ length: ROWS }, (_, i) => ({
    id: i + 1,
    region: ['eu', 'us', 'apac'][i % 3],
    amount: Math.round(i * 37.31 + round) / 100,
    note: `order ${i} from the connectors benchmark`.padEnd(40, '.'),
  }));

interface Connector {
  plugin: 'mysql' | 'postgres';
  url: string;
  defaultPort: number;
  /** Empties the bench table. */
  reset(): Promise<unknown>;
}

const endpoint = (url: string, defaultPort: number) => `${new URL(url).hostname}:${new URL(url).port || defaultPort}`;
const versionOf = (plugin: string) =>
  (JSON.parse(readFileSync(`${packages}/${plugin}/manifest.json`, 'utf8')) as { version: string }).version;

const sandbox = new StepSandbox({
  memoryMb: env.STEP_MEMORY_MB,
  isolation: { mode: env.SANDBOX_ISOLATION, uids: env.SANDBOX_UID_RANGE },
  relayPolicy: new AddressPolicy({ allowCidrs: ['127.0.0.1/32'] }),
  bundleDirs: [packages],
});

let n = 0;
/** A step of a first-party bundle whose `connection` is `url`, allowed to reach that server only. */
function stepRequest(plugin: string, stepId: string, url: string, defaultPort: number, input: Record<string, unknown>): SandboxRequest {
  n++;
  return {
    tenantId: 'bench',
    pluginKey: `${plugin}@${versionOf(plugin)}`,
    entry: `${packages}/${plugin}/bundle.mjs`,
    stepId,
    input: { connection: url, ...input },
    timeoutMs: 600_000,
    network: { patterns: ['*:*'], endpoints: [endpoint(url, defaultPort)], approveHint: `PUT /v1/plugins/${plugin}/network` },
    ctx: { runId: 'bench', stepId, attempt: 1, idempotencyKey: `bench-${n}`, secrets: {} },
  };
}

const load = ({ plugin, url, defaultPort }: Connector, mode: 'insert' | 'upsert', rows: unknown[]) =>
  stepRequest(plugin, 'load', url, defaultPort, { table, rows, mode, ...(mode === 'upsert' && { key: ['id'] }) });

/** `amqp/publish` steps one after another, each a connection, a message and its confirm: their median and messages/s. */
async function benchAmqpPublish(): Promise<void> {
  const queue = `bench-${table}`;
  const broker = new AMQPClient(amqpUrl);
  await broker.connect();
  const channel = await broker.channel();
  await channel.queueDeclare(queue, { durable: false, autoDelete: false });
  try {
    const times: number[] = [];
    for (let i = 0; i <= MESSAGES; i++) {
      const ms = await time(async () => {
        const outcome = await sandbox.run(
          stepRequest('amqp', 'publish', amqpUrl, 5672, { queue, body: { i, note: 'from the connectors benchmark' } }),
        );
        if (!outcome.ok) throw new Error(`amqp/publish failed: ${outcome.error.code} ${outcome.error.message}`);
      });
      if (i > 0) times.push(ms);
    }
    const depth = (await channel.queueDeclare(queue, { passive: true })).messageCount;
    console.log(`
amqp/publish, one message per step with a publisher confirm, ${MESSAGES} steps one after another`);
    const perSecond = (MESSAGES / (times.reduce((sum, ms) => sum + ms, 0) / 1000)).toFixed(0);
    console.log(
      `  amqp/publish   median ${median(times).toFixed(1)} ms per step  ${perSecond.padStart(6)} messages/s   (${depth} in the queue)`,
    );
    reportResult({
      title: `amqp/publish, one message per step with a publisher confirm, ${MESSAGES} steps one after another`,
      columns: ['step', 'median per step', 'messages/s', 'in the queue'],
      rows: [['amqp/publish', `${median(times).toFixed(1)} ms`, perSecond, depth]],
    });
  } finally {
    await channel.queueDelete(queue);
    await broker.close();
  }
}

async function runLoad(connector: Connector, mode: 'insert' | 'upsert', rows: unknown[]): Promise<void> {
  const outcome = await sandbox.run(load(connector, mode, rows));
  if (!outcome.ok) throw new Error(`${connector.plugin}/load ${mode} failed: ${outcome.error.code} ${outcome.error.message}`);
  if ((outcome.outputs as { rows: number }).rows !== ROWS)
    throw new Error(`${connector.plugin}/load ${mode}: ${JSON.stringify(outcome.outputs)}`);
}

const my = await mysql.createConnection(mysqlUrl);
const pgClient = new pg.Client({ connectionString: pgUrl });
await pgClient.connect();
const columns = 'id INT PRIMARY KEY, region VARCHAR(10) NOT NULL, amount DECIMAL(12,2), note VARCHAR(64)';
await my.query(`CREATE TABLE ${table} (${columns}) ENGINE=InnoDB`);
await pgClient.query(`CREATE TABLE ${table} (${columns})`);
const connectors: Connector[] = [
  { plugin: 'mysql', url: mysqlUrl, defaultPort: 3306, reset: () => my.query(`TRUNCATE TABLE ${table}`) },
  { plugin: 'postgres', url: pgUrl, defaultPort: 5432, reset: () => pgClient.query(`TRUNCATE TABLE ${table}`) },
];

console.log(
  `connectors: ${ROWS.toLocaleString('en-US')} rows per load, batches of 500, ${ITERATIONS} runs each after a warm-up; ` +
    `sandbox ${sandbox.isolation ? 'OS-isolated' : `without OS isolation (${sandbox.isolationGap})`}, STEP_MEMORY_MB ${env.STEP_MEMORY_MB}; ` +
    `MySQL ${((await my.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]])[0][0].v}, ` +
    `PostgreSQL ${(await pgClient.query('SHOW server_version')).rows[0].server_version}`,
);
try {
  for (const mode of ['insert', 'upsert'] as const) {
    const times = new Map<string, number[]>(connectors.map((c) => [c.plugin, []]));
    for (let i = 0; i <= ITERATIONS; i++) {
      const rows = rowsOf(mode === 'insert' ? 0 : i + 1);
      for (const connector of connectors) {
        if (mode === 'insert') await connector.reset();
        const ms = await time(() => runLoad(connector, mode, rows));
        // The first round warms the step processes and the servers' caches up.
        if (i > 0) times.get(connector.plugin)!.push(ms);
      }
    }
    console.log(`\n${mode}${mode === 'upsert' ? ' by id, every row an update' : ' into an emptied table'}`);
    const rate = (plugin: string) => ROWS / (median(times.get(plugin)!) / 1000);
    for (const { plugin } of connectors) {
      const all = times.get(plugin)!;
      console.log(
        `  ${`${plugin}/load`.padEnd(14)} median ${(median(all) / 1000).toFixed(2)} s  ${Math.round(rate(plugin)).toLocaleString('en-US').padStart(9)} rows/s   [${all.map((t) => t.toFixed(0)).join(', ')}] ms`,
      );
    }
    console.log(`  ratio mysql/postgres (rows/s): ${(rate('mysql') / rate('postgres')).toFixed(2)}`);
    reportResult({
      title: `${mode}${mode === 'upsert' ? ' by id, every row an update' : ' into an emptied table'}: ${ROWS.toLocaleString('en-US')} rows, batches of 500, ${ITERATIONS} runs each after a warm-up`,
      columns: ['step', 'median', 'rows/s', 'ratio mysql/postgres'],
      rows: connectors.map(({ plugin }) => [
        `${plugin}/load`,
        `${(median(times.get(plugin)!) / 1000).toFixed(2)} s`,
        Math.round(rate(plugin)).toLocaleString('en-US'),
        plugin === 'mysql' ? (rate('mysql') / rate('postgres')).toFixed(2) : '',
      ]),
    });
  }
  await benchAmqpPublish();
} finally {
  await my.query(`DROP TABLE IF EXISTS ${table}`);
  await pgClient.query(`DROP TABLE IF EXISTS ${table}`);
  await my.end();
  await pgClient.end();
  await sandbox.close();
}
process.exit(0);
