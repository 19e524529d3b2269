/**
 * The commands that run Baton itself (`up`, `api`, `worker`, `migrate`, backups, secrets): loaded only when one
 * is asked for, so that the client commands (`baton get`, `baton apply`, …) start without Nest, TypeORM or Temporal.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Connection } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { createApi, describeApi } from './api.js';
import {
  ConfigError,
  embeddedDatabaseSecrets,
  embeddedMasterKeys,
  describeConfig,
  loadConfig,
  loadEnv,
  type BatonConfig,
} from './runtime/config/config.js';
import type { RuntimeConfig } from './runtime/config/runtime-config.js';
import { createDataSource, runMigrations } from './database/data-source.js';
import { connectsAsSuperuser, startEmbeddedPostgres } from './runtime/database/embedded-postgres.js';
import { keepsSessions } from './runtime/database/session-check.js';
import { backupEmbedded, restoreEmbedded, type EmbeddedHome } from './embedded/backup.js';
import { EmbeddedHomeError, lockHome, stopLeftovers, temporalPidFile } from './embedded/home-lock.js';
import { supervise } from './embedded/supervisor.js';
import { drainingSince } from './runtime/health/draining.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger } from './runtime/logging/logger.js';
import { formatMail, formatMailList } from './mail/mail-cli.js';
import { MailRepository } from './mail/mail.repository.js';
import { NestPinoLogger } from './logging/nest-logger.js';
import { SecretsRepository } from './secrets/secrets.repository.js';
import { SecretsService } from './secrets/secrets.service.js';
import { startTracing, type Tracing } from './runtime/tracing/tracing.js';
import { temporalConnectionOptions } from './runtime/temporal/temporal-connection.js';
import { startDevServer } from './temporal/dev-server.js';
import { ensureSearchAttributes } from './temporal/search-attributes.js';
import { parseDuration } from '../workers/contracts/duration.js';
import { poolTaskQueue } from '../workers/contracts/pipeline.contract.js';
import { resolveTemporalCli } from './temporal/temporal-cli.js';

const logger = new Logger('baton');
/** Set once `api`, `worker` or `up` has its JSON logger: a failure is then one more JSON line. */
let loggingToJson = false;
export const logsAsJson = () => loggingToJson;
function requireEnv(config: BatonConfig, names: Array<'DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'JWT_SECRET' | 'WEBHOOK_SIGNING_KEY'>): void {
  const missing = names.filter((name) => !config[name]);
  if (missing.length)
    throw new ConfigError(missing.map((name) => `${name}: required by this command (use \`baton up\` for the embedded defaults)`));
}

/** `baton up` keeps its embedded servers running: one that is killed is started again on the same port and data. */
type Supervision = { giveUp: (message: string) => void };

async function resolveDatabase(
  config: BatonConfig,
  lifecycle: Lifecycle,
  options: { reuseRunning?: boolean; supervision?: Supervision; needsSessions?: boolean } = {},
): Promise<string> {
  if (config.DATABASE_URL) {
    if (options.needsSessions && !(await keepsSessions(config.DATABASE_URL)))
      throw new ConfigError([
        'DATABASE_URL: reaches PostgreSQL through a transaction-mode pool (PgBouncer pool_mode=transaction or similar), ' +
          'but the API and migrations need sessions (advisory locks, LISTEN): give them PostgreSQL itself or a session-mode pool; ' +
          'workers may use the transaction-mode pool (docs/operations.md)',
      ]);
    if (await connectsAsSuperuser(config.DATABASE_URL))
      logger.warn(
        'DATABASE_URL connects as a PostgreSQL superuser: give Baton a role that owns its database and nothing more (docs/security.md)',
      );
    return config.DATABASE_URL;
  }
  const start = () =>
    startEmbeddedPostgres(join(config.home, 'pg'), config.EMBEDDED_PG_PORT, embeddedDatabaseSecrets(config), undefined, options);
  const database = options.supervision
    ? await supervise({ name: 'Embedded PostgreSQL', start, warn: (message) => logger.warn(message), giveUp: options.supervision.giveUp })
    : { first: await start(), stop: undefined };
  lifecycle.add('embedded PostgreSQL', database.stop ?? database.first.stop);
  logger.log(`Embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_PG_PORT}, data in ${join(config.home, 'pg')}`);
  return database.first.url;
}

async function resolveTemporal(config: BatonConfig, lifecycle: Lifecycle, supervision?: Supervision): Promise<string> {
  if (config.TEMPORAL_ADDRESS) {
    const connection = await Connection.connect(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS));
    await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).finally(() => connection.close());
    return config.TEMPORAL_ADDRESS;
  }
  const cliPath = await resolveTemporalCli(config.TEMPORAL_CLI_PATH, (line) => logger.log(line));
  const start = () =>
    startDevServer({
      cliPath,
      port: config.TEMPORAL_DEV_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      dbFile: join(config.home, 'temporal.db'),
      uiPort: config.TEMPORAL_UI_PORT || undefined,
      pidFile: temporalPidFile(config.home),
    });
  const server = supervision
    ? await supervise({ name: 'Temporal dev server', start, warn: (message) => logger.warn(message), giveUp: supervision.giveUp })
    : { first: await start(), stop: undefined };
  lifecycle.add('Temporal dev server', server.stop ?? server.first.stop);
  logger.log(
    `Temporal dev server on ${server.first.address}${config.TEMPORAL_UI_PORT ? `, UI on http://127.0.0.1:${config.TEMPORAL_UI_PORT}` : ''}`,
  );
  return server.first.address;
}

/**
 * `baton up` owns its BATON_HOME: a second one is refused, and the Temporal dev server and
 * PostgreSQL that a `baton up` killed with SIGKILL left running there are stopped before starting fresh.
 */
async function claimHome(config: BatonConfig): Promise<void> {
  const { previous } = lockHome(config.home);
  if (config.DATABASE_URL && config.TEMPORAL_ADDRESS) return;
  const stopped = await stopLeftovers(config.home, join(config.home, 'temporal.db'), join(config.home, 'pg'));
  if (stopped.length)
    logger.warn(
      `A previous baton up${previous ? ` (pid ${previous})` : ''} on ${config.home} did not stop its servers; stopped ${stopped.join(', ')}`,
    );
}

async function serveApi(config: RuntimeConfig, lifecycle: Lifecycle): Promise<void> {
  await runMigrations(config.databaseUrl);
  const app = await createApi(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  const delayMs = parseDuration(config.API_DRAIN_DELAY)!;
  lifecycle.add('API', async () => {
    // Still serving (readyz 503) until the delay since the signal is over, then Fastify stops
    // accepting connections, answers 503 to new requests on open ones and waits for those in flight.
    const since = drainingSince();
    const left = since ? delayMs - (Date.now() - since.getTime()) : 0;
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    await app.close();
  });
}

async function runWorker(config: RuntimeConfig, lifecycle: Lifecycle, tracing: Tracing | undefined): Promise<void> {
  const { startWorker } = await import('../workers/worker.js');
  const worker = await startWorker(config, tracing);
  lifecycle.add('worker', worker.shutdown);
  worker.done.catch((error: Error) => {
    logger.error(`Worker stopped: ${error.message}`);
    void lifecycle.stopAll().then(() => process.exit(1));
  });
}

/** `settings`: what the command line says, over the environment. */
export async function run(mode: 'up' | 'api' | 'worker', settings: NodeJS.ProcessEnv = {}): Promise<void> {
  const loaded = loadConfig({ ...process.env, ...settings });
  // One machine, one process: a generated master key is safe. Separate api and worker processes
  // must be given the same SECRETS_MASTER_KEY, or run without secrets.
  const config = mode === 'up' ? { ...loaded, masterKeys: embeddedMasterKeys(loaded) } : loaded;
  // Lines from here on (this file's included) are JSON, like those of the API and the worker.
  Logger.overrideLogger(new NestPinoLogger(createLogger(mode === 'worker' ? 'worker' : 'api', config)));
  loggingToJson = true;
  // Node prints process warnings (deprecations, an SDK's Node version notice) as text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => new Logger('node').warn(`${warning.name}: ${warning.message}`));
  if (!config.masterKeys.length) logger.warn('SECRETS_MASTER_KEY is not set: pipelines cannot use secrets');
  const lifecycle = new Lifecycle();
  lifecycle.onSignals();
  // Added first, so stopped last: the spans of everything stopping before it are still exported.
  const tracing = startTracing(config, mode === 'up' ? 'baton' : `baton-${mode}`);
  if (tracing) lifecycle.add('tracing', tracing.shutdown);
  try {
    if (mode !== 'up') requireEnv(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS']);
    // Replicas must share the session key and the webhook key, or what one issues the next refuses.
    if (mode === 'api') requireEnv(config, ['JWT_SECRET', 'WEBHOOK_SIGNING_KEY']);
    let supervision: Supervision | undefined;
    if (mode === 'up') {
      await claimHome(config);
      supervision = {
        giveUp: (message) => {
          logger.fatal(message);
          void lifecycle.stopAll().then(() => process.exit(1));
        },
      };
    }
    const runtime: RuntimeConfig = {
      ...config,
      databaseUrl: await resolveDatabase(config, lifecycle, { supervision, needsSessions: mode !== 'worker' }),
      temporalAddress: await resolveTemporal(config, lifecycle, supervision),
    };
    if (mode !== 'worker') await serveApi(runtime, lifecycle);
    if (mode !== 'api') await runWorker(runtime, lifecycle, tracing);
    printReady(runtime, mode);
  } catch (error) {
    await lifecycle.stopAll();
    throw error;
  }
}

function printReady(config: RuntimeConfig, mode: string): void {
  if (mode !== 'up') {
    // A replica's output is read by a log collector: one JSON line, no banner.
    logger.log({
      msg: `Baton ${mode} is running`,
      ...(mode === 'api'
        ? { url: config.publicUrl }
        : { pool: config.WORKER_POOL, taskQueue: poolTaskQueue(config.TEMPORAL_TASK_QUEUE, config.WORKER_POOL) }),
    });
    return;
  }
  // `up` is run by a person at a terminal: a banner, between the log lines.
  console.log(
    [
      'Baton up is running.',
      `  Console:  ${config.publicUrl}/`,
      `  API:      ${config.publicUrl}/v1`,
      `  Docs:     ${config.publicUrl}/docs`,
      `  OpenAPI:  ${config.publicUrl}/openapi.json`,
      `  Health:   ${config.publicUrl}/readyz`,
      `  Worker:   task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.temporalAddress}`,
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

export async function migrate(): Promise<void> {
  const config = loadConfig();
  const lifecycle = new Lifecycle();
  try {
    const url = await resolveDatabase(config, lifecycle, { needsSessions: true });
    const applied = await runMigrations(url);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  } finally {
    await lifecycle.stopAll();
  }
}

/**
 * `baton secrets rotate`: after SECRETS_MASTER_KEY is replaced (the old key moved to
 * SECRETS_PREVIOUS_MASTER_KEYS), re-wraps every tenant data key with the new one; with
 * `--data-keys`, also gives every tenant a new data key and re-seals its secrets. Resumable.
 */
export async function rotateSecrets(options: { dataKeys?: boolean }): Promise<void> {
  const loaded = loadConfig();
  // Without SECRETS_MASTER_KEY, the key `baton up` generated in this BATON_HOME.
  const config = { ...loaded, masterKeys: embeddedMasterKeys(loaded) };
  const lifecycle = new Lifecycle();
  try {
    const dataSource = createDataSource(await resolveDatabase(config, lifecycle), 2);
    await dataSource.initialize();
    lifecycle.add('database', () => dataSource.destroy());
    const done = await new SecretsService(new SecretsRepository(dataSource), config).rotate({ dataKeys: options.dataKeys ?? false });
    console.log(
      `Re-wrapped ${done.rewrapped} data key(s) with master key ${config.masterKeys[0].id}; ${done.newDataKeys} new data key(s); re-sealed ${done.resealed} secret(s).`,
    );
  } finally {
    await lifecycle.stopAll();
  }
}

/** `baton mail [id]`: the mails the API kept (no SMTP_URL) or sent, newest first; or one of them whole. */
export async function showMail(id: string | undefined, options: { limit: string }): Promise<void> {
  const config = loadConfig();
  const lifecycle = new Lifecycle();
  try {
    // Read while `baton up` runs: its embedded PostgreSQL is used, not started a second time.
    const dataSource = createDataSource(await resolveDatabase(config, lifecycle, { reuseRunning: true }), 1);
    await dataSource.initialize();
    lifecycle.add('database', () => dataSource.destroy());
    const mails = new MailRepository(dataSource);
    if (!id) return console.log(formatMailList(await mails.list(Math.min(Math.max(Number(options.limit) || 20, 1), 1000))));
    const mail = /^[0-9a-f-]{36}$/i.test(id) ? await mails.find(id) : null;
    if (mail) console.log(formatMail(mail));
    else {
      console.error(`baton: no mail ${id} (\`baton mail\` lists them)`);
      process.exitCode = 1;
    }
  } finally {
    await lifecycle.stopAll();
  }
}

/** The embedded mode's home, read without generating anything in it: `baton restore` needs it empty. */
function embeddedHome(command: string): EmbeddedHome {
  const env = loadEnv();
  if (env.DATABASE_URL || env.TEMPORAL_ADDRESS) {
    throw new EmbeddedHomeError(
      `${command} is for the embedded mode; with DATABASE_URL or TEMPORAL_ADDRESS set, back up that PostgreSQL and Temporal as docs/operations.md says`,
    );
  }
  const home = resolve(env.BATON_HOME);
  return { home, port: env.EMBEDDED_PG_PORT, secrets: () => embeddedDatabaseSecrets({ home }) };
}

export async function backup(file: string): Promise<void> {
  const done = await backupEmbedded(embeddedHome('baton backup'), file, (line) => console.log(line));
  console.log(`Backed up ${done.rows} row(s) of ${done.tables} table(s), the Temporal database and the secrets of BATON_HOME to ${file}`);
}

export async function restore(file: string): Promise<void> {
  const target = embeddedHome('baton restore');
  const done = await restoreEmbedded(target, file);
  console.log(
    `Restored ${done.rows} row(s) of ${done.tables} table(s), the Temporal database and the secrets into ${target.home}; start it with \`baton up\``,
  );
}

/** The API's OpenAPI document, from the code alone: no database, Temporal or secret is read. */
export async function writeOpenApi(file: string | undefined): Promise<void> {
  const unused = 'not-used-by-the-openapi-document-'.padEnd(40, '-');
  const config = { ...loadConfig({ JWT_SECRET: unused, WEBHOOK_SIGNING_KEY: unused }), databaseUrl: '', temporalAddress: '' };
  const document = await describeApi(config);
  const text = file && /\.ya?ml$/.test(file) ? YAML.stringify(document) : `${JSON.stringify(document, null, 2)}\n`;
  if (file) writeFileSync(file, text);
  else process.stdout.write(text);
}

/** `baton setup`: what the embedded mode needs, obtained once. */
export async function setup(): Promise<void> {
  const config = loadEnv();
  console.log(
    config.TEMPORAL_ADDRESS
      ? `TEMPORAL_ADDRESS is set; no dev server needed.`
      : `Temporal CLI: ${await resolveTemporalCli(config.TEMPORAL_CLI_PATH)}`,
  );
}

/** `baton config`: every configuration variable, its description and default. */
export function listConfig(): void {
  for (const v of describeConfig())
    console.log(
      `${v.name}${v.secret ? ' (secret)' : ''}\n    ${v.description}\n    default: ${v.default === undefined ? '(unset)' : JSON.stringify(v.default)}`,
    );
}

/** A failure of a server command, told as its kind deserves: one line for a mistake, a JSON line once logging is JSON, else the stack. */
export function reportServerFailure(error: unknown): void {
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof EmbeddedHomeError) console.error(`baton: ${error.message}`);
  else if (loggingToJson) logger.fatal(error);
  else console.error(`baton: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
