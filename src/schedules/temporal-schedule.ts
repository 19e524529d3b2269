import { createHash } from 'node:crypto';
import { ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleUpdateOptions } from '@temporalio/client';
import { parseDuration } from '../../workers/contracts/duration.js';
import {
  SCHEDULED_RUN_WORKFLOW,
  TENANT_SEARCH_KEY,
  temporalScheduleId,
  type OverlapPolicy,
  type ScheduledRunInput,
} from '../../workers/contracts/index.js';
import type { ScheduleRow } from './schedules.repository.js';

export const TEMPORAL_OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** Why a schedule is paused in Temporal though its row is not (suspension, plan, payment), or null. */
export type PauseReason = string | null;

/**
 * What the Temporal Schedule must be for this row. Its note ends with a fingerprint of the rest, so
 * the reconciler finds drift from a listing, without describing each Schedule (a memo would do, but
 * Temporal cannot update one; the note it can, and a person changing the Schedule by hand changes it).
 */
export function desiredSchedule(
  row: ScheduleRow,
  taskQueue: string,
  pausedBecause: PauseReason,
): ScheduleOptions & { state: { paused: boolean; note: string } } {
  const paused = row.paused || pausedBecause !== null;
  const options: ScheduleOptions = {
    scheduleId: temporalScheduleId(row.id),
    spec: {
      ...(row.cron ? { cronExpressions: [row.cron] } : { intervals: [{ every: parseDuration(row.every!)! }] }),
      timezone: row.timezone,
      ...(row.jitter ? { jitter: parseDuration(row.jitter)! } : {}),
      ...(row.startAt ? { startAt: row.startAt } : {}),
      ...(row.endAt ? { endAt: row.endAt } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_RUN_WORKFLOW,
      workflowId: `baton-schedule-${row.id}`,
      taskQueue,
      args: [{ tenantId: row.tenantId, scheduleId: row.id } satisfies ScheduledRunInput],
      typedSearchAttributes: [{ key: TENANT_SEARCH_KEY, value: row.tenantId }],
    },
    policies: {
      overlap: TEMPORAL_OVERLAP[row.overlap],
      ...(row.catchupWindow ? { catchupWindow: parseDuration(row.catchupWindow)! } : {}),
    },
  };
  const why = row.paused ? 'paused through the Baton API' : (pausedBecause ?? 'managed by Baton');
  return { ...options, state: { paused, note: `${why} [baton:${fingerprint(options, paused)}]` } };
}

/** A digest of everything Baton sets on the Schedule. */
function fingerprint(options: ScheduleOptions, paused: boolean): string {
  const { spec, action, policies } = options;
  return createHash('sha256').update(JSON.stringify({ spec, action, policies, paused })).digest('hex').slice(0, 32);
}

/** The fingerprint a Schedule's note carries, if Baton wrote it. */
export const fingerprintOf = (note: string | undefined) => /\[baton:([0-9a-f]{32})\]$/.exec(note ?? '')?.[1] ?? null;

/** The same, as an update of an existing Schedule. */
export const toUpdate = ({ spec, action, policies, state }: ReturnType<typeof desiredSchedule>): ScheduleUpdateOptions => ({
  spec,
  action,
  policies,
  state,
});
