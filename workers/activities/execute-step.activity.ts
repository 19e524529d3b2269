import { Context } from '@temporalio/activity';
import type { ExecuteStepInput, ExecuteStepOutput } from '../contracts/index.js';
import { createStepAttempt, type ExecuteStepDeps } from './step-attempt.js';

const now = () => new Date().toISOString();

/**
 * The one generic activity: runs any plugin step in a sandboxed child process and records
 * what happened as run events. Adding a connector never changes this code.
 */
export function createExecuteStep(deps: ExecuteStepDeps) {
  const runAttempt = createStepAttempt(deps);
  return async function executeStep(input: ExecuteStepInput): Promise<ExecuteStepOutput> {
    const context = Context.current();
    const { attempt, isLocal } = context.info;
    return runAttempt(input, {
      attempt,
      holdStart: isLocal,
      // A local activity's retry waits out its backoff on this worker and starts when due: it was not
      // queued before (Temporal reports its first attempt's schedule time for every attempt).
      queuedAt: isLocal && attempt > 1 ? now() : new Date(context.info.currentAttemptScheduledTimestampMs).toISOString(),
      signal: context.cancellationSignal,
      workerShutdown: () => Boolean(context.cancellationDetails?.workerShutdown),
      // A local activity cannot heartbeat: its workflow task shows the worker alive, and a cancel reaches it without one.
      ...(isLocal ? {} : { heartbeat: () => context.heartbeat() }),
      warn: (message) => context.log.warn(message),
    });
  };
}
