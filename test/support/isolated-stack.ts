import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { inject } from 'vitest';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from './processes.js';

export interface IsolatedStack {
  baseUrl: string;
  databaseUrl: string;
  namespace: string;
  process: BatonProcess;
  stop(): Promise<void>;
}

export interface IsolatedInstallation {
  databaseUrl: string;
  namespace: string;
  /** Drops the database; its processes must have stopped. */
  drop(): Promise<void>;
}

/**
 * A database and a Temporal namespace of their own on the stack's PostgreSQL and Temporal server:
 * processes started on them form an installation of their own, whose leader jobs (run dispatch,
 * event triggers, schedules, the run sweep) never take the stack's runs, nor the stack's its runs.
 */
export async function isolatedInstallation(): Promise<IsolatedInstallation> {
  const suffix = randomUUID().slice(0, 8);
  const database = `baton_isolated_${suffix}`;
  const admin = inject('adminDatabaseUrl');
  // Owned by the stack's own role, which is no superuser: Baton connects to it as it would in production.
  const url = new URL(inject('databaseUrl'));
  await withClient(admin, (client) => client.query(`CREATE DATABASE "${database}" OWNER "${decodeURIComponent(url.username)}"`));
  url.pathname = `/${database}`;
  const namespace = `baton-isolated-${suffix}`;
  await createNamespace(namespace);
  return {
    databaseUrl: url.toString(),
    namespace,
    drop: () => withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)),
  };
}

/**
 * `baton up` (API and worker in one process) on an isolated installation: for tests that need one
 * configured differently (billing on for its worker too, a small fan-out budget).
 */
export async function startIsolatedStack(env: Record<string, string>): Promise<IsolatedStack> {
  const installation = await isolatedInstallation();
  const home = mkdtempSync(join(tmpdir(), 'baton-isolated-'));
  chmodSync(home, 0o755);
  const port = await freePort();
  const process = spawnBaton('up', {
    ...inject('apiEnv'),
    DATABASE_URL: installation.databaseUrl,
    TEMPORAL_NAMESPACE: installation.namespace,
    PORT: String(port),
    BATON_HOME: home,
    ...env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/readyz`, 90_000, () => process.child.exitCode === null);
  } catch (error) {
    console.error(process.output());
    throw error;
  }
  return {
    baseUrl,
    databaseUrl: installation.databaseUrl,
    namespace: installation.namespace,
    process,
    async stop() {
      await process.stop();
      await installation.drop();
    },
  };
}

async function withClient(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** A namespace on the stack's Temporal server, once its frontend serves it. */
async function createNamespace(namespace: string): Promise<void> {
  const address = inject('temporalAddress');
  await promisify(execFile)(inject('temporalCliPath'), [
    'operator',
    'namespace',
    'create',
    '--namespace',
    namespace,
    '--address',
    address,
    '--retention',
    '24h',
  ]);
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    for (let tries = 0; ; tries++) {
      try {
        await client.workflow.count();
        return;
      } catch (error) {
        if (tries > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await connection.close();
  }
}
