/**
 * What both interpreter workflows share: running one plugin step through the generic
 * `executeStep` activity with the step's retry and timeout, classifying how it failed, and
 * recording run events. Deterministic: imports only the workflow SDK and the contracts.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  patched,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { parseDuration } from '../contracts/duration.js';
import { secretPlacements, type SecretPlacement } from '../contracts/expressions/index.js';
import {
  DEFAULT_POOL,
  DEFAULT_RETRY,
  poolTaskQueue,
  DEFAULT_STEP_TIMEOUT,
  LIGHT_STEPS_PATCH,
  NON_RETRYABLE_FAILURE_TYPES,
  STEP_FAILURE_TYPES,
  type StepExecution,
  type ErrorInfo,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type ItemChunkInput,
  type ItemChunkResult,
  type PipelineDefinition,
  type RunEvent,
  type RunStartAnswer,
  type PipelineStep,
  type StepRetryPolicy,
} from '../contracts/index.js';

/** The sandbox kills a step at its timeout; Temporal's own timeout is a backstop just after. */
const ACTIVITY_TIMEOUT_GRACE_MS = 5_000;

const { recordRunEvents } = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

export const now = () => new Date().toISOString();
export const ms = (duration: string | undefined, fallback: string) => parseDuration(duration ?? fallback) ?? parseDuration(fallback)!;

/** Events are recorded even while the run is being cancelled. */
export async function recordEvents(tenantId: string, runId: string, events: RunEvent[]): Promise<void> {
  if (!events.length) return;
  await CancellationScope.nonCancellable(() => recordRunEvents(tenantId, runId, events));
}

/**
 * Records the run's first events (`run.started` among them) and answers whether the run ended
 * before its workflow started. The same activity as `recordEvents`: histories recorded before this
 * answer existed hold none (`undefined`), which reads as "go on".
 */
export async function recordRunStart(tenantId: string, runId: string, events: RunEvent[]): Promise<RunStartAnswer> {
  return (await CancellationScope.nonCancellable(() => recordRunEvents(tenantId, runId, events))) ?? {};
}

/** The secret placements of a step's literal `with`, as `executeStep` takes them (none: no field, as before secrets existed). */
export function withSecrets(literal: Record<string, unknown> | undefined): { secrets?: SecretPlacement[] } {
  const secrets = secretPlacements(literal ?? {});
  return secrets.length ? { secrets } : {};
}

/**
 * Where a step runs in this workflow: a light route (`local`, `workflow`) only once the run records
 * the light-steps patch, so that histories recorded before it replay with activities.
 */
export const lightExecution = (execution: StepExecution): StepExecution =>
  execution !== 'activity' && patched(LIGHT_STEPS_PATCH) ? execution : 'activity';

/** A step's own timeout, else the pipeline default, else the platform's. */
export const stepTimeoutMs = (step: Pick<PipelineStep, 'timeout'>, defaults: PipelineDefinition['defaults']) =>
  ms(step.timeout ?? defaults?.timeout, DEFAULT_STEP_TIMEOUT);

/**
 * Runs one execution of a plugin step with the step's retry policy, on its pool's task queue, or as
 * a local activity on this worker (`local`: no round trip through the server; the same retry policy
 * and timeout, no heartbeat, since the workflow task itself shows the worker alive). Rejects as
 * Temporal reports failures. A step of the default pool is scheduled exactly as before pools
 * existed (no task queue named), so that older histories replay.
 */
export async function executeStepActivity(
  input: ExecuteStepInput,
  step: Pick<PipelineStep, 'retry'>,
  defaults: PipelineDefinition['defaults'],
  pool: string = DEFAULT_POOL,
  local = false,
): Promise<ExecuteStepOutput> {
  const retry = stepRetryPolicy(step, defaults);
  const common = {
    startToCloseTimeout: input.timeoutMs + ACTIVITY_TIMEOUT_GRACE_MS,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maxIntervalMs,
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  };
  if (local) return proxyLocalActivities<BatonActivities>(common).executeStep(input);
  const { executeStep } = proxyActivities<BatonActivities>({
    ...(pool === DEFAULT_POOL ? {} : { taskQueue: poolTaskQueue(workflowInfo().taskQueue, pool) }),
    ...common,
    heartbeatTimeout: '10s',
  });
  return executeStep(input);
}

/** The step's own retry policy over the pipeline's defaults over the platform's. */
export function stepRetryPolicy(step: Pick<PipelineStep, 'retry'>, defaults: PipelineDefinition['defaults']): StepRetryPolicy {
  const retry = { ...DEFAULT_RETRY, ...defaults?.retry, ...step.retry };
  const initialIntervalMs = ms(retry.initialInterval, DEFAULT_RETRY.initialInterval);
  return {
    maxAttempts: retry.maxAttempts,
    initialIntervalMs,
    backoffCoefficient: retry.backoffCoefficient,
    // Temporal refuses to schedule an activity whose maximum interval is below its initial one.
    maxIntervalMs: Math.max(initialIntervalMs, ms(retry.maxInterval, DEFAULT_RETRY.maxInterval)),
  };
}

/**
 * Runs a chunk of a local fan-out's items in one local activity (execute-item-chunk.activity.ts),
 * which retries each item itself. Temporal retries the chunk only when it could not finish at all
 * (its worker went away); an item's own failures come back as outcomes.
 */
export async function executeItemChunkActivity(input: ItemChunkInput): Promise<ItemChunkResult> {
  const { executeItemChunk } = proxyLocalActivities<BatonActivities>({
    startToCloseTimeout: input.budgetMs + input.timeoutMs + ACTIVITY_TIMEOUT_GRACE_MS,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  return executeItemChunk(input);
}

/** How a step execution that is not cancelled ended, from what Temporal reported. */
export function classifyFailure(stepId: string, error: unknown): { status: 'failed' | 'timed_out'; info: ErrorInfo; endedAt?: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const [code, stepCode, endedAt] = (cause.details ?? []).map((detail) => (typeof detail === 'string' ? detail : undefined));
    return {
      status: cause.type === STEP_FAILURE_TYPES.timeout ? 'timed_out' : 'failed',
      info: { message: cause.message, code: code ?? 'step_error', ...(stepCode ? { stepCode } : {}), step: stepId },
      ...(endedAt ? { endedAt } : {}),
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      status: 'timed_out',
      info: { message: `The step's worker stopped responding (${cause.timeoutType})`, code: 'timeout', step: stepId },
    };
  }
  return { status: 'failed', info: { message: (cause as Error)?.message ?? String(cause), code: 'step_error', step: stepId } };
}
