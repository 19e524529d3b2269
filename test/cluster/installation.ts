/**
 * Baton scaled out on a real Temporal cluster for the cluster tier and `npm run bench:scale`:
 * PostgreSQL (embedded, as the other tiers), the cluster of temporal-cluster.ts, and `baton api`
 * and `baton worker` processes added as the test asks, each on a frontend of its choosing.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDatabase, randomDatabaseSecrets, startEmbeddedPostgres } from '../../src/runtime/database/embedded-postgres.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';
import { ensureTemporalServer, startTemporalCluster, type TemporalCluster } from './temporal-cluster.js';

export const NAMESPACE = 'baton';

export interface ClusterInstallation {
  cluster: TemporalCluster;
  databaseUrl: string;
  home: string;
  /** Every Baton process started, by name (`api-1`, `worker-gpu-1`…). */
  processes: Map<string, BatonProcess>;
  /** Starts `baton api` on the given frontend; resolves once it is ready, with its base URL. */
  startApi(name: string, frontend: number): Promise<string>;
  /** Starts `baton worker` (of `pool`) on the given frontend. */
  startWorker(name: string, frontend: number, pool?: string): BatonProcess;
  stop(): Promise<void>;
}

export async function startClusterInstallation(
  options: { workerPools?: string[]; log?: (line: string) => void } = {},
): Promise<ClusterInstallation> {
  const log = options.log ?? (() => {});
  const home = mkdtempSync(join(tmpdir(), 'baton-cluster-'));
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const build = await ensureTemporalServer();
    log(`Temporal server: ${build.server}`);
    // Six Temporal services and five Baton processes, each with pools of their own.
    const postgres = await startEmbeddedPostgres(join(home, 'pg'), await freePort(), randomDatabaseSecrets(), undefined, {
      maxConnections: 300,
    });
    stops.push(postgres.stop);
    const cluster = await startTemporalCluster({ build, adminUrl: postgres.adminUrl, home: join(home, 'temporal'), shards: 16 });
    stops.push(cluster.stop);
    log(`Temporal cluster up: frontends ${cluster.frontends.join(', ')}`);
    const cli = await resolveTemporalCli(undefined, () => {});
    await promisify(execFile)(cli, [
      'operator',
      'namespace',
      'create',
      '--namespace',
      NAMESPACE,
      '--address',
      cluster.frontends[0],
      '--retention',
      '24h',
    ]);
    log(`Namespace ${NAMESPACE} created`);
    await ensureDatabase(postgres.adminUrl, 'baton_cluster');
    const databaseUrl = Object.assign(new URL(postgres.adminUrl), { pathname: '/baton_cluster' }).toString();
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_NAMESPACE: NAMESPACE,
      BATON_HOME: join(home, 'baton'),
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      WEBHOOK_SIGNING_KEY: randomBytes(32).toString('base64url'),
      SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
      STEP_MEMORY_MB: '256',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...(options.workerPools ? { WORKER_POOLS: options.workerPools.join(',') } : {}),
    };
    const processes = new Map<string, BatonProcess>();
    const stopBaton = async () => {
      await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
    };
    return {
      cluster,
      databaseUrl,
      home,
      processes,
      async startApi(name, frontend) {
        const port = await freePort();
        const api = spawnBaton('api', { ...env, PORT: String(port), TEMPORAL_ADDRESS: cluster.frontends[frontend] });
        processes.set(name, api);
        const url = `http://127.0.0.1:${port}`;
        await waitForHttp(`${url}/readyz`, 120_000, () => api.child.exitCode === null).catch((error: Error) => {
          throw new Error(`${name} did not start: ${error.message}\n${api.output()}`);
        });
        return url;
      },
      startWorker(name, frontend, pool) {
        const worker = spawnBaton(['worker', ...(pool ? ['--pool', pool] : [])], { ...env, TEMPORAL_ADDRESS: cluster.frontends[frontend] });
        processes.set(name, worker);
        return worker;
      },
      async stop() {
        await stopBaton();
        for (const stop of stops.reverse()) await stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
