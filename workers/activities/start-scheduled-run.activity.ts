import type { BatonMetrics } from '../../src/metrics/baton-metrics.js';
import { runStepRows } from '../contracts/graph.js';
import type { RunPipelineInput, ScheduledRunRequest } from '../contracts/index.js';
import { checkRunInputs } from '../contracts/run-inputs.js';
import type { ChildRunsRepository } from './child-runs.repository.js';

export type ScheduledRunStart = RunPipelineInput | { skipped: string };

/**
 * Records the run a schedule's fire starts (queued, trigger `schedule`, naming the schedule) of
 * the pipeline's latest version with the schedule's inputs, and returns its workflow input. A fire
 * whose schedule is gone, whose tenant is suspended or whose pipeline no longer takes the inputs is
 * skipped with the reason (the reconciler pauses or removes what should not fire).
 */
export function createStartScheduledRun(runs: ChildRunsRepository, metrics: Pick<BatonMetrics, 'runStarted' | 'scheduleFired'>) {
  return async function startScheduledRun(request: ScheduledRunRequest): Promise<ScheduledRunStart> {
    const { tenantId, scheduleId, runId } = request;
    const recorded = await runs.findRecorded(tenantId, runId);
    const schedule = recorded ? null : await runs.findSchedule(tenantId, scheduleId);
    if (!recorded && !schedule) return { skipped: `schedule ${scheduleId} no longer exists` };
    if (schedule && schedule.tenantStatus !== 'active') return { skipped: 'the tenant is suspended' };
    const pinned = recorded?.pipeline ?? (await runs.findPinnedVersion(tenantId, schedule!.pipelineName));
    if (!pinned) return { skipped: `pipeline ${schedule!.pipelineName} no longer exists` };
    const checked = checkRunInputs(pinned.versionId, pinned.definition, recorded?.inputs ?? schedule!.inputs);
    if (checked.problems.length) return { skipped: `the schedule's inputs do not fit pipeline ${pinned.name}: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` };
    if (!recorded && (await runs.insertQueued({ id: runId, tenantId, trigger: 'schedule', parentRunId: null, scheduleId, pipeline: pinned, inputs: checked.inputs, steps: runStepRows(pinned.definition) }))) {
      metrics.runStarted(tenantId, 'schedule');
      if (request.scheduledAt) metrics.scheduleFired(tenantId, (Date.now() - Date.parse(request.scheduledAt)) / 1000);
    }
    return { runId, tenantId, trigger: 'schedule', inputs: checked.inputs, pipeline: { name: pinned.name, version: pinned.version, definition: pinned.definition, pins: pinned.pins } };
  };
}
