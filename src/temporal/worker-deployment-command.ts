import { Connection } from '@temporalio/client';
import { Command } from 'commander';
import { hostname } from 'node:os';
import { loadConfig } from '../runtime/config/config.js';
import { temporalConnectionOptions } from '../runtime/temporal/temporal-connection.js';
import { WorkerDeployments, type DeploymentState } from '../runtime/temporal/worker-deployments.js';

/** A mistake the operator can fix: printed as one line, exit code 1. */
export class WorkerDeploymentCliError extends Error {}

/** `baton worker-deployment list`: one line a build, newest first, the current one marked. */
export function formatDeployment(name: string, state: DeploymentState | null): string {
  if (!state) return `No worker of deployment ${name} has polled Temporal yet.`;
  const builds = [...state.versions].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  return [
    `Worker deployment ${name}: new runs start on ${state.current ?? 'unversioned workers (no current build)'}`,
    ...builds.map(
      (v) => `${v.buildId === state.current ? '*' : ' '} ${v.buildId.padEnd(24)} ${v.status.padEnd(8)} since ${v.createdAt ?? '-'}`,
    ),
  ].join('\n');
}

async function withDeployments<T>(options: { deployment?: string }, work: (deployments: WorkerDeployments) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const name = options.deployment ?? config.WORKER_DEPLOYMENT_NAME;
  if (!name) throw new WorkerDeploymentCliError('no worker deployment named (set WORKER_DEPLOYMENT_NAME, or pass --deployment <name>)');
  if (!config.TEMPORAL_ADDRESS)
    throw new WorkerDeploymentCliError('TEMPORAL_ADDRESS is not set (worker versioning is for workers of a Temporal cluster)');
  const connection = await Connection.connect(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS));
  try {
    return await work(new WorkerDeployments(connection, config.TEMPORAL_NAMESPACE, name));
  } finally {
    await connection.close();
  }
}

/** `baton worker-deployment list|promote`: the builds of the workers' Temporal deployment, and which one new runs start on. */
export function workerDeploymentCommand(): Command {
  const command = new Command('worker-deployment').description(
    "The builds of the workers' Temporal worker deployment (WORKER_DEPLOYMENT_NAME): list them, or promote one so that new runs start on it",
  );
  command
    .command('list')
    .description('Each build with its status: current, draining (runs still pinned to it), drained (safe to stop its workers), inactive')
    .option('--deployment <name>', 'the deployment (default: WORKER_DEPLOYMENT_NAME)')
    .action((options: { deployment?: string }) =>
      withDeployments(options, async (deployments) => console.log(formatDeployment(deployments.name, await deployments.describe()))),
    );
  command
    .command('promote')
    .argument('<build-id>', "a build whose workers poll (`baton worker-deployment list`), e.g. the one a new release's worker logged")
    .description('New runs start on this build from now on; runs already going stay on the build they started on until they end')
    .option('--deployment <name>', 'the deployment (default: WORKER_DEPLOYMENT_NAME)')
    .action((buildId: string, options: { deployment?: string }) =>
      withDeployments(options, async (deployments) => {
        const known = (await deployments.describe())?.versions.some((v) => v.buildId === buildId);
        if (!known)
          throw new WorkerDeploymentCliError(
            `no worker of build ${buildId} has polled deployment ${deployments.name} (start the release's workers first; \`baton worker-deployment list\` shows the builds)`,
          );
        const { previous } = await deployments.promote(buildId, `baton-cli@${hostname()}`);
        console.log(
          `New runs of deployment ${deployments.name} start on ${buildId}${previous ? `; runs started on ${previous} stay on it until they end` : ''}.`,
        );
      }),
    );
  return command;
}
