/**
 * The normalised pipeline definition that the control plane pins into a run and the
 * interpreter workflow walks. Pure types: both sides of the seam import this file.
 */
export interface RetryPolicyDefinition {
  maxAttempts?: number;
  /** Duration string: `500ms`, `5s`, `1m`, `2h`, `1d`. */
  initialInterval?: string;
  backoffCoefficient?: number;
  maxInterval?: string;
}

export interface ApprovalDefinition {
  /** Roles that may decide (each includes the roles above it). */
  roles: Array<'owner' | 'admin' | 'operator' | 'viewer'>;
  timeout: string;
  onTimeout: 'approve' | 'reject';
}

export interface PipelineStep {
  /** `plugin/step@range` as written by the user; absent on approval steps. */
  uses?: string;
  approval?: ApprovalDefinition;
  needs?: string[];
  /** A literal boolean or a `${{ }}` expression string. */
  if?: boolean | string;
  with?: Record<string, unknown>;
  retry?: RetryPolicyDefinition;
  timeout?: string;
  continueOnError?: boolean;
  /** Fan-out: a `${{ }}` expression or a literal array; the step runs once per item (`${{ item }}`). */
  forEach?: string | unknown[];
  /** At most this many items of a `forEach` run at once. */
  maxParallel?: number;
  /** The worker pool whose workers run this step (`baton worker --pool <name>`); else the pipeline's `runsOn`. */
  runsOn?: string;
  /**
   * `activity` keeps the step a Temporal activity; `local` asks for a local activity on the workflow's
   * worker (short steps: no server round trip). Absent: the engine chooses (step-execution.contract.ts).
   */
  execution?: 'activity' | 'local';
  name?: string;
}

export interface PipelineDefinition {
  apiVersion: 'baton/v1';
  kind: 'Pipeline';
  name: string;
  description?: string;
  /** JSON Schema `properties` of the run's inputs. */
  inputs?: Record<string, Record<string, unknown>>;
  /** Names of required inputs (JSON Schema `required`). */
  required?: string[];
  timeout?: string;
  sla?: string;
  concurrency?: number;
  defaults?: { retry?: RetryPolicyDefinition; timeout?: string };
  /** The worker pool of every plugin step that names none; else the installation's default pool. */
  runsOn?: string;
  steps: Record<string, PipelineStep>;
  /** Run in order when the run fails; each is pinned and recorded as step `onFailure[i]`. */
  onFailure?: Array<Pick<PipelineStep, 'uses' | 'with' | 'retry' | 'timeout' | 'name'>>;
  outputs?: Record<string, unknown>;
}

/** The pool that serves the installation's own task queue: the interpreter workflows and every step that names no other. */
export const DEFAULT_POOL = 'default';
/** A pool's name is also a Kubernetes label value and part of a Temporal task queue name. */
export const POOL_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * The task queue a pool's workers poll for steps: the installation's own (`TEMPORAL_TASK_QUEUE`)
 * for the default pool, else that name and the pool's (`baton-shared@gpu`).
 */
export function poolTaskQueue(installationQueue: string, pool: string | undefined): string {
  return pool === undefined || pool === DEFAULT_POOL ? installationQueue : `${installationQueue}@${pool}`;
}

/** The pool a plugin step runs on: its own `runsOn`, else the pipeline's, else the default pool. */
export const stepPool = (step: Pick<PipelineStep, 'runsOn'>, definition: Pick<PipelineDefinition, 'runsOn'>): string =>
  step.runsOn ?? definition.runsOn ?? DEFAULT_POOL;

/** The step id under which the i-th `onFailure` handler is pinned and recorded; no step id can look like it. */
export const failureHandlerId = (index: number) => `onFailure[${index}]`;

/** A `uses` reference resolved to one exact plugin version when the pipeline was saved. */
export interface PinnedStep {
  plugin: string;
  step: string;
  version: string;
  digest: string;
}

/** The exact, immutable thing a run executes. */
export interface PinnedPipeline {
  name: string;
  version: number;
  definition: PipelineDefinition;
  /** Keyed by step id. */
  pins: Record<string, PinnedStep>;
}

/** What a step gets when neither it nor the pipeline's `defaults` says otherwise. */
export const DEFAULT_RETRY: Required<RetryPolicyDefinition> = {
  maxAttempts: 3,
  initialInterval: '1s',
  backoffCoefficient: 2,
  maxInterval: '1m',
};
export const DEFAULT_STEP_TIMEOUT = '10m';

/** A fan-out bigger than this fails the step: each item is a Temporal activity and an event. */
export const MAX_FOR_EACH_ITEMS = 10_000;
export const DEFAULT_MAX_PARALLEL = 10;
export const MAX_PARALLEL = 200;

/** What a step row shows as `uses` for an approval step. */
export const APPROVAL_USES = 'approval';
