/**
 * The `pipeline/run` step, shared by both interpreter workflows: record the child run, run it as a
 * child workflow and wait for it. Deterministic: imports only the workflow SDK and the contracts.
 */
import {
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { runStepRows } from '../contracts/graph.js';
import {
  eventKeyPrefix,
  RUN_PIPELINE_WORKFLOW,
  PIPELINE_SEARCH_KEY,
  STEP_FAILURE_TYPES,
  type ErrorInfo,
  type RunEvent,
  type RunPipelineInput,
  type RunPipelineResult,
} from '../contracts/index.js';
import { classifyFailure, now } from './step-activity.js';

const { startChildRun } = proxyActivities<BatonActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [STEP_FAILURE_TYPES.invalidInput],
  },
});

export interface ChildRunStep {
  runId: string;
  tenantId: string;
  /** How deep the calling run is: 0 for a run nobody started. */
  depth: number;
  stepId: string;
  item?: number;
  /** The step's evaluated `with`. */
  request: Record<string, unknown>;
  /** The step's own `timeout`, if it has one: the child run is cancelled when it passes. */
  timeoutMs?: number;
  record(runId: string, events: RunEvent[]): Promise<void>;
  /** Whether the caller itself is being cancelled (then the child's cancellation is the caller's). */
  callerCancelled(): boolean;
}

export type ChildRunOutcome =
  | { ok: true; outputs: { runId: string; status: 'succeeded'; outputs: Record<string, unknown> | null } }
  | { ok: false; status: 'failed' | 'timed_out'; error: ErrorInfo };

/**
 * Resolves with how the child run ended; rejects only when the caller is cancelled, after
 * Temporal has cancelled the child. A child cancelled on its own is a failure of the step.
 */
export async function runChildPipeline(step: ChildRunStep): Promise<ChildRunOutcome> {
  const { runId, tenantId, stepId, item } = step;
  const failed = (message: string, status: 'failed' | 'timed_out' = 'failed'): ChildRunOutcome => ({
    ok: false,
    status,
    error: { message, code: status === 'failed' ? 'child_run_failed' : 'timeout', step: stepId },
  });
  let child: RunPipelineInput;
  try {
    // Not cancellable: once the activity may have recorded the child run, this workflow must know it.
    child = await CancellationScope.nonCancellable(() =>
      startChildRun({ tenantId, parent: { runId, stepId, depth: step.depth + 1 }, childRunId: uuid4(), with: step.request }),
    );
  } catch (error) {
    return { ok: false, status: 'failed', error: classifyFailure(stepId, error).info };
  }
  const { name, version } = child.pipeline;
  if (!step.callerCancelled()) {
    await step.record(runId, [
      {
        type: 'step.child_started',
        key: `${eventKeyPrefix(stepId, item)}:child_started`,
        at: now(),
        stepId,
        ...(item === undefined ? {} : { item }),
        childRunId: child.runId,
        pipeline: name,
        version,
      },
    ]);
  }
  if (step.callerCancelled()) return abandon(step, child);
  const scope = new CancellationScope({ cancellable: true, ...(step.timeoutMs === undefined ? {} : { timeout: step.timeoutMs }) });
  let result: RunPipelineResult;
  try {
    result = await scope.run(() =>
      executeChild<(input: RunPipelineInput) => Promise<RunPipelineResult>>(RUN_PIPELINE_WORKFLOW, {
        workflowId: child.runId,
        args: [child],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        typedSearchAttributes: workflowInfo().typedSearchAttributes.updateCopy([{ key: PIPELINE_SEARCH_KEY, value: name }]),
      }),
    );
  } catch (error) {
    if (isCancellation(error) && step.callerCancelled()) throw error;
    if (isCancellation(error) && scope.consideredCancelled)
      return failed(`Child run ${child.runId} of ${name} was cancelled: the step's timeout of ${step.timeoutMs} ms passed`, 'timed_out');
    return failed(
      `Child run ${child.runId} of ${name} ${error instanceof ChildWorkflowFailure && error.cause instanceof CancelledFailure ? 'was cancelled' : `stopped: ${(error as Error).message}`}`,
    );
  }
  if (result.status !== 'succeeded')
    return failed(`Child run ${child.runId} of ${name} ${result.status.replace('_', ' ')}: ${result.error?.message ?? 'no reason given'}`);
  return { ok: true, outputs: { runId: child.runId, status: result.status, outputs: result.outputs } };
}

/** The caller was cancelled after the child run was recorded but before it started: it never will. */
async function abandon(step: ChildRunStep, child: RunPipelineInput): Promise<never> {
  const reason = 'the run that started it was cancelled first';
  await step.record(child.runId, [
    ...runStepRows(child.pipeline.definition).map(({ stepId }): RunEvent => ({
      type: 'step.skipped',
      key: `step:${stepId}:skipped`,
      at: now(),
      stepId,
      reason,
    })),
    {
      type: 'run.completed',
      key: 'run.completed',
      at: now(),
      status: 'cancelled',
      outputs: null,
      error: { message: `Never started: ${reason}`, code: 'cancelled' },
    },
  ]);
  throw new CancelledFailure(`Child run ${child.runId} was not started: ${reason}`);
}
