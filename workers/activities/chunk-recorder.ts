import type { RunEventsRepository } from '../../src/runtime/ledger/run-events.repository.js';
import { jsonBytes, type RunEvent } from '../contracts/index.js';

/** A batch goes to the database this long after its first event, or sooner once it is this big. */
const FLUSH_AFTER_MS = 100;
const FLUSH_EVENTS = 500;
const FLUSH_BYTES = 512 * 1024;

/**
 * The run events of a chunk's items (execute-item-chunk.activity.ts), appended in the order they
 * are made, a batch at a time: an item never waits for the database, and a fan-out costs a
 * transaction per batch rather than per item. An append that fails fails the chunk at `settled()`,
 * and Temporal runs it again (events are keyed: what was recorded is not recorded twice).
 */
export class ChunkRecorder implements Pick<RunEventsRepository, 'append'> {
  private pending: RunEvent[] = [];
  private bytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly events: Pick<RunEventsRepository, 'append'>,
    private readonly tenantId: string,
    private readonly runId: string,
  ) {}

  /** Queues `batch` (of this recorder's run) and answers at once. */
  append(_tenantId: string, _runId: string, batch: RunEvent[]): Promise<number> {
    this.pending.push(...batch);
    this.bytes += jsonBytes(batch);
    if (this.pending.length >= FLUSH_EVENTS || this.bytes >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
    return Promise.resolve(batch.length);
  }

  /** Resolves once everything queued is recorded; rejects if any of it could not be. */
  async settled(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.bytes = 0;
    this.chain = this.chain
      .then(() => this.events.append(this.tenantId, this.runId, batch))
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      });
  }
}
