import { z } from 'zod';
import { RUN_STATUSES, RUN_TRIGGERS } from '../../../workers/contracts/index.js';
import { paginationQuery } from '../../common/pagination/pagination.js';

export const StartRunBody = z.strictObject({
  inputs: z.record(z.string(), z.unknown()).optional(),
  version: z.number().int().min(1).optional(),
});
export type StartRunBody = z.output<typeof StartRunBody>;

export const RetryRunBody = z.strictObject({
  /** Reuse the outputs of steps that succeeded; run only what failed, was skipped or never ran. */
  fromFailed: z.boolean().default(false),
});
export type RetryRunBody = z.output<typeof RetryRunBody>;

/** The answer to a retry (documented in OpenAPI): the new run, and the runs other retries of the same run started. */
export const RetryRunResponse = z.object({
  id: z.uuid(),
  status: z.enum(RUN_STATUSES),
  pipeline: z.string(),
  version: z.number().int(),
  retryOf: z.uuid(),
  otherRetries: z
    .array(z.object({ id: z.uuid(), createdAt: z.iso.datetime(), status: z.enum(RUN_STATUSES) }))
    .describe(
      'Runs started by earlier retries of the same run (oldest first, at most 20): a retry sent twice without an Idempotency-Key starts two runs.',
    ),
});

export const ApprovalBody = z.strictObject({
  approve: z.boolean(),
  comment: z.string().max(2000).optional(),
});
export type ApprovalBody = z.output<typeof ApprovalBody>;

export const stepIdParam = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, { message: 'Not a step id' });

export const RunListQuery = z.strictObject({
  ...paginationQuery,
  pipeline: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .optional(),
  status: z.enum(RUN_STATUSES).optional(),
  trigger: z.enum(RUN_TRIGGERS).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** The child runs of one run. */
  parentRunId: z.uuid().optional(),
  /** The runs one schedule started. */
  schedule: z.uuid().optional(),
  /** Text to find in the run's error code or message (case-insensitive, as written: `%` and `_` are literal). */
  error: z.string().trim().min(1).max(200).optional(),
});
export type RunListQuery = z.output<typeof RunListQuery>;

export const RunEventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type RunEventsQuery = z.output<typeof RunEventsQuery>;

export const RunLogsQuery = z.strictObject({
  ...RunEventsQuery.shape,
  step: z.string().max(63).optional(),
  /** One item of a `forEach` step. */
  item: z
    .string()
    .regex(/^\d{1,9}$/, { error: 'Must be an item index: 0, 1, 2, …' })
    .transform(Number)
    .optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
});
export type RunLogsQuery = z.output<typeof RunLogsQuery>;
