import type { SecretPlacement } from './expressions/index.js';
import type { PinnedStep } from './pipeline.contract.js';
import type { RunEvent } from './run.contract.js';

/** What the workflow hands the generic `executeStep` activity. */
export interface ExecuteStepInput {
  runId: string;
  tenantId: string;
  stepId: string;
  /** The item's index, for one execution of a `forEach` step. */
  item?: number;
  uses: string;
  pin: PinnedStep;
  /** `with`, expressions already evaluated. */
  input: Record<string, unknown>;
  /** Where the pipeline's own `with` references secrets; the worker resolves those places only. */
  secrets?: SecretPlacement[];
  /** Stable across retries of this step (run id + step id + item index). */
  idempotencyKey: string;
  timeoutMs: number;
  /**
   * Whether the activity records `step.succeeded` itself. Workflows since the
   * `workflow-records-step-success` patch pass false and record the accepted result themselves,
   * so a stale attempt that completes late cannot add a second success. Absent means true.
   */
  recordSuccess?: boolean;
  /**
   * A `forEach` item's start and success are left to the workflow, which records its items' events
   * in batches (the `item-batches` patch): the activity returns its start as `unrecorded` when it
   * ended before recording it. Failures, logs and a start still running after 250 ms are recorded
   * by the activity as ever. Absent means false.
   */
  recordLater?: boolean;
}

export interface ExecuteStepOutput {
  outputs: Record<string, unknown>;
  /** The attempt that produced these outputs. */
  attempt?: number;
  /** When it ended, by the worker's clock (a workflow's stands still while its local activities run). */
  endedAt?: string;
  /** With `recordLater`: the events of this attempt the activity did not record (its start, when it was quick). */
  unrecorded?: RunEvent[];
}

/** Thrown (retryably) while a pipeline's `concurrency` is used up; Temporal retries the admission. */
export const RUN_NOT_ADMITTED = 'BatonRunNotAdmitted';

export const RECORD_STEP_SUCCESS_PATCH = 'workflow-records-step-success';
/** Expressions share one counted budget per workflow task (workers/workflows/task-budget.ts). */
export const EXPRESSION_TASK_BUDGET_PATCH = 'expressions-share-a-task-budget';

/** Workflows since this patch charge a `forEach` step's items to the run tree's fan-out budget before fanning out. */
export const FAN_OUT_BUDGET_PATCH = 'fan-out-budget';

/** Local `forEach` items since this patch leave their start and success to the fan-out, which records them in batches. */
export const ITEM_BATCHES_PATCH = 'item-batches';

/** `ApplicationFailure.type` values the activity raises, so the workflow can classify failures. */
export const STEP_FAILURE_TYPES = {
  stepError: 'BatonStepError',
  invalidInput: 'BatonInvalidInput',
  invalidOutput: 'BatonInvalidOutput',
  timeout: 'BatonStepTimeout',
  sandbox: 'BatonSandboxError',
  pluginMissing: 'BatonPluginMissing',
} as const;

/** Failures no retry can mend: the step fails at once, whatever its `retry` says. */
export const NON_RETRYABLE_FAILURE_TYPES: string[] = [
  STEP_FAILURE_TYPES.invalidInput,
  STEP_FAILURE_TYPES.invalidOutput,
  STEP_FAILURE_TYPES.pluginMissing,
];

/** A step's retry policy as the engine applies it, durations in milliseconds. */
export interface StepRetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}

/** How long to wait after attempt `attempt` fails before the next, as Temporal computes it. */
export const retryDelayMs = (policy: StepRetryPolicy, attempt: number): number =>
  Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1));
