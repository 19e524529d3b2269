import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import pLimit from 'p-limit';
import { evaluateTemplate, expressionErrorCode } from '../contracts/expressions/index.js';
import {
  jsonBytes,
  NON_RETRYABLE_FAILURE_TYPES,
  STEP_FAILURE_TYPES,
  retryDelayMs,
  type ChunkItem,
  type ChunkItemOutcome,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type ItemChunkInput,
  type ItemChunkResult,
} from '../contracts/index.js';
import type { RunEventsRepository } from '../../src/runtime/ledger/run-events.repository.js';
import { ChunkRecorder } from './chunk-recorder.js';
import type { StepAttempt } from './step-attempt.js';

type EventAppender = Pick<RunEventsRepository, 'append'>;

/** One attempt of a step, as `createStepAttempt` runs it. */
export type StepAttemptRunner = (input: ExecuteStepInput, at: StepAttempt) => Promise<ExecuteStepOutput>;

const now = () => new Date().toISOString();

/**
 * Runs a chunk of a local `forEach`'s items in one local activity, `parallel` at a time, each item
 * exactly as `executeStep` runs it (same sandbox, events, timeout) and retried by the step's policy
 * here rather than by Temporal, so that a fan-out costs the workflow one activity per chunk instead
 * of one per item. The first item that fails for good stops new starts; the running ones finish.
 * A retry due after the chunk's time comes back for the workflow to run later.
 */
export function createExecuteItemChunk(
  /** The attempt runner that records its events with `events`. */
  attemptWith: (events: EventAppender) => StepAttemptRunner,
  events: EventAppender,
  localItemSlots: number,
) {
  // Items this worker runs at once across all chunks: a tenant's `maxParallel` never goes past it.
  const slots = pLimit(localItemSlots);
  return async function executeItemChunk(input: ItemChunkInput): Promise<ItemChunkResult> {
    const context = Context.current();
    // Every running item listens for the cancel: as many listeners as items at once, not a leak.
    setMaxListeners(0, context.cancellationSignal);
    const startedAt = Date.now();
    const { items, parallel, budgetMs, budgetBytes, retry, with: template, context: expressionContext, ...shared } = input;
    // Every item's events in the order they happen (a start as it starts), a batch at a time.
    const recorder = new ChunkRecorder(events, shared.tenantId, shared.runId);
    const runAttempt = attemptWith(recorder);
    const waiting = [...items];
    const outcomes: ChunkItemOutcome[] = [];
    let bytes = 0;
    let failed = false;
    const timeLeft = () => budgetMs - (Date.now() - startedAt);
    const mayStart = () => !failed && !context.cancellationSignal.aborted && timeLeft() > 0 && bytes < budgetBytes;

    /** How the item ended, or nothing when it never started (the chunk's time ran out while it waited for a slot). */
    const runItem = async ({ item, value, attempt: first = 1 }: ChunkItem): Promise<ChunkItemOutcome | undefined> => {
      let stepInput: Record<string, unknown>;
      try {
        stepInput = (await evaluateTemplate(template, { ...expressionContext, item: value })) as Record<string, unknown>;
      } catch (error) {
        // As the workflow words it for an item it evaluates itself: the item fails, nothing ran.
        const message = `\`with\` could not be evaluated: ${(error as Error).message}`;
        return { item, ok: false, failure: { type: STEP_FAILURE_TYPES.invalidInput, message, details: [expressionErrorCode(error)] } };
      }
      for (let attempt = first; ; attempt++) {
        const queuedAt = now();
        try {
          // A slot may come late when the worker is busy: past the chunk's time the attempt waits for a later chunk.
          const result = await slots(() =>
            mayStart()
              ? runAttempt(
                  { ...shared, item, input: stepInput, idempotencyKey: `${shared.runId}:${shared.stepId}:${item}` },
                  {
                    attempt,
                    holdStart: false,
                    queuedAt,
                    signal: context.cancellationSignal,
                    workerShutdown: () => Boolean(context.cancellationDetails?.workerShutdown),
                    warn: (message) => context.log.warn(message),
                  },
                )
              : undefined,
          );
          if (!result) return attempt === first ? undefined : { item, retry: { attempt, afterMs: 0 } };
          return { item, ok: true, outputs: result.outputs, attempt };
        } catch (error) {
          // A cancelled run or a worker going away ends the chunk: Temporal runs it again or not at all.
          if (error instanceof CancelledFailure || context.cancellationSignal.aborted) throw error;
          const failure = toFailure(error);
          const again = !failure.nonRetryable && !NON_RETRYABLE_FAILURE_TYPES.includes(failure.type) && attempt < retry.maxAttempts;
          if (!again) return { item, ok: false, failure: { type: failure.type, message: failure.message, details: failure.details } };
          const afterMs = retryDelayMs(retry, attempt);
          // Past the chunk's time, or after another item failed for good (the workflow then stops it).
          if (failed || afterMs >= timeLeft()) return { item, retry: { attempt: attempt + 1, afterMs } };
          await sleep(afterMs, undefined, { signal: context.cancellationSignal }).catch(() => {
            throw new CancelledFailure('Step cancelled');
          });
        }
      }
    };

    const lane = async (): Promise<void> => {
      while (waiting.length && mayStart()) {
        const outcome = await runItem(waiting.shift()!);
        if (!outcome) continue;
        outcomes.push(outcome);
        if ('ok' in outcome && outcome.ok) bytes += jsonBytes(outcome.outputs);
        if ('ok' in outcome && !outcome.ok) failed = true;
      }
    };
    // Every lane ends before the chunk does, so no item outlives its activity.
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(parallel, items.length) }, lane));
    const thrown = lanes.find((ended) => ended.status === 'rejected');
    if (thrown) {
      await recorder.settled().catch(() => undefined);
      throw thrown.reason;
    }
    await recorder.settled();
    return { outcomes };
  };
}

/** What a failed attempt threw, as the workflow reads it: anything not raised by the step runner is a retryable step error. */
function toFailure(error: unknown): { type: string; message: string; nonRetryable: boolean; details: Array<string | null> } {
  if (error instanceof ApplicationFailure)
    return {
      type: error.type ?? 'Error',
      message: error.message,
      nonRetryable: Boolean(error.nonRetryable),
      details: (error.details ?? []).map((detail) => (typeof detail === 'string' ? detail : null)),
    };
  return { type: 'Error', message: (error as Error)?.message ?? String(error), nonRetryable: false, details: [] };
}
