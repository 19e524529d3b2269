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

/**
 * `baton up` (API and worker in one process) on a database and a Temporal namespace of its own,
 * on the stack's PostgreSQL and Temporal server: for tests that need an installation configured
 * differently (billing on for its worker too, a small fan-out budget) whose schedules and runs
 * the stack's own API and worker never see.
 */
export async function startIsolatedStack(env: Record<string, string>): Promise<IsolatedStack> {
  const suffix = randomUUID().slice(0, 8);
  const database = `baton_isolated_${suffix}`;
  const admin = inject('adminDatabaseUrl');
  // Owned by the stack's own role, which is no superuser: Baton connects to it as it would in production.
  const url = new URL(inject('databaseUrl'));
  await withClient(admin, (client) => client.query(`CREATE DATABASE "${database}" OWNER "${decodeURIComponent(url.username)}"`));
  url.pathname = `/${database}`;
  const namespace = `baton-isolated-${suffix}`;
  await createNamespace(namespace);
  const home = mkdtempSync(join(tmpdir(), 'baton-isolated-'));
  chmodSync(home, 0o755);
  const port = await freePort();
  const process = spawnBaton('up', {
    ...inject('apiEnv'),
    DATABASE_URL: url.toString(),
    TEMPORAL_NAMESPACE: namespace,
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
    databaseUrl: url.toString(),
    namespace,
    process,
    async stop() {
      await process.stop();
      await withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
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
