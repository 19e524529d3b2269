import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { RuntimeConfig } from '../src/runtime/config/runtime-config.js';
import { processMetrics } from '../src/runtime/metrics/baton-metrics.js';
import { runAdmissionFor } from '../src/runtime/ledger/run-admission.js';
import { pgSql } from '../src/runtime/database/sql.js';
import { RunLedger } from '../src/runtime/ledger/run-ledger.js';
import { serveMetrics } from '../src/runtime/metrics/metrics-server.js';
import { createLogger } from '../src/runtime/logging/logger.js';
import { TemporalPinoLogger } from '../src/runtime/logging/temporal-logger.js';
import type { Tracing } from '../src/runtime/tracing/tracing.js';
import { ChildRunsRepository } from './activities/child-runs.repository.js';
import { createActivities } from './activities/index.js';
import { activityLogAttributes } from './activities/log-attributes.interceptor.js';
import { inTransaction } from '../src/runtime/database/pg-transaction.js';
import { PluginStore } from './activities/plugin-store.js';
import { RunEventsRepository } from '../src/runtime/ledger/run-events.repository.js';
import { SecretStore } from './activities/secret-store.js';
import { createArtifactStore } from '../src/runtime/artifacts/create-artifact-store.js';
import { RunArtifactsRepository } from '../src/runtime/artifacts/run-artifacts.repository.js';
import { ModelStore } from './activities/model-store.js';
import { EgressBroker } from '../src/runtime/egress/egress-broker.js';
import { AddressPolicy } from '../src/runtime/egress/egress-policy.js';
import { installationEndpoints } from '../src/runtime/config/installation-endpoints.js';
import { drainingSince } from '../src/runtime/health/draining.js';
import { reportSandboxPosture } from '../src/runtime/health/sandbox-posture.js';
import { temporalConnectionOptions } from '../src/runtime/temporal/temporal-connection.js';
import { WorkerDeployments } from '../src/runtime/temporal/worker-deployments.js';
import { StepSandbox } from './sandbox/step-sandbox.js';
import { parseDuration } from './contracts/duration.js';
import { DEFAULT_POOL, poolTaskQueue } from './contracts/pipeline.contract.js';
import { tracingWorkerOptions, WORKFLOW_INTERCEPTOR_MODULES } from './worker-tracing.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.js', import.meta.url));
/** Written by `npm run build` (scripts/bundle-workflows), so workers start without bundling. */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** Stops polling, waits for running steps up to WORKER_DRAIN_TIMEOUT, then closes everything. */
  shutdown: () => Promise<void>;
}

const bundleFromSource = async () =>
  (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES })).code;

async function workflowSource(): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  return existsSync(WORKFLOW_BUNDLE_PATH) ? { codePath: WORKFLOW_BUNDLE_PATH } : { code: await bundleFromSource() };
}

/**
 * The build id a worker gets without WORKER_BUILD_ID: `wf-` and the digest of the interpreter
 * workflows' code, so that a release whose workflow code changed is a new worker version and one
 * whose code did not is not. Read only with worker versioning on.
 */
async function defaultBuildId(): Promise<string> {
  const code = existsSync(WORKFLOW_BUNDLE_PATH) ? await readFile(WORKFLOW_BUNDLE_PATH, 'utf8') : await bundleFromSource();
  return `wf-${createHash('sha256').update(code).digest('hex').slice(0, 12)}`;
}

let runtimeInstalled = false;

/**
 * The Temporal SDK logs through one process-wide runtime, installed once before any worker: its
 * lines, and the Rust core's (forwarded, instead of printed on stderr), go to pino. Its metrics
 * (task slots, poll latency, schedule-to-start, sticky cache…) are served by the core on a loopback
 * port and appended to Baton's page, so one scrape of a worker has both.
 */
async function installRuntime(config: RuntimeConfig): Promise<void> {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const corePort = await freeLoopbackPort();
  Runtime.install({
    logger: new TemporalPinoLogger(createLogger('worker', config)),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      metrics: {
        prometheus: { bindAddress: `127.0.0.1:${corePort}`, useSecondsForDurations: true, unitSuffix: true, countersTotalSuffix: true },
      },
    },
  });
  processMetrics({ tenantLabels: config.METRICS_TENANT_LABELS }).appendFrom(async () => {
    const answer = await fetch(`http://127.0.0.1:${corePort}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return answer.ok ? answer.text() : '';
  });
}

/** A port nothing listens on now, for the Temporal core's exporter (it takes an address, not port 0). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startWorker(config: RuntimeConfig, tracing?: Tracing): Promise<RunningWorker> {
  await installRuntime(config);
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.DATABASE_POOL_SIZE });
  // PostgreSQL restarting drops idle connections with an 'error' event; unheard, it would end the worker.
  pool.on('error', (error) => Runtime.instance().logger.warn(`An idle database connection was lost: ${error.message}`));
  // A fan-out keeps many processes of one plugin busy; spawning one per item would cost more than
  // the items. Up to as many stay warm as the worker may run steps at once, until idle for 30 s.
  const warm = config.WORKER_MAX_CONCURRENT_STEPS;
  // The sandbox uid must be able to traverse to the bundles; the folders above are the operator's.
  await mkdir(config.pluginCacheDir, { recursive: true, mode: 0o755 });
  const artifacts = createArtifactStore(config);
  const runArtifacts = new RunArtifactsRepository(pgSql(pool));
  const installation = installationEndpoints(config);
  const sandbox = new StepSandbox({
    memoryMb: config.STEP_MEMORY_MB,
    maxIdlePerKey: warm,
    maxIdleTotal: warm,
    spares: config.SANDBOX_SPARE_PROCESSES,
    broker: new EgressBroker({ allowCidrs: config.EGRESS_ALLOW_CIDRS, installation }),
    relayPolicy: new AddressPolicy({ allowCidrs: config.SANDBOX_ALLOW_CIDRS, installation }),
    artifacts,
    recordArtifact: (tenantId, runId, stepId, ref) => runArtifacts.record(tenantId, runId, stepId, ref),
    isolation: { mode: config.SANDBOX_ISOLATION, uids: config.SANDBOX_UID_RANGE },
    bundleDirs: [config.pluginCacheDir],
    scratchDir: config.scratchDir,
    scratchFileMb: config.SANDBOX_SCRATCH_FILE_MB,
  });
  const { logger } = Runtime.instance();
  const { level, message, ...posture } = sandbox.posture;
  logger[level](message);
  reportSandboxPosture(posture);
  const traced = tracingWorkerOptions(tracing);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config, config.temporalAddress));
  const metrics = processMetrics({ tenantLabels: config.METRICS_TENANT_LABELS });
  const admission = runAdmissionFor(config);
  metrics.sandboxIsolation(posture.isolation);
  const drainMs = parseDuration(config.WORKER_DRAIN_TIMEOUT)!;
  // The default pool runs the interpreter workflows and their steps; any other pool only the steps
  // sent to it (`runsOn`), from a task queue of its own.
  const servesWorkflows = config.WORKER_POOL === DEFAULT_POOL;
  const buildId = config.WORKER_DEPLOYMENT_NAME ? (config.WORKER_BUILD_ID ?? (await defaultBuildId())) : undefined;
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: poolTaskQueue(config.TEMPORAL_TASK_QUEUE, config.WORKER_POOL),
    ...(servesWorkflows ? { workflowBundle: await workflowSource(), sinks: traced.sinks } : {}),
    // Worker versioning: a run stays on the build it started on (pinned), so a release may change
    // the workflow code freely; the builds before it serve their runs until those end.
    ...(config.WORKER_DEPLOYMENT_NAME && buildId
      ? {
          workerDeploymentOptions: {
            version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId },
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'PINNED',
          },
        }
      : {}),
    activities: createActivities({
      events: new RunEventsRepository(pool, metrics),
      childRuns: new ChildRunsRepository(pool),
      ledger: new RunLedger((work) => inTransaction(pool, (client) => work(pgSql(client))), admission),
      admission,
      secrets: new SecretStore(pool, config.masterKeys),
      models: new ModelStore(pool),
      plugins: new PluginStore(pool, config.pluginCacheDir),
      sandbox,
      heartbeatEveryMs: 1_000,
      localItemSlots: config.WORKER_MAX_CONCURRENT_STEPS,
      metrics,
      tracer: tracing?.tracer,
    }),
    interceptors: { activity: [...traced.activityInterceptors, activityLogAttributes] },
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_STEPS,
    // Local activities are light steps (workers/contracts/step-execution.contract.ts) and the
    // workflows' own event records: room for as many light steps as steps, and as many records again.
    maxConcurrentLocalActivityExecutions: 2 * config.WORKER_MAX_CONCURRENT_STEPS,
    // Cancellation reaches an activity with its next heartbeat; keep that prompt.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // On shutdown the worker stops polling and lets running steps finish for drainMs; then Temporal
    // cancels them (their sandboxes get cancelGraceMs to wind down) and retries them elsewhere.
    // Past the force time the worker gives up waiting, so a step that ignores cancellation cannot
    // keep the process alive.
    shutdownGraceTime: drainMs,
    shutdownForceTime: drainMs + 15_000,
  });
  let stoppingSince: Date | undefined;
  const readiness = () => {
    const since = drainingSince() ?? stoppingSince ?? (worker.getState() === 'RUNNING' ? undefined : new Date());
    return since ? { status: 'draining', since: since.toISOString(), sandbox: posture } : { status: 'ok', sandbox: posture };
  };
  // Alive while its Temporal worker runs or drains; a failed one (its poller gave up) should be restarted.
  const liveness = () => {
    const state = worker.getState();
    return { status: state === 'FAILED' ? 'failed' : 'ok', state: state.toLowerCase() };
  };
  const metricsServer = config.WORKER_METRICS_PORT
    ? await serveMetrics(metrics, config.WORKER_METRICS_PORT, config.METRICS_HOST, { readiness, liveness })
    : undefined;
  if (metricsServer) logger.info(`Worker metrics on http://${config.METRICS_HOST}:${metricsServer.port}/metrics`);
  // Temporal's runtime also stops its workers on SIGTERM/SIGINT (its shutdown hook): either way,
  // run() resolves only once the running steps ended, so the sandbox below is closed after them.
  const stopPromoting = new AbortController();
  const done = worker.run().finally(async () => {
    stopPromoting.abort();
    await metricsServer?.close();
    await sandbox.close();
    artifacts.close?.();
    await connection.close();
    await pool.end();
  });
  if (config.WORKER_DEPLOYMENT_NAME && buildId && servesWorkflows)
    void promoteFirstBuild(config, config.WORKER_DEPLOYMENT_NAME, buildId, stopPromoting.signal);
  return {
    done,
    async shutdown() {
      stoppingSince ??= new Date();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      const started = Date.now();
      const steps = sandbox.stats().busy;
      if (steps) logger.info(`Draining: waiting up to ${config.WORKER_DRAIN_TIMEOUT} for ${steps} running step(s)`);
      await done;
      if (steps) logger.info(`Drained in ${Date.now() - started} ms`);
    },
  };
}

/**
 * The first build of a deployment becomes its current version by itself, so that a new
 * installation runs without a manual step; a later one waits for `baton worker-deployment promote`.
 */
async function promoteFirstBuild(config: RuntimeConfig, deployment: string, buildId: string, signal: AbortSignal): Promise<void> {
  const { logger } = Runtime.instance();
  const connection = await Connection.connect(temporalConnectionOptions(config, config.temporalAddress));
  try {
    const deployments = new WorkerDeployments(connection, config.TEMPORAL_NAMESPACE, deployment);
    if (await deployments.promoteIfNoneCurrent(buildId, `baton-worker@${hostname()}`, signal))
      logger.info(`Build ${buildId} is the current version of worker deployment ${deployment}: new runs start on it`);
    else if (!signal.aborted)
      logger.info(
        `Build ${buildId} serves worker deployment ${deployment}; new runs start on it once promoted (baton worker-deployment promote ${buildId})`,
      );
  } catch (error) {
    logger.warn(`Could not check worker deployment ${deployment}: ${(error as Error).message}`);
  } finally {
    await connection.close();
  }
}
