import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { compileBounded, ExpressionBudgetError } from '../../workers/contracts/expressions/budget.js';
import { BatonError } from '../common/errors/baton-error.js';

export interface MappingTask {
  expression: string;
  context: Record<string, unknown>;
  /** Told when a thread takes the task up: its wall-time budget starts then, not while it waits in the queue. */
  started: MessagePort;
}

export type MappingOutcome = { ok: true; value: unknown } | { ok: false; budgetExceeded: boolean; message: string };

/** Wall time a mapping may take once a thread has taken it up; a thread still busy then is killed. */
export const MAPPING_TIME_MS = 500;
/** How long a mapping may wait for a thread at all. */
const MAPPING_QUEUE_MS = 10_000;

/**
 * Trigger mappings (JSONata over a webhook's body or a step's event) are tenant code run by the
 * API. They run in worker threads, never on the event loop that serves every tenant's requests:
 * the counted budget stops what it can foresee, and a thread still busy at MAPPING_TIME_MS is
 * terminated, whatever it was doing.
 */
@Injectable()
export class TriggerMappings implements OnModuleDestroy {
  private readonly pool = new Piscina<MappingTask, MappingOutcome>({
    filename: fileURLToPath(new URL('./mapping.worker.js', import.meta.url)),
    minThreads: 1,
    maxThreads: 2,
    idleTimeout: 60_000,
    maxQueue: 1000,
    // Lowest CPU priority: a mapping near its budget must not take CPU time from the event loop.
    niceIncrement: 19,
  });

  /** Why `expression` cannot be a mapping (syntax, a regex RE2 cannot run, a function signature), or undefined. */
  problem(expression: string): string | undefined {
    try {
      compileBounded(expression);
      return undefined;
    } catch (error) {
      return error instanceof ExpressionBudgetError ? error.message : `Not a JSONata expression: ${(error as Error).message}`;
    }
  }

  async evaluate(expression: string, context: Record<string, unknown>): Promise<MappingOutcome> {
    const abort = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let ran = false;
    let running: NodeJS.Timeout | undefined;
    const queued = setTimeout(() => abort.abort(), MAPPING_QUEUE_MS);
    port1.once('message', () => {
      ran = true;
      clearTimeout(queued);
      running = setTimeout(() => abort.abort(), MAPPING_TIME_MS);
    });
    try {
      return await this.pool.run({ expression, context, started: port2 }, { signal: abort.signal, transferList: [port2] });
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
      if (!ran)
        throw new BatonError(
          'mapping_unavailable',
          503,
          `No thread was free to map this delivery within ${MAPPING_QUEUE_MS / 1000} s; retry it`,
        );
      return { ok: false, budgetExceeded: true, message: `Evaluation stopped after ${MAPPING_TIME_MS} ms` };
    } finally {
      clearTimeout(queued);
      clearTimeout(running);
      port1.close();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}
