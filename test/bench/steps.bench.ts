/**
 * `npm run bench:steps`: (a) a raw Temporal workflow calling 40 no-op activities in sequence,
 * against (b) a Baton pipeline of 40 sequential `core/echo` steps started through the API, on
 * the same Temporal dev server in one process. Prints medians and the ratio b/a.
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
import { loadConfig } from '../../src/config/config.js';
import type { RuntimeConfig } from '../../src/config/runtime-config.js';
import { runMigrations } from '../../src/database/data-source.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { startWorker } from '../../workers/worker.js';

const STEPS = 40;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const databaseUrl = process.env.DATABASE_URL ?? (await (async () => {
      const db = await startEmbeddedPostgres(join(home, 'pg'), await freePort());
      stops.push(db.stop);
      return db.url;
    })());
    await runMigrations(databaseUrl);
    const temporal = await startDevServer({ cliPath: await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH), port: await freePort(), namespace: 'default', fast: true });
    stops.push(temporal.stop);

    const port = await freePort();
    const config: RuntimeConfig = {
      ...loadConfig({ BATON_HOME: join(home, 'baton'), PORT: String(port), LOG_LEVEL: 'silent' }),
      databaseUrl, temporalAddress: temporal.address,
    };
    const app = await createApi(config);
    await app.listen({ port, host: '127.0.0.1' });
    stops.push(() => app.close());
    const batonWorker = await startWorker(config);
    stops.push(batonWorker.shutdown);

    const rawConnection = await NativeConnection.connect({ address: temporal.address });
    const rawWorker = await Worker.create({
      connection: rawConnection, taskQueue: 'bench-raw',
      workflowsPath: fileURLToPath(new URL('./raw-workflow.js', import.meta.url)),
      activities: { noop: async (i: number) => i },
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
    const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
      const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = await response.json();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json as Record<string, unknown>;
    };
    const { token } = (await call('POST', '/v1/signup', undefined, { tenantName: 'bench', email: 'bench@example.test', password: 'benchmark password' })) as { token: string };
    const steps = Object.fromEntries(Array.from({ length: STEPS }, (_, i) => [`s${i}`, { uses: 'core/echo@^1', with: { i }, ...(i ? { needs: [`s${i - 1}`] } : {}) }]));
    await call('PUT', '/v1/pipelines/bench-40', token, { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'bench-40', steps });

    let n = 0;
    const raw = () => client.workflow.execute('fortyNoops', { taskQueue: 'bench-raw', workflowId: `raw-${n++}`, args: [STEPS] });
    const baton = async () => {
      const { id } = (await call('POST', '/v1/pipelines/bench-40/runs', token, {})) as { id: string };
      await client.workflow.getHandle(id).result();
      const run = await call('GET', `/v1/runs/${id}`, token);
      if (run.status !== 'succeeded') throw new Error(`bench run ${id} ended ${run.status}`);
    };

    await raw();
    await baton();
    const rawTimes: number[] = [];
    const batonTimes: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      rawTimes.push(await time(raw));
      batonTimes.push(await time(baton));
    }
    const a = median(rawTimes);
    const b = median(batonTimes);
    console.log(`\n${STEPS} sequential steps, ${ITERATIONS} iterations each (after one warm-up), same Temporal dev server, one process`);
    console.log(`  (a) raw Temporal, ${STEPS} no-op activities:   median ${(a / 1000).toFixed(3)} s   [${rawTimes.map((t) => t.toFixed(0)).join(', ')}] ms`);
    console.log(`  (b) Baton, ${STEPS} core/echo steps via API:  median ${(b / 1000).toFixed(3)} s   [${batonTimes.map((t) => t.toFixed(0)).join(', ')}] ms`);
    console.log(`  ratio b/a: ${(b / a).toFixed(2)}   per-step overhead over raw: ${((b - a) / STEPS).toFixed(1)} ms`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.error(e.message));
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
