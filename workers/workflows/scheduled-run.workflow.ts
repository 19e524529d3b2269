/**
 * What a Temporal Schedule starts at each fire: record the run, then run it as a child workflow
 * and wait, so that Temporal's overlap policy (skip, buffer, cancel, terminate, allow all) governs
 * runs. Deterministic: imports only the workflow SDK and the contracts.
 */
import { executeChild, log, ParentClosePolicy, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { PIPELINE_SEARCH_KEY, RUN_PIPELINE_WORKFLOW, type RunPipelineResult, type ScheduledRunInput } from '../contracts/index.js';
import type { runPipeline } from './run-pipeline.workflow.js';

// Retried until it is done: a fire past the plan's concurrent runs waits, queued, for a slot this way,
// and one recorded while the database is down is recorded when it is back.
const { startScheduledRun } = proxyActivities<BatonActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '10s' },
});

/** Set by Temporal on every workflow a Schedule starts: the fire's nominal time. */
const SCHEDULED_START_KEY = { name: 'TemporalScheduledStartTime', type: 'DATETIME' } as const;

export async function scheduledRun(input: ScheduledRunInput): Promise<RunPipelineResult | { status: 'skipped'; reason: string }> {
  // Only for the lateness metric: a value that is not a date is left out, never a failed workflow task.
  const scheduledAt: unknown = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_KEY);
  const fire = scheduledAt instanceof Date && !Number.isNaN(scheduledAt.getTime()) ? { scheduledAt: scheduledAt.toISOString() } : {};
  const started = await startScheduledRun({ ...input, runId: uuid4(), ...fire });
  if ('skipped' in started) {
    log.info('Scheduled run skipped', { scheduleId: input.scheduleId, reason: started.skipped });
    return { status: 'skipped', reason: started.skipped };
  }
  return executeChild<typeof runPipeline>(RUN_PIPELINE_WORKFLOW, {
    workflowId: started.runId,
    args: [started],
    // Terminating this workflow (overlap `terminate_other`) cancels the run, which then records why it stopped.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    // The schedule gave this workflow the tenant's search attribute; the run adds its pipeline.
    typedSearchAttributes: workflowInfo().typedSearchAttributes.updateCopy([{ key: PIPELINE_SEARCH_KEY, value: started.pipeline.name }]),
  });
}
