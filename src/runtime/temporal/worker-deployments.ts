import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

/**
 * Temporal worker deployments (Worker Versioning) as Baton uses them: every worker of one release
 * is a version (its build id) of the installation's deployment; a run is pinned to the version it
 * started on, and new runs start on the deployment's current version. Used by the worker (to
 * become current when nothing is) and by `baton worker-deployment` (to list and promote).
 */
const { WorkerDeploymentVersionStatus } = proto.temporal.api.enums.v1;

export type VersionStatus = 'inactive' | 'current' | 'ramping' | 'draining' | 'drained';

export interface DeploymentVersion {
  buildId: string;
  status: VersionStatus;
  createdAt: string | null;
}

export interface DeploymentState {
  /** The build id new runs start on; null while the deployment has none (runs go to unversioned workers). */
  current: string | null;
  versions: DeploymentVersion[];
}

const STATUS: Record<number, VersionStatus> = {
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE]: 'inactive',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT]: 'current',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING]: 'ramping',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING]: 'draining',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED]: 'drained',
};

const NOT_FOUND = 5;
const isNotFound = (error: unknown) => (error as { code?: number }).code === NOT_FOUND;

export class WorkerDeployments {
  constructor(
    private readonly connection: Connection,
    private readonly namespace: string,
    readonly name: string,
  ) {}

  /** Null when no worker of the deployment ever polled. */
  async describe(): Promise<DeploymentState | null> {
    try {
      const { workerDeploymentInfo: info } = await this.connection.workflowService.describeWorkerDeployment({
        namespace: this.namespace,
        deploymentName: this.name,
      });
      return {
        current: info?.routingConfig?.currentDeploymentVersion?.buildId || null,
        versions: (info?.versionSummaries ?? []).map((summary) => ({
          buildId: summary.deploymentVersion?.buildId ?? '',
          status: STATUS[summary.status ?? 0] ?? 'inactive',
          createdAt: summary.createTime?.seconds ? new Date(Number(summary.createTime.seconds) * 1000).toISOString() : null,
        })),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** New runs start on `buildId` from now on; runs already going stay on their version. */
  async promote(buildId: string, identity: string): Promise<{ previous: string | null }> {
    const answer = await this.connection.workflowService.setWorkerDeploymentCurrentVersion({
      namespace: this.namespace,
      deploymentName: this.name,
      buildId,
      identity,
    });
    return { previous: answer.previousDeploymentVersion?.buildId || null };
  }

  /**
   * Makes `buildId` current if the deployment has no current version yet — its first release, so
   * that a fresh installation runs without a manual step — and answers whether it did. A later
   * release waits to be promoted. Retried while Temporal does not know the version yet (it learns
   * of it from the worker's first poll).
   */
  async promoteIfNoneCurrent(buildId: string, identity: string, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const state = await this.describe();
      if (state?.current) return false;
      if (state?.versions.some((version) => version.buildId === buildId)) {
        await this.promote(buildId, identity);
        return true;
      }
      if (signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
