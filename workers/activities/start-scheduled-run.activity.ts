import type { BatonMetrics } from '../../src/runtime/metrics/baton-metrics.js';
import { ApplicationFailure } from '@temporalio/activity';
import { AdmissionRefused } from '../../src/runtime/ledger/run-admission.js';
import type { RunLedger } from '../../src/runtime/ledger/run-ledger.js';
import { RUN_NOT_ADMITTED, type RunPipelineInput, type ScheduledRunRequest } from '../contracts/index.js';
import { checkRunInputs } from '../contracts/run-inputs.js';
import { ledgerRun, type ChildRunsRepository } from './child-runs.repository.js';

export type ScheduledRunStart = RunPipelineInput | { skipped: string };

/**
 * Records the run a schedule's fire (or backfill) starts (queued, trigger `schedule`, naming the
 * schedule) of the pipeline's latest version (or the one its release tag points to) with the schedule's inputs, once the tenant's plan
 * admits it, and returns its workflow input. A fire whose schedule is gone, whose tenant is
 * suspended or whose pipeline no longer takes the inputs is skipped with the reason (the
 * reconciler pauses or removes what should not fire); one the plan refuses is recorded as a
 * failed run saying why (`plan_limit_reached`, `payment_overdue`). A fire past the plan's
 * concurrent runs waits, queued, for a slot: the activity fails retryably until it takes one.
 */
export function createStartScheduledRun(
  runs: ChildRunsRepository,
  ledger: RunLedger,
  metrics: Pick<BatonMetrics, 'runStarted' | 'scheduleFired'>,
) {
  return async function startScheduledRun(request: ScheduledRunRequest): Promise<ScheduledRunStart> {
    const { tenantId, scheduleId, runId } = request;
    const recorded = await runs.findRecorded(tenantId, runId);
    if (recorded?.refused) return { skipped: `refused: ${recorded.refused}` };
    const schedule = recorded ? null : await runs.findSchedule(tenantId, scheduleId);
    if (!recorded && !schedule) return { skipped: `schedule ${scheduleId} no longer exists` };
    if (schedule && schedule.tenantStatus !== 'active') return { skipped: 'the tenant is suspended' };
    const pinned =
      recorded?.pipeline ??
      (schedule!.pipelineTag
        ? await runs.findTaggedVersion(tenantId, schedule!.pipelineName, schedule!.pipelineTag)
        : await runs.findPinnedVersion(tenantId, schedule!.pipelineName));
    // A fire into nothing is kept for the tenant to hear of (`fire.skipped`), not only logged.
    const skip = async (reason: string) => {
      await runs.recordSkip({ runId, tenantId, scheduleId, pipelineName: schedule?.pipelineName ?? pinned?.name ?? '', reason });
      return { skipped: reason };
    };
    if (!pinned)
      return skip(
        schedule!.pipelineTag
          ? `pipeline ${schedule!.pipelineName} or its tag ${schedule!.pipelineTag} no longer exists`
          : `pipeline ${schedule!.pipelineName} no longer exists`,
      );
    const checked = checkRunInputs(pinned.versionId, pinned.definition, recorded?.inputs ?? schedule!.inputs);
    if (checked.problems.length)
      return skip(
        `the schedule's inputs do not fit pipeline ${pinned.name}: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    if (!recorded) {
      const run = ledgerRun({ id: runId, tenantId, trigger: 'schedule', scheduleId }, pinned, checked.inputs);
      try {
        // The schedule's workflow starts it (as its child): no outbox row.
        if ((await ledger.record({ run })).recorded) {
          metrics.runStarted(tenantId, 'schedule');
          if (request.scheduledAt) metrics.scheduleFired(tenantId, (Date.now() - Date.parse(request.scheduledAt)) / 1000);
        }
      } catch (error) {
        if (!(error instanceof AdmissionRefused)) throw error;
        await ledger.recordRefused(run, error);
        return { skipped: `refused: ${error.message}` };
      }
    }
    if (!(await ledger.takeSlot(tenantId, runId)))
      throw ApplicationFailure.retryable(
        "The plan's concurrent runs are all taken: the fire waits, queued, for one to end",
        RUN_NOT_ADMITTED,
      );
    return {
      runId,
      tenantId,
      trigger: 'schedule',
      inputs: checked.inputs,
      pipeline: { name: pinned.name, version: pinned.version, definition: pinned.definition, pins: pinned.pins },
    };
  };
}
