import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/database/data-source.js';
import { ensureDatabase, randomDatabaseSecrets, startEmbeddedPostgres } from '../../src/runtime/database/embedded-postgres.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { startFakeS3 } from './fake-s3.js';
import { startStripeMock } from './stripe-mock.js';
import { BROWSER_PLANS, WEBHOOK_SECRET } from './billing.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from './processes.js';
import { restartableBaton, restartablePostgres, restartableTemporal, startControlServer, type RestartablePart } from './restartable.js';

/** When the stack's Temporal server suggests continuing a workflow as new (test/for-each.e2e.ts). */
export const SUGGEST_CONTINUE_AS_NEW_EVENTS = 1_000;

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    databaseUrl: string;
    /** The SECRETS_MASTER_KEY of the stack's api and worker. */
    masterKey: string;
    /** Where the stack's api and worker write their output. */
    logFiles: string[];
    temporalAddress: string;
    temporalCliPath: string;
    /** BATON_HOME of the stack's api and worker (the worker's plugin cache is in it). */
    batonHome: string;
    /** The S3-compatible service the stack keeps artifacts in. */
    s3: { endpoint: string; bucket: string };
    /** BATON_ADMIN_TOKEN of the stack's API. */
    adminToken: string;
    /** JWT_SECRET of the stack's API, to forge tokens the way only the API should. */
    jwtSecret: string;
    /** The environment the stack's API was started with, for tests that start another API beside it. */
    apiEnv: Record<string, string>;
    /** stripe-mock's URL (the stack's own API runs with billing off). */
    stripeMockUrl: string;
    /** The stack's worker serves its metrics here (WORKER_METRICS_PORT), without a token. */
    workerMetricsUrl: string;
    /**
     * A database of the tests' own for connector steps to read and write, on the machine's PostgreSQL
     * (WAREHOUSE_DATABASE_URL's server): never the control database, which steps may not reach.
     */
    warehouseUrl: string;
    /** The stack's PostgreSQL as a role that may create databases (`databaseUrl`'s role may not). */
    adminDatabaseUrl: string;
    /** The process ids of the stack's API and worker, for tests that check nothing reached them (as started: see `stackControlUrl`). */
    stackPids: { api: number; worker: number };
    /**
     * Only in the `reliability` project: the stack's control server (test/support/restartable.ts,
     * `controlStack`). `POST /{postgres|temporal|api|worker}/{kill|stop|start|restart}?signal=SIGKILL`,
     * `GET /status` for the current pids. PostgreSQL and Temporal come back with their data and ports.
     */
    stackControlUrl: string;
  }
}

/**
 * Starts the real parts once for the whole-stack tests: PostgreSQL (DATABASE_URL, else an
 * embedded one), the Temporal dev server, and Baton's API and worker as separate processes.
 * The `reliability` project gets a stack whose parts a control server kills and starts again:
 * always an embedded PostgreSQL, and Temporal keeping its workflows in a file.
 */
export default async function setup(project: TestProject) {
  const home = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  // The embedded server runs as the `postgres` user and must reach its data folder.
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await startStack(project, home, stops, project.name === 'reliability');
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function startStack(project: TestProject, home: string, stops: Array<() => Promise<unknown>>, restartable: boolean): Promise<void> {
  const parts: Record<string, RestartablePart> = {};
  let databaseUrl: string;
  let adminDatabaseUrl: string;
  if (restartable) {
    const postgres = await restartablePostgres(join(home, 'pg'), await freePort(), randomDatabaseSecrets());
    stops.push(postgres.stop);
    ({ url: databaseUrl, adminUrl: adminDatabaseUrl } = parts.postgres = postgres);
  } else {
    ({ url: databaseUrl, adminUrl: adminDatabaseUrl } = await testDatabase(home, stops));
  }
  await runMigrations(databaseUrl);
  const warehouseUrl = await scratchDatabase(
    process.env.WAREHOUSE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    'baton_warehouse',
    stops,
  );

  const temporalCliPath = await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const temporal = restartable
    ? (parts.temporal = await restartableTemporal(temporalCliPath, await freePort(), join(home, 'temporal', 'dev.db')))
    : await startDevServer({
        cliPath: temporalCliPath,
        port: await freePort(),
        namespace: 'default',
        fast: true,
        // Temporal suggests continue-as-new after 1,000 history events, not 10,240: a forEach of
        // hundreds of items shows the fan-out workflow continuing as new in seconds, not minutes.
        dynamicConfig: [`limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW_EVENTS}`],
      });
  stops.push(temporal.stop);

  // Artifacts go to an S3-compatible service, as on a scaled-out installation.
  const s3 = await startFakeS3('baton-artifacts');
  stops.push(s3.stop);
  const stripeMock = await startStripeMock();
  stops.push(stripeMock.stop);

  const port = await freePort();
  const masterKey = randomBytes(32).toString('base64');
  const adminToken = randomBytes(32).toString('base64url');
  const env = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    PORT: String(port),
    BATON_HOME: join(home, 'baton'),
    LOG_LEVEL: 'info',
    JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
    STEP_MEMORY_MB: '256',
    SECRETS_MASTER_KEY: masterKey,
    WEBHOOK_SIGNING_KEY: randomBytes(32).toString('base64url'),
    // The tests' own HTTP servers and the warehouse database listen on 127.0.0.1, exactly; every other
    // private address stays refused, and so do this stack's own endpoints on it.
    EGRESS_ALLOW_CIDRS: '127.0.0.1/32',
    SANDBOX_ALLOW_CIDRS: '127.0.0.1/32',
    // These machines run the tests as root: the isolation the escape tests prove must really be on.
    SANDBOX_ISOLATION: 'strict',
    // Tests find a step's process as the step-runner that appeared when the step started (runs.e2e.ts):
    // a spare started for another test's step could be the one it takes. Spares have specs of their own.
    SANDBOX_SPARE_PROCESSES: '0',
    BATON_ADMIN_TOKEN: adminToken,
    // Every test signs up from 127.0.0.1: the per-address budget of public routes is tested on its own API.
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    SCHEDULE_RECONCILE_INTERVAL: '2s',
    TRIGGER_POLL_INTERVAL: '1s',
    // The run sweep looks at every run older than 5 s, every 2 s: each whole-stack test is also a
    // check that it never touches a run that is doing as it should.
    RUN_SWEEP_INTERVAL: '2s',
    RUN_SWEEP_GRACE: '5s',
    // Alerts are found and sent within a second, retried after 200 ms, 400 ms...; the tests' receivers listen on 127.0.0.1.
    ALERT_POLL_INTERVAL: '1s',
    ALERT_RETRY_BASE: '200ms',
    ALERT_WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
    // test/sso.e2e.ts runs its OpenID providers in the test process, on 127.0.0.1.
    SSO_ALLOW_CIDRS: '127.0.0.1/32',
    TRIGGER_BROKER_ALLOW_CIDRS: '127.0.0.1/32',
    // Every JSON answer a test gets is checked against the schema /openapi.json declares for it (a 500 when it differs).
    BATON_VALIDATE_RESPONSES: 'true',
    ARTIFACTS_S3_BUCKET: s3.bucket,
    ARTIFACTS_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'baton-e2e',
    AWS_SECRET_ACCESS_KEY: 'baton-e2e-secret',
  };
  // The console's journeys buy a plan: their stack's API has billing on, with stripe-mock as Stripe.
  if (project.name === 'browser') Object.assign(env, browserBilling(stripeMock.url, home));
  const logFiles = [join(home, 'api.log'), join(home, 'worker.log')];
  // Only this worker gets the port: tests that start more processes from apiEnv must not collide on it.
  const workerMetricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
  const workerEnv = { ...env, WORKER_METRICS_PORT: new URL(workerMetricsUrl).port };
  let processes: BatonProcess[];
  if (restartable) {
    const api = (parts.api = restartableBaton('api', env, logFiles[0], `http://127.0.0.1:${port}/readyz`));
    const worker = (parts.worker = restartableBaton('worker', workerEnv, logFiles[1], workerMetricsUrl));
    processes = [api.process(), worker.process()];
    // Stopped before PostgreSQL and Temporal (the stops run in reverse), whichever process runs by then.
    stops.push(async () => Promise.all([api.stop(), worker.stop()]));
  } else {
    processes = [spawnBaton('api', env, undefined, logFiles[0]), spawnBaton('worker', workerEnv, undefined, logFiles[1])];
    stops.push(async () => Promise.all(processes.map((p) => p.stop())));
  }
  try {
    const alive = () => processes.every((p) => p.child.exitCode === null);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000, alive);
    await waitForHttp(workerMetricsUrl, 60_000, alive);
  } catch (error) {
    for (const p of processes) console.error(p.output());
    throw error;
  }
  if (restartable) {
    const control = await startControlServer(parts);
    stops.push(control.close);
    project.provide('stackControlUrl', control.url);
  }

  project.provide('baseUrl', `http://127.0.0.1:${port}`);
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalCliPath', temporalCliPath);
  project.provide('masterKey', masterKey);
  project.provide('logFiles', logFiles);
  project.provide('batonHome', env.BATON_HOME);
  project.provide('s3', { endpoint: s3.endpoint, bucket: s3.bucket });
  project.provide('adminToken', adminToken);
  project.provide('jwtSecret', env.JWT_SECRET);
  project.provide('apiEnv', env);
  project.provide('stripeMockUrl', stripeMock.url);
  project.provide('workerMetricsUrl', workerMetricsUrl);
  project.provide('warehouseUrl', warehouseUrl);
  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('stackPids', { api: processes[0].child.pid!, worker: processes[1].child.pid! });
}

/** Billing settings of the browser tier's API: the plans its journeys compare, upgrade to and leave. */
function browserBilling(stripeUrl: string, home: string): Record<string, string> {
  const plansFile = join(home, 'plans.json');
  writeFileSync(plansFile, JSON.stringify(BROWSER_PLANS));
  return {
    STRIPE_SECRET_KEY: 'sk_test_batonBrowser',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: stripeUrl,
    BILLING_PLANS_FILE: plansFile,
  };
}

/** The control database: `url` as Baton connects, `adminUrl` the same server as a role that may create databases. */
async function testDatabase(home: string, stops: Array<() => Promise<unknown>>): Promise<{ url: string; adminUrl: string }> {
  const external = process.env.DATABASE_URL;
  if (!external) {
    const embedded = await startEmbeddedPostgres(join(home, 'pg'), await freePort(), randomDatabaseSecrets());
    stops.push(embedded.stop);
    return embedded;
  }
  return { url: await scratchDatabase(external, 'baton_e2e', stops), adminUrl: external };
}

/** A fresh database on the server of `serverUrl` (a role that may create databases), dropped when the tests end. */
async function scratchDatabase(serverUrl: string, prefix: string, stops: Array<() => Promise<unknown>>): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new URL(serverUrl);
  await ensureDatabase(admin.toString(), name);
  const server = admin.toString();
  stops.push(async () => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } catch (error) {
      console.error(`could not drop the test database ${name}: ${(error as Error).message}`);
    } finally {
      await client.end();
    }
  });
  admin.pathname = `/${name}`;
  return admin.toString();
}
