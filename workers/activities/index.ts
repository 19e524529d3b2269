import { ApplicationFailure } from '@temporalio/activity';
import type { BatonMetrics } from '../../src/runtime/metrics/baton-metrics.js';
import { pgSql } from '../../src/runtime/database/sql.js';
import { AdmissionRefused, type RunAdmission } from '../../src/runtime/ledger/run-admission.js';
import type { RunLedger } from '../../src/runtime/ledger/run-ledger.js';
import { RUN_NOT_ADMITTED, STEP_FAILURE_TYPES, type RunEvent, type RunStartAnswer } from '../contracts/index.js';
import type { ChildRunsRepository } from './child-runs.repository.js';
import { createExecuteItemChunk } from './execute-item-chunk.activity.js';
import { createExecuteStep } from './execute-step.activity.js';
import { createStepAttempt, type ExecuteStepDeps } from './step-attempt.js';
import { createStartChildRun } from './start-child-run.activity.js';
import { createStartScheduledRun } from './start-scheduled-run.activity.js';

export type ActivityDeps = ExecuteStepDeps & {
  /** Local `forEach` items this worker runs at once, whatever the fan-outs' `maxParallel`. */
  localItemSlots: number;
  childRuns: ChildRunsRepository;
  ledger: RunLedger;
  metrics: BatonMetrics;
  admission: RunAdmission;
};

/** Every activity of the worker, created once with their dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    executeStep: createExecuteStep(deps),
    executeItemChunk: createExecuteItemChunk((events) => createStepAttempt({ ...deps, events }), deps.events, deps.localItemSlots),
    startChildRun: createStartChildRun(deps.childRuns, deps.ledger, deps.metrics),
    startScheduledRun: createStartScheduledRun(deps.childRuns, deps.ledger, deps.metrics),
    /**
     * Records a `forEach` step's `step.fanned_out`, charging its items to the fan-out budget of the
     * run's tree in the same transaction; past the budget the step fails with `fan_out_budget_exceeded`.
     */
    async admitFanOut(tenantId: string, runId: string, fannedOut: Extract<RunEvent, { type: 'step.fanned_out' }>): Promise<void> {
      try {
        await deps.events.appendAdmitted(tenantId, runId, [fannedOut], (client) =>
          deps.admission.admitFanOut(pgSql(client), tenantId, runId, fannedOut.items),
        );
      } catch (error) {
        if (!(error instanceof AdmissionRefused)) throw error;
        throw ApplicationFailure.create({
          type: STEP_FAILURE_TYPES.invalidInput,
          message: error.message,
          nonRetryable: true,
          details: [error.code],
        });
      }
    },
    /**
     * Starts a run of a pipeline with `concurrency` once a slot is free; until then Temporal retries
     * it. Answers `ended` when the run ended before it started.
     */
    async admitRun(tenantId: string, runId: string, limit: number, started: RunEvent): Promise<RunStartAnswer> {
      // The run starts when it is admitted, not when it asked to be.
      const answer = await deps.events.admit(tenantId, runId, limit, { ...started, at: new Date().toISOString() });
      if (answer === 'full') throw ApplicationFailure.retryable(`The pipeline already has ${limit} run(s) going`, RUN_NOT_ADMITTED);
      return answer;
    },
    /**
     * Appends events the workflow itself produces (run start/end, skips, final failures). With
     * `run.started`, answers `ended` instead when the run ended before its workflow started.
     */
    async recordRunEvents(tenantId: string, runId: string, events: RunEvent[]): Promise<RunStartAnswer> {
      if (events.some((event) => event.type === 'run.started')) return deps.events.start(tenantId, runId, events);
      await deps.events.append(tenantId, runId, events);
      countInWorkflowSteps(deps.metrics, tenantId, events);
      return {};
    },
  };
}

export type BatonActivities = ReturnType<typeof createActivities>;

/**
 * Steps the workflow carried out itself count in the step metrics like any other (with no time of
 * their own): their start and end are recorded in one batch, the start marked `execution: workflow`.
 */
function countInWorkflowSteps(metrics: Pick<BatonMetrics, 'stepFinished'>, tenantId: string, events: RunEvent[]): void {
  for (const started of events) {
    if (started.type !== 'step.started' || started.execution !== 'workflow') continue;
    const end = events.find((e) => (e.type === 'step.succeeded' || e.type === 'step.failed') && e.stepId === started.stepId);
    if (!end) continue;
    const outcome = end.type === 'step.failed' ? 'failed' : 'succeeded';
    metrics.stepFinished(tenantId, started.uses.split('@')[0], outcome, 0);
  }
}
