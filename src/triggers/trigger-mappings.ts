import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { compileBounded, ExpressionBudgetError } from '../../workers/contracts/expression-budget.js';

export interface MappingTask {
  expression: string;
  context: Record<string, unknown>;
}

export type MappingOutcome = { ok: true; value: unknown } | { ok: false; budgetExceeded: boolean; message: string };

/** Wall time a mapping may take from when it is handed to the pool; a thread still busy then is killed. */
export const MAPPING_TIME_MS = 500;

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
    try {
      return await this.pool.run({ expression, context }, { signal: AbortSignal.timeout(MAPPING_TIME_MS) });
    } catch (error) {
      if ((error as Error).name === 'AbortError') {
        return { ok: false, budgetExceeded: true, message: `Evaluation stopped after ${MAPPING_TIME_MS} ms` };
      }
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}
