/**
 * A `workflow` step (see workers/contracts/step-execution.contract.ts): carried out by the
 * interpreter, recorded with the same events a sandboxed attempt records, so the run's view and
 * its API cannot tell the two apart. Deterministic: imports only the contracts.
 */
import {
  eventKeyPrefix,
  runInWorkflow,
  STEP_INPUT_RECORD_BYTES,
  jsonBytes,
  withoutNul,
  type ErrorInfo,
  type PinnedStep,
  type RunEvent,
} from '../contracts/index.js';

export interface InWorkflowOutcome {
  /** Its `step.started`, then `step.attempt_failed` when it failed (a pure function fails the same way again: never retried). */
  events: RunEvent[];
  outputs?: Record<string, unknown>;
  error?: ErrorInfo;
}

/** Runs step `stepId` in the workflow, `at` being the workflow's now. */
export function inWorkflowStep(
  at: string,
  stepId: string,
  uses: string,
  pin: PinnedStep,
  input: Record<string, unknown>,
): InWorkflowOutcome {
  const subject = eventKeyPrefix(stepId);
  // What the step is given, for the run's view, as an activity records it.
  const bytes = jsonBytes(input);
  const recorded = bytes <= STEP_INPUT_RECORD_BYTES ? { input: withoutNul(input) as Record<string, unknown> } : { inputBytes: bytes };
  const started: RunEvent = {
    type: 'step.started',
    key: `${subject}:started:1`,
    at,
    stepId,
    uses,
    attempt: 1,
    queuedAt: at,
    execution: 'workflow',
    ...recorded,
  };
  const result = runInWorkflow(pin, input);
  if (result.ok) return { events: [started], outputs: result.outputs };
  const error: ErrorInfo = { message: result.message, code: result.code, step: stepId };
  return {
    events: [
      started,
      {
        type: 'step.attempt_failed',
        key: `${subject}:attempt_failed:1`,
        at,
        stepId,
        attempt: 1,
        error: { message: result.message, code: result.code },
        retryable: false,
      },
    ],
    error,
  };
}
