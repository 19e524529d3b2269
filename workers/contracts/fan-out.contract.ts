import type { ExpressionContext } from './expressions.js';
import type { PinnedStep, PipelineDefinition, StepDefinition } from './pipeline.contract.js';
import type { ErrorInfo } from './run.contract.js';

export const RUN_FOR_EACH_WORKFLOW = 'runForEach';

/** The child workflow of one `forEach` step, so its items never weigh on the run's own history. */
export const forEachWorkflowId = (runId: string, stepId: string) => `${runId}/forEach/${stepId}`;

export interface RunForEachInput {
  runId: string;
  tenantId: string;
  stepId: string;
  step: Pick<StepDefinition, 'uses' | 'with' | 'retry' | 'timeout'>;
  defaults: PipelineDefinition['defaults'];
  pin: PinnedStep;
  /** What every item's `with` is evaluated against, plus `item`. */
  context: ExpressionContext;
  items: unknown[];
  maxParallel: number;
  /** How deep the run is in a tree of child runs, for `pipeline/run` items. */
  depth: number;
  /** Carried across continue-as-new: the first item not started yet, and the outputs of all before it. */
  next?: number;
  outputs?: Array<Record<string, unknown>>;
}

export type RunForEachResult =
  | { ok: true; outputs: Array<Record<string, unknown>> }
  | { ok: false; status: 'failed' | 'timed_out'; error: ErrorInfo };

/**
 * Temporal keeps each payload under a few MB (2 MB by default). A fan-out whose items or outputs
 * would not fit fails with this rather than with an opaque engine error.
 */
export const MAX_FOR_EACH_PAYLOAD_BYTES = 1_500_000;
