import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { compileBounded, ExpressionBudgetError } from '../../workers/contracts/expressions/budget.js';
import { BatonError } from '../common/errors/baton-error.js';
import { threadCpuMs } from './thread-cpu.js';

export interface MappingTask {
  expression: string;
  context: Record<string, unknown>;
  /**
   * Told, with the thread's id, when a thread takes the task up: its budget starts then, not while it
   * waits in the queue, and counts that thread's CPU time.
   */
  started: MessagePort;
}

export type MappingOutcome = { ok: true; value: unknown } | { ok: false; budgetExceeded: boolean; message: string };

/** CPU time a mapping may use once a thread has taken it up (wall time where threads' CPU cannot be read); a thread still busy then is killed. */
export const MAPPING_TIME_MS = 500;
/**
 * Wall time a mapping may take however little CPU its thread got: threads run at a low priority,
 * so on a saturated machine a cheap mapping can wait long for the CPU; it is then the API's fault, not
 * the expression's, and the sender is told to retry.
 */
export const MAPPING_WALL_MS = 5_000;
/** How often a running mapping's CPU time is read. */
const CHECK_MS = 25;
/** How long a mapping may wait for a thread at all. */
const MAPPING_QUEUE_MS = 10_000;

/**
 * Trigger mappings (JSONata over a webhook's body or a step's event) are tenant code run by the
 * API. They run in worker threads, never on the event loop that serves every tenant's requests:
 * the counted budget stops what it can foresee, and a thread that has used MAPPING_TIME_MS of CPU
 * on one is terminated, whatever it was doing.
 */
@Injectable()
export class TriggerMappings implements OnModuleDestroy {
  private readonly pool = new Piscina<MappingTask, MappingOutcome>({
    filename: fileURLToPath(new URL('./mapping.worker.js', import.meta.url)),
    minThreads: 1,
    maxThreads: 2,
    idleTimeout: 60_000,
    maxQueue: 1000,
    // A low CPU priority: a mapping near its budget yields to the event loop. Not the lowest (19): a
    // mapping's CPU is bounded by its budget anyway, and at 19 a cheap one on a saturated machine got
    // under 2% of a core and waited seconds.
    niceIncrement: 10,
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
    let starved = false;
    let checks: NodeJS.Timeout | undefined;
    const queued = setTimeout(() => abort.abort(), MAPPING_QUEUE_MS);
    port1.once('message', (threadId: number | null) => {
      ran = true;
      clearTimeout(queued);
      const startedAt = performance.now();
      const cpuAt = threadId === null ? undefined : threadCpuMs(threadId);
      checks = setInterval(() => {
        const wall = performance.now() - startedAt;
        const now = cpuAt === undefined ? undefined : threadCpuMs(threadId!);
        const cpu = now === undefined ? wall : now - cpuAt!;
        if (cpu < MAPPING_TIME_MS && wall < MAPPING_WALL_MS) return;
        starved = cpu < MAPPING_TIME_MS;
        abort.abort();
      }, CHECK_MS);
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
      if (starved)
        throw new BatonError(
          'mapping_unavailable',
          503,
          `The API was too busy to finish mapping this delivery within ${MAPPING_WALL_MS / 1000} s; retry it`,
        );
      return { ok: false, budgetExceeded: true, message: `Evaluation stopped after ${MAPPING_TIME_MS} ms of CPU time` };
    } finally {
      clearTimeout(queued);
      clearInterval(checks);
      port1.close();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.destroy();
  }
}
