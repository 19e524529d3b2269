/**
 * What every benchmark shares: one embedded PostgreSQL (or DATABASE_URL), one Temporal dev server,
 * the Baton API and worker in this process, a raw Temporal worker for baselines, and a tenant.
 */
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from '../../src/api.js';
import { loadConfig } from '../../src/runtime/config/config.js';
import type { RuntimeConfig } from '../../src/runtime/config/runtime-config.js';
import { runMigrations } from '../../src/database/data-source.js';
import { randomDatabaseSecrets, startEmbeddedPostgres } from '../../src/runtime/database/embedded-postgres.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { startWorker } from '../../workers/worker.js';
import { median, percentile, reportResult, time } from './stats.js';

export { median, percentile, reportResult, time };

export const RAW_TASK_QUEUE = 'bench-raw';
export const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);

export interface BenchStack {
  client: Client;
  /** The API's base URL and database, for benchmarks that need more than the bench tenant. */
  baseUrl: string;
  databaseUrl: string;
  /** The same server as a superuser (a database of its own, say). */
  adminDatabaseUrl: string;
  /** Calls the Baton API as the bench tenant's owner. */
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Starts a run of `pipeline` through the API and waits for it to succeed. */
  runPipeline(pipeline: string): Promise<void>;
  /** The in-process API's and worker's configuration, for benchmarks that start another pair beside them. */
  config: RuntimeConfig;
  /** The bench tenant owner's session token (good on any API of this stack). */
  token: string;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Runs `a` and `b` alternately, once each to warm up and then ITERATIONS times; returns their times in ms. */
export async function compare(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<{ a: number[]; b: number[] }> {
  await a();
  await b();
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ITERATIONS; i++) {
    times.a.push(await time(a));
    times.b.push(await time(b));
  }
  return times;
}

export const formatTimes = (times: number[]) =>
  `median ${(median(times) / 1000).toFixed(3)} s   [${times.map((t) => t.toFixed(0)).join(', ')}] ms`;

/** DATABASE_URL, else an embedded PostgreSQL in `home`; migrated. `adminUrl`: the same server as a superuser. */
async function benchDatabase(home: string, stops: Array<() => Promise<unknown>>): Promise<{ url: string; adminUrl: string }> {
  const external = process.env.DATABASE_URL;
  if (external) {
    await runMigrations(external);
    return { url: external, adminUrl: external };
  }
  const db = await startEmbeddedPostgres(join(home, 'pg'), await freePort(), randomDatabaseSecrets());
  stops.push(db.stop);
  await runMigrations(db.url);
  return db;
}

/** Only a migrated database (for benchmarks of the control plane's queries), stopped afterwards. */
export async function withBenchDatabase(bench: (databaseUrl: string) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await bench((await benchDatabase(home, stops)).url);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Starts the whole stack, hands it to `bench`, and stops it all afterwards. `env` sets more of the
 * API's and worker's configuration (e.g. a leader job's interval, so that it does not run meanwhile).
 */
export async function withBenchStack(
  rawActivities: Record<string, (...args: never[]) => Promise<unknown>>,
  bench: (stack: BenchStack) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const { url: databaseUrl, adminUrl: adminDatabaseUrl } = await benchDatabase(home, stops);
    const temporal = await startDevServer({
      cliPath: await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH),
      port: await freePort(),
      namespace: 'default',
      fast: true,
    });
    stops.push(temporal.stop);

    const port = await freePort();
    const config: RuntimeConfig = {
      // The benchmarks measure the engine, not the per-tenant request budget.
      ...loadConfig({
        BATON_HOME: join(home, 'baton'),
        PORT: String(port),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
        RATE_LIMIT_PER_MINUTE: '10000000',
        ...env,
      }),
      databaseUrl,
      temporalAddress: temporal.address,
    };
    const app = await createApi(config);
    await app.listen({ port, host: '127.0.0.1' });
    stops.push(() => app.close());
    const batonWorker = await startWorker(config);
    stops.push(batonWorker.shutdown);

    const rawConnection = await NativeConnection.connect({ address: temporal.address });
    const rawWorker = await Worker.create({
      connection: rawConnection,
      taskQueue: RAW_TASK_QUEUE,
      workflowsPath: fileURLToPath(new URL('./raw-workflows.js', import.meta.url)),
      activities: rawActivities,
    });
    const rawRunning = rawWorker.run();
    stops.push(async () => {
      rawWorker.shutdown();
      await rawRunning;
      await rawConnection.close();
    });
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    stops.push(() => client.connection.close());

    const base = `http://127.0.0.1:${port}`;
    const session: { token?: string } = {};
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json', ...(session.token ? { authorization: `Bearer ${session.token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await response.json();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json as Record<string, unknown>;
    };
    ({ token: session.token } = (await call('POST', '/v1/signup', {
      tenantName: 'bench',
      email: 'bench@example.test',
      password: 'benchmark password',
    })) as { token: string });
    const runPipeline = async (pipeline: string) => {
      const { id } = (await call('POST', `/v1/pipelines/${pipeline}/runs`, {})) as { id: string };
      await client.workflow.getHandle(id).result();
      const run = await call('GET', `/v1/runs/${id}`);
      if (run.status !== 'succeeded') throw new Error(`bench run ${id} ended ${JSON.stringify(run.status)}: ${JSON.stringify(run.error)}`);
    };
    await bench({ client, baseUrl: base, databaseUrl, adminDatabaseUrl, call, runPipeline, config, token: session.token });
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.error(e.message));
    rmSync(home, { recursive: true, force: true });
  }
}

/** Like `compare`, for any number of variants: each once to warm up, then ITERATIONS rounds in turn; their times in ms. */
export async function compareAll<K extends string>(variants: Record<K, () => Promise<unknown>>): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[];
  for (const name of names) await variants[name]();
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < ITERATIONS; i++) for (const name of names) times[name].push(await time(variants[name]));
  return times;
}
