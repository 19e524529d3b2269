import type { ExpressionContext } from './expressions/index.js';
import type { PinnedStep, PipelineDefinition, PipelineStep } from './pipeline.contract.js';
import type { ErrorInfo } from './run.contract.js';
import type { ExecuteStepInput, StepRetryPolicy } from './step.contract.js';

export const RUN_FOR_EACH_WORKFLOW = 'runForEach';

/** The child workflow of one `forEach` step, so its items never weigh on the run's own history. */
export const forEachWorkflowId = (runId: string, stepId: string) => `${runId}/forEach/${stepId}`;

export interface RunForEachInput {
  runId: string;
  tenantId: string;
  stepId: string;
  step: Pick<PipelineStep, 'uses' | 'with' | 'retry' | 'timeout'>;
  defaults: PipelineDefinition['defaults'];
  pin: PinnedStep;
  /** The worker pool its items run on (`stepPool`); absent: the default pool, as before pools existed. */
  pool?: string;
  /** How its items run (`stepExecution`); absent: as activities, as before light steps existed. */
  execution?: 'local';
  /** What every item's `with` is evaluated against, plus `item`. */
  context: ExpressionContext;
  items: unknown[];
  maxParallel: number;
  /** How deep the run is in a tree of child runs, for `pipeline/run` items. */
  depth: number;
  /** Outputs of items that succeeded in the run this one retries: recorded as succeeded, not run again. */
  reuse?: { fromRun: string; items: Record<number, Record<string, unknown>> };
  /**
   * Runs in the run's own workflow, not a child of its own (`INLINE_LOCAL_FAN_OUT_PATCH`): local
   * items in chunks add a marker per chunk to its history, so it never continues as new.
   */
  inline?: true;
  /** Carried across continue-as-new: the first item not started yet, and the outputs of all before it. */
  next?: number;
  outputs?: Array<Record<string, unknown>>;
}

export type RunForEachResult =
  { ok: true; outputs: Array<Record<string, unknown>> } | { ok: false; status: 'failed' | 'timed_out'; error: ErrorInfo };

/**
 * Temporal keeps each payload under a few MB (2 MB by default). A fan-out whose items or outputs
 * would not fit fails with this rather than with an opaque engine error.
 */
export const MAX_FOR_EACH_PAYLOAD_BYTES = 1_500_000;

/** The size in bytes of a value as Temporal stores it (UTF-8 JSON); deterministic, no TextEncoder needed. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? '';
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Local `forEach` items since this patch run many to a local activity (`executeItemChunk`), each
 * item with the step's retry policy and timeout inside it; before it, one local activity per item.
 */
export const ITEM_CHUNKS_PATCH = 'item-chunks';

/**
 * Runs since this patch run a local fan-out (in chunks) in their own workflow: no child workflow to
 * start, complete and report back for it. Before it, every fan-out is a child workflow.
 */
export const INLINE_LOCAL_FAN_OUT_PATCH = 'local-fan-out-inline';

/** One item of a chunk: its index, its value (`item` in `with`), and the attempt it starts at (past 1 when a retry was put off). */
export interface ChunkItem {
  item: number;
  value: unknown;
  attempt?: number;
}

/**
 * What the workflow hands `executeItemChunk`: what every item shares, and the items in order. Each
 * item's `with` is evaluated there, against `context` and its value, with a budget of its own: in the
 * workflow, each evaluation's promises cost it a stack trace apiece (Temporal's promise hook).
 */
export interface ItemChunkInput extends Omit<ExecuteStepInput, 'item' | 'input' | 'idempotencyKey' | 'recordSuccess' | 'recordLater'> {
  with: Record<string, unknown>;
  context: ExpressionContext;
  retry: StepRetryPolicy;
  /** Items running at once: the step's `maxParallel`. */
  parallel: number;
  items: ChunkItem[];
  /** No item starts after this long, nor once the outputs so far take `budgetBytes`; those come back unstarted. */
  budgetMs: number;
  budgetBytes: number;
}

/** How one started item of a chunk ended. */
export type ChunkItemOutcome =
  /** Succeeded, and recorded so by the activity. */
  | { item: number; ok: true; outputs: Record<string, unknown>; attempt: number }
  /** Failed for good: what the step's activity would have thrown (type, message, details). */
  | { item: number; ok: false; failure: { type: string; message: string; details: Array<string | null> } }
  /** Its next attempt is due after the chunk's time: the workflow runs it in a later chunk, not before `afterMs`. */
  | { item: number; retry: { attempt: number; afterMs: number } };

/** Items of the chunk with no outcome did not start. */
export interface ItemChunkResult {
  outcomes: ChunkItemOutcome[];
}
