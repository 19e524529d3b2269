import type { RunEvent } from '../contracts/index.js';
import { createExecuteStep, type ExecuteStepDeps } from './execute-step.activity.js';

export type ActivityDeps = ExecuteStepDeps;

/** Every activity of the worker, created once with their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    executeStep: createExecuteStep(deps),
    /** Appends events the workflow itself produces (run start/end, skips, final failures). */
    async recordRunEvents(tenantId: string, runId: string, events: RunEvent[]): Promise<void> {
      await deps.events.append(tenantId, runId, events);
    },
  };
}

export type BatonActivities = ReturnType<typeof createActivities>;
