import type { BatonMetrics } from '../../src/metrics/baton-metrics.js';
import { AdmissionRefused, type RunAdmission } from '../../src/runtime/run-admission.js';
import { runStepRows } from '../contracts/graph.js';
import type { RunPipelineInput, ScheduledRunRequest } from '../contracts/index.js';
import { checkRunInputs } from '../contracts/run-inputs.js';
import type { ChildRunsRepository, QueuedChildRun } from './child-runs.repository.js';

export type ScheduledRunStart = RunPipelineInput | { skipped: string };

/**
 * Records the run a schedule's fire (or backfill) starts (queued, trigger `schedule`, naming the
 * schedule) of the pipeline's latest version with the schedule's inputs, once the tenant's plan
 * admits it, and returns its workflow input. A fire whose schedule is gone, whose tenant is
 * suspended or whose pipeline no longer takes the inputs is skipped with the reason (the
 * reconciler pauses or removes what should not fire); one the plan refuses is recorded as a
 * failed run saying why (`plan_limit_reached`, `payment_overdue`).
 */
export function createStartScheduledRun(runs: ChildRunsRepository, admission: RunAdmission, metrics: Pick<BatonMetrics, 'runStarted' | 'scheduleFired'>) {
  return async function startScheduledRun(request: ScheduledRunRequest): Promise<ScheduledRunStart> {
    const { tenantId, scheduleId, runId } = request;
    const recorded = await runs.findRecorded(tenantId, runId);
    if (recorded?.refused) return { skipped: `refused: ${recorded.refused}` };
    const schedule = recorded ? null : await runs.findSchedule(tenantId, scheduleId);
    if (!recorded && !schedule) return { skipped: `schedule ${scheduleId} no longer exists` };
    if (schedule && schedule.tenantStatus !== 'active') return { skipped: 'the tenant is suspended' };
    const pinned = recorded?.pipeline ?? (await runs.findPinnedVersion(tenantId, schedule!.pipelineName));
    if (!pinned) return { skipped: `pipeline ${schedule!.pipelineName} no longer exists` };
    const checked = checkRunInputs(pinned.versionId, pinned.definition, recorded?.inputs ?? schedule!.inputs);
    if (checked.problems.length) return { skipped: `the schedule's inputs do not fit pipeline ${pinned.name}: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` };
    if (!recorded) {
      const run: QueuedChildRun = { id: runId, tenantId, trigger: 'schedule', parentRunId: null, scheduleId, pipeline: pinned, inputs: checked.inputs, steps: runStepRows(pinned.definition) };
      try {
        if (await runs.insertQueued(run, (sql) => admission.admit(sql, { tenantId, trigger: 'schedule' }))) {
          metrics.runStarted(tenantId, 'schedule');
          if (request.scheduledAt) metrics.scheduleFired(tenantId, (Date.now() - Date.parse(request.scheduledAt)) / 1000);
        }
      } catch (error) {
        if (!(error instanceof AdmissionRefused)) throw error;
        await runs.recordRefused(run, error);
        return { skipped: `refused: ${error.message}` };
      }
    }
    return { runId, tenantId, trigger: 'schedule', inputs: checked.inputs, pipeline: { name: pinned.name, version: pinned.version, definition: pinned.definition, pins: pinned.pins } };
  };
}
