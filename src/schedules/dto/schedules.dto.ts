import { z } from 'zod';
import { OVERLAP_POLICIES, RUN_STATUSES } from '../../../workers/contracts/index.js';
import { instant as isoInstant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { pipelineRef } from '../../pipelines/dto/pipelines.dto.js';
import { durationField as duration } from '../../common/validation/zod.js';

const instant = z.iso.datetime({ offset: true });

const scheduleFields = {
  /** Unique in the tenant: what `baton apply` matches a `kind: Schedule` document by. */
  name: z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' }),
  pipeline: z.string().regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' }),
  /** `name` runs the latest version at each fire; `name@tag` the version the release tag points to then. */
  pipelineRef,
  /** Five fields (`30 2 * * 1-5`) or a shorthand (`@daily`, `@hourly`, …), in `timezone`. */
  cron: z.string().trim().min(1).max(200),
  /** Fixed interval instead of a cron expression, e.g. `15m`. */
  every: duration,
  /** IANA time zone of `cron` (`Europe/Berlin`); UTC when left out. */
  timezone: z.string().min(1).max(64),
  inputs: z.record(z.string(), z.unknown()),
  overlap: z.enum(OVERLAP_POLICIES),
  /** How late a missed fire (a Temporal outage) may still run; Temporal's default (a year) when left out. */
  catchupWindow: duration,
  /** Random delay up to this long added to each fire, to spread load. */
  jitter: duration,
  paused: z.boolean(),
  startAt: instant,
  endAt: instant,
};

export const CreateScheduleBody = z
  .strictObject({
    name: scheduleFields.name.optional(),
    pipeline: scheduleFields.pipelineRef,
    cron: scheduleFields.cron.optional(),
    every: scheduleFields.every.optional(),
    timezone: scheduleFields.timezone.default('UTC'),
    inputs: scheduleFields.inputs.default({}),
    overlap: scheduleFields.overlap.default('skip'),
    catchupWindow: scheduleFields.catchupWindow.optional(),
    jitter: scheduleFields.jitter.optional(),
    paused: scheduleFields.paused.default(false),
    startAt: scheduleFields.startAt.optional(),
    endAt: scheduleFields.endAt.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.cron === undefined) === (body.every === undefined))
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'Give exactly one of `cron` and `every`' });
  });
export type CreateScheduleBody = z.output<typeof CreateScheduleBody>;

/** Fields left out stay as they are; `null` clears an optional one. Giving `cron` drops `every` and the other way round. */
export const UpdateScheduleBody = z
  .strictObject({
    name: scheduleFields.name.nullable().optional(),
    cron: scheduleFields.cron.optional(),
    every: scheduleFields.every.optional(),
    timezone: scheduleFields.timezone.optional(),
    inputs: scheduleFields.inputs.optional(),
    overlap: scheduleFields.overlap.optional(),
    catchupWindow: scheduleFields.catchupWindow.nullable().optional(),
    jitter: scheduleFields.jitter.nullable().optional(),
    paused: scheduleFields.paused.optional(),
    startAt: scheduleFields.startAt.nullable().optional(),
    endAt: scheduleFields.endAt.nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.cron !== undefined && body.every !== undefined)
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'Give at most one of `cron` and `every`' });
  });
export type UpdateScheduleBody = z.output<typeof UpdateScheduleBody>;

export const TriggerScheduleBody = z.strictObject({
  /** What to do if a run of this schedule is still going; by default it runs anyway. */
  overlap: scheduleFields.overlap.default('allow_all'),
});
export type TriggerScheduleBody = z.output<typeof TriggerScheduleBody>;

export const BackfillScheduleBody = z
  .strictObject({
    from: instant,
    to: instant,
    overlap: scheduleFields.overlap.default('allow_all'),
  })
  .refine((body) => new Date(body.from) < new Date(body.to), { path: ['to'], error: '`to` must be after `from`' });
export type BackfillScheduleBody = z.output<typeof BackfillScheduleBody>;

/** The fire times of a backfill window, as Temporal computes them for the schedule (at most its first 1,000). */
export const BackfillTimes = z.strictObject({
  count: z.int().describe('How many runs the window holds (the length of `times`)'),
  times: z.array(instant),
  truncated: z.boolean().describe('Temporal lists at most 1,000 times: the window holds more'),
});

export const ScheduleListQuery = z.strictObject({
  ...paginationQuery,
  pipeline: scheduleFields.pipeline.optional(),
  name: scheduleFields.name.optional(),
});
export type ScheduleListQuery = z.output<typeof ScheduleListQuery>;

export const ScheduleView = z.strictObject({
  id: z.uuid(),
  name: z.string().nullable(),
  pipeline: z.string(),
  cron: z.string().nullable(),
  every: z.string().nullable(),
  timezone: z.string(),
  inputs: jsonObject,
  overlap: z.enum(OVERLAP_POLICIES),
  catchupWindow: z.string().nullable(),
  jitter: z.string().nullable(),
  paused: z.boolean(),
  startAt: isoInstant.nullable(),
  endAt: isoInstant.nullable(),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export const SchedulePage = pageOf(ScheduleView);

/** The schedule, its next fire times and latest runs, and what the engine holds of it (`null` before it has it). */
export const ScheduleDetail = z.strictObject({
  ...ScheduleView.shape,
  nextRuns: z.array(isoInstant),
  recentRuns: z.array(
    z.strictObject({ runId: z.uuid(), status: z.enum(RUN_STATUSES), startedAt: isoInstant, endedAt: isoInstant.nullable() }),
  ),
  engine: z.strictObject({ paused: z.boolean(), note: z.string().nullable() }).nullable(),
});
