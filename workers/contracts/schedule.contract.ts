/**
 * The seam between a Temporal Schedule and Baton's runs: each fire starts `scheduledRun`, which
 * records a run of the schedule's pipeline (its latest version, the schedule's inputs) and runs it
 * as a child workflow whose id is the run id; it lasts as long as the run, so Temporal's overlap
 * policies apply to runs.
 */
export const SCHEDULED_RUN_WORKFLOW = 'scheduledRun';

/** Temporal's id of the Schedule that carries out Baton schedule `id`. */
export const temporalScheduleId = (id: string) => `baton-${id}`;
export const TEMPORAL_SCHEDULE_PREFIX = 'baton-';

export interface ScheduledRunInput {
  tenantId: string;
  scheduleId: string;
}

export interface ScheduledRunRequest extends ScheduledRunInput {
  /** Chosen by the workflow, so a retried activity records the same run. */
  runId: string;
  /** When Temporal meant the fire to happen (its TemporalScheduledStartTime), ISO 8601; absent for older workflows. */
  scheduledAt?: string;
}

/** The six overlap policies of Temporal Schedules, as the API names them. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
