import { eventKeyPrefix, type LogLevel, type RunEvent, type StepDomainEventType } from '../contracts/index.js';
import type { RunEventsRepository } from '../../src/runtime/ledger/run-events.repository.js';

const FLUSH_EVERY_MS = 250;
const FLUSH_AT = 100;
const MAX_EVENTS_PER_ATTEMPT = 2_000;

/** One attempt of a step, or of one item of a `forEach` step. */
export interface StepExecution {
  tenantId: string;
  runId: string;
  stepId: string;
  item?: number;
  attempt: number;
}

/** Batches a step's log and metric events so a chatty step costs few database round trips. */
export class StepLogBuffer {
  private pending: RunEvent[] = [];
  private sequence = 0;
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  private readonly keyPrefix: string;

  /** `hide` redacts secret values from messages and fields before they are recorded. */
  constructor(
    private readonly events: Pick<RunEventsRepository, 'append'>,
    private readonly execution: StepExecution,
    private readonly hide: <T>(value: T) => T = (value) => value,
  ) {
    this.keyPrefix = eventKeyPrefix(execution.stepId, execution.item);
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.push({
      type: 'step.log',
      key: this.nextKey('log'),
      ...this.about(),
      level,
      message: this.hide(message),
      ...(fields ? { fields: this.hide(fields) } : {}),
    });
  }

  metric(name: string, value: number, tags?: Record<string, string>): void {
    this.push({
      type: 'step.metric',
      key: this.nextKey('metric'),
      ...this.about(),
      name,
      value,
      ...(tags ? { tags: this.hide(tags) } : {}),
    });
  }

  lineage(direction: 'input' | 'output', namespace: string, name: string): void {
    this.push({
      type: 'step.lineage',
      key: this.nextKey('lineage'),
      ...this.about(),
      direction,
      namespace: this.hide(namespace),
      name: this.hide(name),
    });
  }

  /** A domain event the step emitted (`ctx.emit`), recorded as a run event of its own type. */
  event(type: StepDomainEventType, data: Record<string, unknown>): void {
    this.push({ type, key: this.nextKey('event'), ...this.about(), data: this.hide(data) });
  }

  private about() {
    const { stepId, item, attempt } = this.execution;
    return { at: new Date().toISOString(), stepId, ...(item === undefined ? {} : { item }), attempt };
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped) {
      const dropped = this.dropped;
      this.dropped = 0;
      this.pending.push({
        type: 'step.log',
        key: this.nextKey('log'),
        ...this.about(),
        level: 'warn',
        message: `${dropped} log lines dropped: more than ${MAX_EVENTS_PER_ATTEMPT} in one attempt`,
      });
    }
    const batch = this.pending;
    this.pending = [];
    // Nothing to record is no append: one would also record what the attempt holds back (its start).
    if (!batch.length) return this.flushing;
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(() => this.events.append(this.execution.tenantId, this.execution.runId, batch))
      .then(() => undefined);
    await this.flushing;
  }

  private push(event: RunEvent): void {
    if (this.sequence > MAX_EVENTS_PER_ATTEMPT) {
      this.dropped += 1;
      return;
    }
    this.pending.push(event);
    if (this.pending.length >= FLUSH_AT) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), FLUSH_EVERY_MS);
  }

  private nextKey(kind: string): string {
    this.sequence += 1;
    return `${this.keyPrefix}:${kind}:${this.execution.attempt}:${this.sequence}`;
  }
}
