/**
 * A real Temporal cluster on loopback for the cluster tier: the Temporal server built once from the
 * Go module proxy (like the Temporal CLI; it is on neither npm nor Debian), its schema applied by
 * its own SQL tool on PostgreSQL, and each service a process of its own — two frontends, two
 * history nodes, matching and the worker service — so that a test can kill one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import YAML from 'yaml';
import { freePort } from '../support/processes.js';

const run = promisify(execFile);

export interface TemporalServerBuild {
  server: string;
  sqlTool: string;
  /** The module's schema folder (schema/postgresql/v12). */
  schema: string;
}

/**
 * `server` and `sql` of go.temporal.io/server, built once by scripts/ensure-temporal-server.sh
 * (which `npm test` starts early, beside the other tiers), and the schema files of the module's
 * source, which the build downloaded.
 */
export async function ensureTemporalServer(): Promise<TemporalServerBuild> {
  // Run from the repository's root, as npm runs tests and benchmarks.
  const bin = (await run('bash', ['scripts/ensure-temporal-server.sh'], { maxBuffer: 1 << 20 })).stdout.trim();
  const version = /temporal-server-([0-9.]+)\/bin$/.exec(bin)?.[1];
  if (!version) throw new Error(`not a temporal-server-<version>/bin folder: ${bin}`);
  const { stdout } = await run('go', ['mod', 'download', '-json', `go.temporal.io/server@v${version}`], {
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
  return { server: join(bin, 'server'), sqlTool: join(bin, 'sql'), schema: join(dir, 'schema', 'postgresql', 'v12') };
}

export type ServiceName = 'frontend' | 'history' | 'matching' | 'worker';

export interface ClusterService {
  /** e.g. `frontend-1`, `history-2`. */
  id: string;
  service: ServiceName;
  grpcPort: number;
  child: ChildProcess | undefined;
}

export interface TemporalCluster {
  /** The frontends' host:port, first one first. */
  frontends: string[];
  services: ClusterService[];
  /** SIGKILLs one service process (`history-2`…), as a machine failure would. */
  kill(id: string): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterOptions {
  build: TemporalServerBuild;
  /** A PostgreSQL role that may create databases: `postgres://user:password@host:port/db`. */
  adminUrl: string;
  home: string;
  shards: number;
}

/** Two frontends, two history nodes, matching and the worker service over PostgreSQL. */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { build, adminUrl, home, shards } = options;
  mkdirSync(home, { recursive: true });
  const admin = new URL(adminUrl);
  const suffix = `${process.pid}_${Date.now()}`;
  const databases = { default: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  for (const [store, db] of [
    ['temporal', databases.default],
    ['visibility', databases.visibility],
  ] as const) {
    const sql = (...args: string[]) =>
      run(build.sqlTool, [
        '--plugin',
        'postgres12',
        '--ep',
        admin.hostname,
        '--port',
        admin.port,
        '--user',
        decodeURIComponent(admin.username),
        '--password',
        decodeURIComponent(admin.password),
        '--db',
        db,
        ...args,
      ]);
    await sql('create-database');
    await sql('setup-schema', '-v', '0.0');
    await sql('update-schema', '-d', join(build.schema, store, 'versioned'));
  }

  const layout: Array<Pick<ClusterService, 'id' | 'service'>> = [
    { id: 'frontend-1', service: 'frontend' },
    { id: 'frontend-2', service: 'frontend' },
    { id: 'history-1', service: 'history' },
    { id: 'history-2', service: 'history' },
    { id: 'matching-1', service: 'matching' },
    { id: 'worker-1', service: 'worker' },
  ];
  const ports: Array<{ grpc: number; membership: number; http: number }> = [];
  for (const _ of layout) ports.push({ grpc: await freePort(), membership: await freeSmallintPort(), http: await freePort() });
  const firstFrontend = `127.0.0.1:${ports[0].grpc}`;
  const datastore = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${admin.hostname}:${admin.port}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(admin.username),
      password: decodeURIComponent(admin.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const dynamicConfig = join(home, 'dynamic-config.yaml');
  writeFileSync(
    dynamicConfig,
    YAML.stringify({
      // Search attributes Baton adds at start are seen by every frontend at once.
      'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
    }),
  );
  const configOf = (index: number) => {
    const own = layout[index];
    const services = Object.fromEntries(
      (['frontend', 'history', 'matching', 'worker'] as const).map((service) => {
        const at = own.service === service ? index : layout.findIndex((entry) => entry.service === service);
        return [
          service,
          {
            rpc: {
              grpcPort: ports[at].grpc,
              membershipPort: ports[at].membership,
              bindOnLocalHost: true,
              ...(service === 'frontend' ? { httpPort: ports[at].http } : {}),
            },
          },
        ];
      }),
    );
    return {
      log: { stdout: true, level: 'warn' },
      persistence: {
        defaultStore: 'default',
        visibilityStore: 'visibility',
        numHistoryShards: shards,
        datastores: { default: datastore(databases.default, 6), visibility: datastore(databases.visibility, 2) },
      },
      global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
      services,
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: firstFrontend } },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      publicClient: { hostPort: firstFrontend },
      dynamicConfigClient: { filepath: dynamicConfig, pollInterval: '10s' },
    };
  };

  const services: ClusterService[] = layout.map((entry, index) => ({ ...entry, grpcPort: ports[index].grpc, child: undefined }));
  const start = (index: number) => {
    const file = join(home, `${services[index].id}.yaml`);
    writeFileSync(file, YAML.stringify(configOf(index)));
    const log = join(home, `${services[index].id}.log`);
    const child = spawn(build.server, ['--config-file', file, '--allow-no-auth', 'start', '--service', services[index].service], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
    child.stderr.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
    services[index].child = child;
  };
  const frontends = services.filter((s) => s.service === 'frontend').map((s) => `127.0.0.1:${s.grpcPort}`);
  const alive = () => services.every((s) => !s.child || s.child.exitCode === null);
  // The first process writes the cluster's metadata into the new database; started together, the
  // others raced it for that row and one would exit ("failed to initialize current cluster metadata").
  start(0);
  await waitForFrontend(frontends[0], alive, home);
  services.forEach((_, index) => index > 0 && start(index));
  for (const address of frontends) await waitForFrontend(address, alive, home);

  const stopOne = async (service: ClusterService, signal: NodeJS.Signals) => {
    const child = service.child;
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    frontends,
    services,
    async kill(id) {
      const service = services.find((s) => s.id === id);
      if (!service) throw new Error(`no service ${id}`);
      await stopOne(service, 'SIGKILL');
    },
    async stop() {
      await Promise.all(services.map((service) => stopOne(service, 'SIGTERM')));
    },
  };
}

/** Temporal keeps a membership port in a smallint column: a free port below 32768, outside the ephemeral range. */
async function freeSmallintPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function waitForFrontend(address: string, alive: () => boolean, home: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!alive()) throw new Error(`a Temporal service exited while the cluster started (logs in ${home})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Temporal frontend ${address} not up after 120 s (logs in ${home}): ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
