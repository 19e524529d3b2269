import type { LogLevel, RunEvent } from '../contracts/index.js';
import type { RunEventsRepository } from './run-events.repository.js';

const FLUSH_EVERY_MS = 250;
const FLUSH_AT = 100;
const MAX_EVENTS_PER_ATTEMPT = 2_000;

/** Batches a step's log and metric events so a chatty step costs few database round trips. */
export class StepLogBuffer {
  private pending: RunEvent[] = [];
  private sequence = 0;
  private dropped = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly events: RunEventsRepository, private readonly tenantId: string, private readonly runId: string, private readonly stepId: string, private readonly attempt: number) {}

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.push({ type: 'step.log', key: this.nextKey('log'), at: new Date().toISOString(), stepId: this.stepId, attempt: this.attempt, level, message, ...(fields ? { fields } : {}) });
  }

  metric(name: string, value: number, tags?: Record<string, string>): void {
    this.push({ type: 'step.metric', key: this.nextKey('metric'), at: new Date().toISOString(), stepId: this.stepId, attempt: this.attempt, name, value, ...(tags ? { tags } : {}) });
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped) {
      const dropped = this.dropped;
      this.dropped = 0;
      this.pending.push({ type: 'step.log', key: this.nextKey('log'), at: new Date().toISOString(), stepId: this.stepId, attempt: this.attempt, level: 'warn', message: `${dropped} log lines dropped: more than ${MAX_EVENTS_PER_ATTEMPT} in one attempt` });
    }
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.catch(() => undefined).then(() => this.events.append(this.tenantId, this.runId, batch)).then(() => undefined);
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
    return `step:${this.stepId}:${kind}:${this.attempt}:${this.sequence}`;
  }
}
