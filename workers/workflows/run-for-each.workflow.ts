import {
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { evaluateTemplate, expressionErrorCode } from '../contracts/expressions/index.js';
import { WorkflowTaskBudget } from './task-budget.js';
import {
  eventKeyPrefix,
  isChildRunStep,
  ITEM_BATCHES_PATCH,
  ITEM_CHUNKS_PATCH,
  jsonBytes,
  MAX_FOR_EACH_PAYLOAD_BYTES,
  type ErrorInfo,
  type ExecuteStepOutput,
  type RunEvent,
  type RunForEachInput,
  type RunForEachResult,
  type StepRetryPolicy,
} from '../contracts/index.js';
import type { BatonActivities } from '../activities/index.js';
import { runChildPipeline } from './child-run.js';
import { EventQueue } from './event-queue.js';
import { ItemChunks, type ChunkHost } from './item-chunks.js';
import {
  classifyFailure,
  executeStepActivity,
  ms,
  now,
  recordEvents,
  stepRetryPolicy,
  stepTimeoutMs,
  withSecrets,
} from './step-activity.js';

/**
 * Item failures are recorded through an ordinary activity: local activities interleaved with
 * hundreds of concurrent activity completions broke replay (TMPRL1100) in a 10,000-item run.
 */
const { recordRunEvents } = proxyActivities<BatonActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

/**
 * Past this many history events the fan-out stops starting items, lets the running ones finish
 * and continues as new, far below Temporal's hard limit (51,200 events).
 */
export const FOR_EACH_HISTORY_BUDGET = 10_000;

/** Local items' events go to the database in transactions of at most this many events and bytes. */
const ITEM_BATCH_EVENTS = 500;
const ITEM_BATCH_BYTES = 512 * 1024;

type ItemFailure = { item: number; status: 'failed' | 'timed_out'; error: ErrorInfo };

/**
 * The items of one `forEach` step, at most `maxParallel` at once: each through the generic
 * `executeStep` activity, or local ones many to a local activity (item-chunks.ts). Outputs come
 * back in item order. The first item that fails for good fails the step: no item starts after it,
 * and running activity items are cancelled (local ones finish). A long fan-out continues as new
 * with its progress.
 */
export async function runForEach(input: RunForEachInput): Promise<RunForEachResult> {
  return new ForEachInterpreter(input).run();
}

class ForEachInterpreter implements ChunkHost {
  private readonly budget = new WorkflowTaskBudget();
  private readonly outputs: Array<Record<string, unknown>>;
  next: number;
  private readonly running = new Map<number, Promise<void>>();
  /** Items that failed or were stopped, recorded together when the fan-out ends. */
  private readonly ended: RunEvent[] = [];
  private failure: ItemFailure | undefined;
  private readonly items = new CancellationScope();
  /** Where the step's literal `with` names secrets: the same for every item, so found once. */
  readonly secrets: ReturnType<typeof withSecrets>;
  readonly retry: StepRetryPolicy;
  readonly timeoutMs: number;
  /**
   * Local items' starts and successes, recorded a batch at a time by a local activity while the next
   * batch gathers: one transaction for many items, where each item's own would queue on the step's
   * row. Fan-outs begun before the patch record each item in its activity.
   */
  private readonly itemEvents?: EventQueue;
  /** Local items since the item-chunks patch; before it, a local activity per item. */
  private readonly chunks?: ItemChunks;

  constructor(readonly input: RunForEachInput) {
    this.outputs = input.outputs ?? [];
    this.next = input.next ?? 0;
    this.secrets = withSecrets(input.step.with);
    this.retry = stepRetryPolicy(input.step, input.defaults);
    this.timeoutMs = stepTimeoutMs(input.step, input.defaults);
    if (input.execution === 'local' && patched(ITEM_BATCHES_PATCH)) {
      this.itemEvents = new EventQueue((events) => this.recordInBatches(events));
      if (patched(ITEM_CHUNKS_PATCH)) this.chunks = new ItemChunks(this);
    }
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  async run(): Promise<RunForEachResult> {
    const { items, maxParallel, reuse } = this.input;
    if (reuse && this.input.next === undefined) await this.recordReused(reuse);
    try {
      if (this.chunks) await this.chunks.run();
      while (!this.chunks && this.next < items.length && !this.failure && this.mayTakeMore()) {
        if (this.reuse(this.next)) {
          this.next++;
          continue;
        }
        await condition(() => this.running.size < maxParallel || this.failure !== undefined);
        if (!this.failure) this.start(this.next++);
      }
    } finally {
      // Cancelled or not, every started item ends (and is recorded) before this workflow does.
      await Promise.allSettled(this.running.values());
      // Checked, not awaited blindly: an await more would reorder the commands of fan-outs before the patch.
      if (this.itemEvents) await this.itemEvents.settled();
      if (this.ended.length) await this.recordNow(...this.ended);
    }
    // A cancel that came once every item had started ended the items, not the loop above.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('The fan-out was cancelled');
    if (this.failure)
      return {
        ok: false,
        status: this.failure.status,
        error: { ...this.failure.error, message: `Item ${this.failure.item} of ${items.length}: ${this.failure.error.message}` },
      };
    // What goes on is the next run's input or the parent's result; either must fit in one payload.
    const carried: RunForEachInput = { ...this.input, next: this.next, outputs: this.outputs };
    // Reused items before `next` are in `outputs` now; only those still ahead travel on.
    if (reuse)
      carried.reuse = {
        fromRun: reuse.fromRun,
        items: Object.fromEntries(Object.entries(reuse.items).filter(([item]) => Number(item) >= this.next)),
      };
    const size = jsonBytes(this.next < items.length ? carried : this.outputs);
    if (size > MAX_FOR_EACH_PAYLOAD_BYTES) {
      const message = `The items' outputs take ${size} bytes; the limit is ${MAX_FOR_EACH_PAYLOAD_BYTES}. Output references (paths, ids) rather than data`;
      return { ok: false, status: 'failed', error: { message, code: 'outputs_too_large', step: this.input.stepId } };
    }
    if (this.next < items.length) await continueAsNew<typeof runForEach>(carried);
    return { ok: true, outputs: this.outputs };
  }

  /** Reused items are recorded as succeeded up front, a thousand events per activity. */
  private async recordReused({ fromRun, items }: NonNullable<RunForEachInput['reuse']>): Promise<void> {
    const { stepId } = this.input;
    const events = Object.entries(items).map(([index, outputs]): RunEvent => {
      const item = Number(index);
      return {
        type: 'step.item_succeeded',
        key: `${eventKeyPrefix(stepId, item)}:succeeded`,
        at: now(),
        stepId,
        item,
        attempt: 0,
        outputs,
        fromRun,
      };
    });
    for (let start = 0; start < events.length; start += 1_000) await this.recordNow(...events.slice(start, start + 1_000));
  }

  mayTakeMore(): boolean {
    // A fan-out in the run's own workflow never continues as new (its chunks weigh little on history).
    if (this.input.inline) return true;
    const info = workflowInfo();
    return !info.continueAsNewSuggested && info.historyLength <= FOR_EACH_HISTORY_BUDGET;
  }

  reuse(item: number): boolean {
    const reused = this.input.reuse?.items[item];
    if (reused) this.outputs[item] = reused;
    return reused !== undefined;
  }

  private start(item: number): void {
    const execution = this.items
      .run(() => this.execute(item))
      .finally(() => {
        this.running.delete(item);
        // A local activity's result: what is evaluated next gets a budget of its own (task-budget.ts).
        if (this.input.execution === 'local') this.budget.renew();
      });
    // Only a cancelled run makes an item reject, and the run ends cancelled whoever awaits it.
    execution.catch(() => undefined);
    this.running.set(item, execution);
  }

  private async execute(item: number): Promise<void> {
    const { runId, tenantId, stepId, step, defaults, pin } = this.input;
    let stepInput: Record<string, unknown>;
    try {
      stepInput = await this.evaluateWith(item);
    } catch (error) {
      return this.withUnevaluated(item, error);
    }
    try {
      if (isChildRunStep(pin)) {
        const outcome = await runChildPipeline({
          runId,
          tenantId,
          depth: this.input.depth,
          stepId,
          item,
          request: stepInput,
          ...(step.timeout ? { timeoutMs: ms(step.timeout, step.timeout) } : {}),
          record: (run, events) => this.recordOn(run, events),
          callerCancelled: () => this.items.consideredCancelled,
        });
        if (!outcome.ok) return this.fail(item, outcome.status, outcome.error);
        this.outputs[item] = outcome.outputs;
        // No executeStep activity ran to record it.
        await this.recordNow({
          type: 'step.item_succeeded',
          key: `${eventKeyPrefix(stepId, item)}:succeeded`,
          at: now(),
          stepId,
          item,
          attempt: 1,
          outputs: outcome.outputs,
        });
        return;
      }
      const result = await executeStepActivity(
        {
          runId,
          tenantId,
          stepId,
          item,
          uses: step.uses!,
          pin,
          input: stepInput,
          idempotencyKey: `${runId}:${stepId}:${item}`,
          timeoutMs: stepTimeoutMs(step, defaults),
          ...this.secrets,
          ...(this.itemEvents ? { recordLater: true } : {}),
        },
        step,
        defaults,
        this.input.pool,
        this.input.execution === 'local',
      );
      this.succeeded(item, result);
    } catch (error) {
      if (!isCancellation(error)) {
        const { status, info } = classifyFailure(stepId, error);
        return this.fail(item, status, info);
      }
      // The run was cancelled: the parent records the step as cancelled.
      if (!this.failure) throw error;
      this.stop(item);
    }
  }

  /** Outputs kept; the item's start (when the activity left it) and success recorded with other items'. */
  private succeeded(item: number, result: ExecuteStepOutput): void {
    const { stepId } = this.input;
    this.outputs[item] = result.outputs;
    this.itemEvents?.add(...(result.unrecorded ?? []), {
      type: 'step.item_succeeded',
      // Keyed without the attempt, as the activity keys it: an item counts as succeeded once.
      key: `${eventKeyPrefix(stepId, item)}:succeeded`,
      at: result.endedAt ?? now(),
      stepId,
      item,
      attempt: result.attempt ?? 1,
      outputs: result.outputs,
    });
  }

  keep(item: number, outputs: Record<string, unknown>): void {
    this.outputs[item] = outputs;
  }

  stop(item: number): void {
    const { stepId } = this.input;
    this.ended.push({
      type: 'step.item_failed',
      key: `${eventKeyPrefix(stepId, item)}:failed`,
      at: now(),
      stepId,
      item,
      status: 'cancelled',
      error: { message: `Stopped: item ${this.failure!.item} failed`, code: 'cancelled', step: stepId },
    });
  }

  /** The item's `with`, its expressions evaluated against the run's context and `item`. */
  private evaluateWith(item: number): Promise<Record<string, unknown>> {
    const { step, context, items } = this.input;
    // The promise itself, not awaited here: an await more would reorder the commands of older histories.
    return evaluateTemplate(step.with ?? {}, { ...context, item: items[item] }, this.budget.current()) as Promise<Record<string, unknown>>;
  }

  private withUnevaluated(item: number, error: unknown): void {
    this.fail(item, 'failed', {
      message: `\`with\` could not be evaluated: ${(error as Error).message}`,
      code: expressionErrorCode(error),
      step: this.input.stepId,
    });
  }

  private async recordInBatches(events: RunEvent[]): Promise<void> {
    let batch: RunEvent[] = [];
    let bytes = 0;
    for (const event of events) {
      const size = jsonBytes(event);
      if (batch.length && (batch.length === ITEM_BATCH_EVENTS || bytes + size > ITEM_BATCH_BYTES)) {
        await recordEvents(this.input.tenantId, this.input.runId, batch);
        batch = [];
        bytes = 0;
      }
      batch.push(event);
      bytes += size;
    }
    await recordEvents(this.input.tenantId, this.input.runId, batch);
  }

  private recordNow(...events: RunEvent[]): Promise<void> {
    return this.recordOn(this.input.runId, events);
  }

  private async recordOn(runId: string, events: RunEvent[]): Promise<void> {
    await CancellationScope.nonCancellable(() => recordRunEvents(this.input.tenantId, runId, events));
  }

  fail(item: number, status: ItemFailure['status'], error: ErrorInfo): void {
    const { stepId } = this.input;
    this.ended.push({ type: 'step.item_failed', key: `${eventKeyPrefix(stepId, item)}:failed`, at: now(), stepId, item, status, error });
    if (this.failure) return;
    this.failure = { item, status, error };
    // Local items still running are let finish (short by design): Temporal's core cannot cancel a
    // local activity that has ended but whose result the workflow has not yet heard (an invalid
    // state transition fails the workflow task, and siblings failing together hit it every time).
    if (this.input.execution !== 'local') this.items.cancel();
  }
}
