/**
 * A local fan-out's items, many to a local activity (the `item-chunks` patch): one
 * `executeItemChunk` evaluates a chunk of items' `with`, runs them `maxParallel` at a time with
 * the step's retry policy and timeout, and records their events in batches as they go; their
 * outputs come back together. Per item the workflow
 * then handles a value, not a local activity and an evaluation of its own with their promises,
 * markers and spans, which made it the fan-out's bottleneck. Deterministic.
 */
import { ApplicationFailure, isCancellation, sleep } from '@temporalio/workflow';
import {
  jsonBytes,
  type ChunkItem,
  type ErrorInfo,
  type ItemChunkResult,
  type RunForEachInput,
  type StepRetryPolicy,
} from '../contracts/index.js';
import { classifyFailure, executeItemChunkActivity, withSecrets } from './step-activity.js';

/** A chunk holds at most this many items, and their values at most this many bytes. */
const CHUNK_ITEMS = 1_000;
const CHUNK_VALUE_BYTES = 256 * 1024;
/** No item of a chunk starts after this long, nor once its outputs take this many bytes: its result is one marker. */
const CHUNK_TIME_MS = 2_000;
const CHUNK_OUTPUT_BYTES = 512 * 1024;

/** What the chunks need of the fan-out they run for. */
export interface ChunkHost {
  readonly input: RunForEachInput;
  readonly retry: StepRetryPolicy;
  readonly timeoutMs: number;
  readonly secrets: ReturnType<typeof withSecrets>;
  readonly failed: boolean;
  /** The next item not taken yet. */
  next: number;
  /** Whether the fan-out may take more items before it continues as new. */
  mayTakeMore(): boolean;
  /** Whether item `item` is reused from the run retried (its outputs are kept, it does not run). */
  reuse(item: number): boolean;
  /** Items that succeeded, recorded so by the chunk: their outputs are kept. */
  keep(item: number, outputs: Record<string, unknown>): void;
  fail(item: number, status: 'failed' | 'timed_out', error: ErrorInfo): void;
  /** An item that ran but will not run again: another item failed first. */
  stop(item: number): void;
}

type Retry = ChunkItem & { attempt: number; dueAt: number };

export class ItemChunks {
  /** Taken, not started: a chunk's time ran out first. */
  private readonly ready: ChunkItem[] = [];
  /** Items whose next attempt is due after the chunk that ran them. */
  private readonly retries: Retry[] = [];

  constructor(private readonly host: ChunkHost) {}

  /** Runs chunks until every item taken has ended (or one failed) and no more may be taken. */
  async run(): Promise<void> {
    const { host } = this;
    while (!host.failed) {
      const chunk = this.compose();
      if (!chunk.length) {
        if (!this.retries.length) break;
        await sleep(Math.max(1, Math.min(...this.retries.map((retry) => retry.dueAt)) - Date.now()));
        continue;
      }
      await this.execute(chunk);
    }
    // A failure ends the fan-out: retries still due will not run; unstarted items never ran.
    for (const entry of [...this.retries.splice(0), ...this.ready.splice(0)]) if (entry.attempt) host.stop(entry.item);
  }

  /** Retries now due first, then items a chunk did not start, then new ones. */
  private compose(): ChunkItem[] {
    const { host } = this;
    const { items } = host.input;
    const now = Date.now();
    const chunk: ChunkItem[] = [];
    for (let i = 0; i < this.retries.length && chunk.length < CHUNK_ITEMS;)
      if (this.retries[i].dueAt <= now) chunk.push(this.retries.splice(i, 1)[0]);
      else i++;
    while (this.ready.length && chunk.length < CHUNK_ITEMS) chunk.push(this.ready.shift()!);
    let bytes = 0;
    while (chunk.length < CHUNK_ITEMS && bytes < CHUNK_VALUE_BYTES && host.next < items.length && host.mayTakeMore()) {
      const item = host.next++;
      if (host.reuse(item)) continue;
      chunk.push({ item, value: items[item] });
      bytes += jsonBytes(items[item]);
    }
    return chunk;
  }

  private async execute(chunk: ChunkItem[]): Promise<void> {
    const { host } = this;
    const { runId, tenantId, stepId, step, pin, maxParallel, context } = host.input;
    let result: ItemChunkResult;
    try {
      result = await executeItemChunkActivity({
        runId,
        tenantId,
        stepId,
        uses: step.uses!,
        pin,
        timeoutMs: host.timeoutMs,
        ...host.secrets,
        with: step.with ?? {},
        context,
        retry: host.retry,
        parallel: maxParallel,
        items: chunk,
        budgetMs: CHUNK_TIME_MS,
        budgetBytes: CHUNK_OUTPUT_BYTES,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { status, info } = classifyFailure(stepId, error);
      return host.fail(chunk[0].item, status, info);
    }
    const unstarted = new Map(chunk.map((entry) => [entry.item, entry]));
    for (const outcome of result.outcomes) {
      const entry = unstarted.get(outcome.item)!;
      unstarted.delete(outcome.item);
      if ('retry' in outcome) {
        this.retries.push({ ...entry, attempt: outcome.retry.attempt, dueAt: Date.now() + outcome.retry.afterMs });
      } else if (outcome.ok) {
        host.keep(outcome.item, outcome.outputs);
      } else {
        const { type, message, details } = outcome.failure;
        const { status, info } = classifyFailure(stepId, ApplicationFailure.create({ type, message, details }));
        host.fail(outcome.item, status, info);
      }
    }
    this.ready.unshift(...unstarted.values());
  }
}
