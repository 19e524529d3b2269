/**
 * A run's events, recorded in the order they were made, as few at a time as keeps up: while one
 * batch is being recorded the next gathers, so a chain of steps the workflow carries out itself
 * waits for no record, and each batch is one transaction. Events are keyed, and a replayed
 * workflow makes the same ones, so a batch recorded twice adds nothing. Deterministic.
 */
import type { RunEvent } from '../contracts/index.js';

export class EventQueue {
  private pending: RunEvent[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly record: (events: RunEvent[]) => Promise<void>) {}

  /** Queues `events` after everything queued before them; recording starts at once if nothing is under way. */
  add(...events: RunEvent[]): void {
    if (!events.length) return;
    this.pending.push(...events);
    if (this.draining) return;
    this.draining = this.drain();
    // Whoever awaits settled() hears a failure; nobody else need.
    this.draining.catch(() => undefined);
  }

  /** Resolves once everything queued so far is recorded (rejects as the record does). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) await this.record(this.pending.splice(0));
    } finally {
      this.draining = undefined;
    }
  }
}
