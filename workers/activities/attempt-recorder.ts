import type { RunEventsRepository } from '../../src/runtime/ledger/run-events.repository.js';
import type { RunEvent } from '../contracts/index.js';

/**
 * Appends one attempt's events in the order they are made, one append at a time. `lead` events
 * are held back (unless `now`) and go first in the next append, so a quick attempt's start and end
 * share one transaction.
 */
export function attemptRecorder(events: Pick<RunEventsRepository, 'append'>, tenantId: string, runId: string) {
  const held: RunEvent[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  const record = (...batch: RunEvent[]): Promise<void> => {
    const next = chain
      .catch(() => undefined)
      .then(() => {
        const all = [...held.splice(0), ...batch];
        return all.length ? events.append(tenantId, runId, all) : 0;
      });
    chain = next;
    return next.then(() => undefined);
  };
  return Object.assign(record, {
    async lead(event: RunEvent, now: boolean): Promise<void> {
      held.push(event);
      if (now) await record();
    },
    /** What is still held back, once every append under way has ended: no longer this recorder's to record. */
    async unrecorded(): Promise<RunEvent[]> {
      await chain.catch(() => undefined);
      return held.splice(0);
    },
    append: (_tenantId: string, _runId: string, batch: RunEvent[]) => record(...batch).then(() => batch.length),
  });
}
