import { z } from 'zod';
import { RUN_STATUSES, RUN_TRIGGERS, STEP_STATUSES, type RunStatus } from '../../../workers/contracts/index.js';
import { instant, jsonObject, pageOf } from '../../common/openapi/views.js';
import { paginationQuery } from '../../common/pagination/pagination.js';
import { GraphEdgeView, GraphNodeView } from '../../pipelines/dto/pipelines.dto.js';

export const StartRunBody = z.strictObject({
  inputs: z.record(z.string(), z.unknown()).optional(),
  version: z.number().int().min(1).optional(),
});
export type StartRunBody = z.output<typeof StartRunBody>;

export const RetryRunBody = z.strictObject({
  /** Reuse the outputs of steps that succeeded; run only what failed, was skipped or never ran. */
  fromFailed: z.boolean().default(false),
  /**
   * The pipeline version to run: the failed run's own when left out, `latest`, or a number. On
   * another version, `fromFailed` keeps only the results of steps that are unchanged there, as
   * are all the steps they need.
   */
  version: z.union([z.literal('latest'), z.int().min(1)]).optional(),
});
export type RetryRunBody = z.output<typeof RetryRunBody>;

/** A run just recorded (202): it is queued until a worker picks it up. */
export const RunStarted = z.strictObject({
  id: z.uuid(),
  status: z.literal('queued'),
  pipeline: z.string(),
  version: z.int(),
});

/** The answer to a retry: the new run, and the runs other retries of the same run started. */
export const RetryRunResponse = z.strictObject({
  ...RunStarted.shape,
  retryOf: z.uuid(),
  otherRetries: z
    .array(z.strictObject({ id: z.uuid(), createdAt: instant, status: z.enum(RUN_STATUSES) }))
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

const isRunStatus = (text: string): text is RunStatus => (RUN_STATUSES as readonly string[]).includes(text);

/** `failed,cancelled`, or the parameter repeated (`status=failed&status=cancelled`), or both; each status once. */
const runStatuses = z.union([z.string().max(200), z.array(z.string().max(200)).max(RUN_STATUSES.length)]).transform((value, ctx) => {
  const parts = (Array.isArray(value) ? value : [value]).flatMap((part) => part.split(',')).map((part) => part.trim());
  const unknown = parts.filter((status) => status && !isRunStatus(status));
  const statuses = [...new Set(parts.filter(isRunStatus))];
  if (unknown.length || !statuses.length) {
    const choices = `one or more of: ${RUN_STATUSES.join(', ')}`;
    const named = unknown.map((status) => `\`${status.slice(0, 40)}\``).join(', ');
    ctx.addIssue({ code: 'custom', message: unknown.length ? `Unknown status ${named}: must be ${choices}` : `Must be ${choices}` });
    return z.NEVER;
  }
  return statuses;
});

export const RunListQuery = z.strictObject({
  ...paginationQuery,
  pipeline: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .optional(),
  status: runStatuses
    .optional()
    .describe(`Runs in any of these states, comma-separated or the parameter repeated: ${RUN_STATUSES.join(', ')}`),
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

/** Why a run or step failed. */
export const ErrorInfoView = z.looseObject({
  message: z.string(),
  code: z.string().optional(),
  stepCode: z.string().optional(),
  step: z.string().optional(),
});

/** How much of a run's error message a list shows; the run itself has all of it. */
export const ERROR_SUMMARY_CHARS = 200;

/** Why a run failed, in short: its codes and the start of its message (`GET /v1/runs/{id}` has all of it). */
const ErrorSummaryView = z.strictObject({
  message: z.string().max(ERROR_SUMMARY_CHARS).describe(`At most ${ERROR_SUMMARY_CHARS} characters, cut with \`…\``),
  code: z.string().optional(),
  stepCode: z.string().optional(),
  step: z.string().optional(),
});

export const RunSummary = z.strictObject({
  id: z.uuid(),
  pipeline: z.string(),
  version: z.int(),
  status: z.enum(RUN_STATUSES),
  trigger: z.enum(RUN_TRIGGERS),
  retryOf: z.uuid().nullable(),
  parentRunId: z.uuid().nullable(),
  scheduleId: z.uuid().nullable(),
  createdAt: instant,
  startedAt: instant.nullable(),
  endedAt: instant.nullable(),
  error: ErrorSummaryView.nullable().describe('Why the run failed, in short; null when it did not'),
});
export const RunPage = pageOf(RunSummary);

const AttemptView = z.strictObject({
  attempt: z.int(),
  item: z.int().optional(),
  queuedAt: instant.nullable(),
  startedAt: instant,
  endedAt: instant.nullable(),
  status: z.enum(['running', 'succeeded', 'failed', 'timed_out', 'cancelled']),
  error: ErrorInfoView.optional(),
});

const StepView = z.strictObject({
  id: z.string(),
  uses: z.string(),
  status: z.enum(STEP_STATUSES),
  attempt: z.int(),
  startedAt: instant.nullable(),
  endedAt: instant.nullable(),
  outputs: z
    .union([jsonObject, z.array(jsonObject)])
    .nullable()
    .describe("The step's outputs; a `forEach` step's are a list, one per item"),
  input: jsonObject
    .nullable()
    .describe(
      "The step's `with` as evaluated for its first attempt, each secret named (`[secret name]`), never its value; null before it started",
    ),
  inputBytes: z.int().optional().describe('Set instead of `input` when the input was too large to keep (64 KiB of JSON)'),
  error: ErrorInfoView.nullable(),
  items: z.strictObject({ total: z.int(), succeeded: z.int(), failed: z.int() }).optional(),
  attempts: z.array(AttemptView).describe("The step's attempts in time, oldest first (for a Gantt chart)"),
  attemptsOfItems: z.int().optional().describe('Set when only the attempts of the first this many items are shown'),
  pool: z.string().optional().describe('The worker pool the step runs on (`runsOn`), when not the default one'),
  waitingFor: z
    .enum(['pool'])
    .optional()
    .describe("`pool`: the step is due, but no worker of its pool polls Temporal's task queue for it (start `baton worker --pool <pool>`)"),
});

/** The run with its steps, their attempts, and the pinned pipeline's graph. */
export const RunView = z.strictObject({
  ...RunSummary.shape,
  inputs: jsonObject,
  outputs: jsonObject.nullable(),
  error: ErrorInfoView.nullable(),
  steps: z.array(StepView),
  queueWaitMs: z.number().nullable(),
  triggeredBy: z.strictObject({ triggerId: z.uuid(), delivery: z.string(), sourceRunId: z.uuid().nullable() }).nullable(),
  graph: z
    .strictObject({
      nodes: z.array(z.strictObject({ ...GraphNodeView.shape, status: z.enum(STEP_STATUSES) })),
      edges: z.array(GraphEdgeView),
    })
    .nullable()
    .describe("The pinned version's graph (as `GET /v1/pipelines/{name}/graph`), each node with its step's status in this run"),
});

export const RunCancelled = z.strictObject({ id: z.uuid(), status: z.enum(RUN_STATUSES), cancelRequested: z.literal(true) });

export const ApprovalDelivered = z.strictObject({ runId: z.uuid(), stepId: z.string(), approve: z.boolean(), delivered: z.literal(true) });

/** One run event; members other than these depend on `type` (`step.log` has `level` and `message`, …). */
export const RunEventView = z.looseObject({ id: z.int(), type: z.string(), stepId: z.string().nullable(), at: instant });
/** Events in the order they happened; `nextCursor` is the `after` of the next page. */
export const RunEventPage = z.strictObject({ items: z.array(RunEventView), nextCursor: z.string().nullable() });
