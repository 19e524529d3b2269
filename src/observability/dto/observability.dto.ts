import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';
import { parseDuration } from '../../../workers/contracts/duration.js';

const WEEK_MS = 7 * 86_400_000;
const MAX_WINDOW_MS = 90 * 86_400_000;

/** A duration as pipelines write them (`30m`, `24h`, `7d`, `1d12h`), or in whole weeks (`1w`, `4w`). */
function windowMs(text: string): number | null {
  const weeks = /^(\d{1,2})w$/.exec(text);
  return weeks ? Number(weeks[1]) * WEEK_MS : parseDuration(text);
}

const window = z
  .string()
  .max(16)
  .default('24h')
  .transform((text, ctx) => {
    const ms = windowMs(text);
    if (ms === null || ms <= 0 || ms > MAX_WINDOW_MS) {
      ctx.addIssue({ code: 'custom', message: 'Must be a duration from 1s to 90d, such as 30m, 24h, 7d or 1w' });
      return z.NEVER;
    }
    return { text, ms };
  });

export const WindowQuery = z.strictObject({
  /** How far back from now, by run creation: `30m`, `24h` (default), `7d`, `1w`, at most `90d`. */
  window,
});
export type WindowQuery = z.output<typeof WindowQuery>;

export const SummaryQuery = z.strictObject({
  window,
  /** Only this pipeline's runs (by name; the runs of a deleted pipeline count under its name). */
  pipeline: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, { message: 'Must match [a-z0-9-]{1,63}' })
    .optional(),
});
export type SummaryQuery = z.output<typeof SummaryQuery>;

export const LineageQuery = z.strictObject({
  dataset: z.string().min(1).max(1024),
  namespace: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type LineageQuery = z.output<typeof LineageQuery>;

const share = z.number().nullable().describe('0 to 1; null when there is nothing to divide by');
const millis = z.int().nullable();

const runStatistics = {
  runs: z.int(),
  succeeded: z.int(),
  failed: z.int(),
  cancelled: z.int(),
  active: z.int(),
  successRate: share,
  durationMs: z.strictObject({ p50: millis, p95: millis, p99: millis }),
  queueWaitMs: z.strictObject({ p50: millis, p95: millis }),
  slaBreaches: z.int(),
};

export const PipelineSummary = z.strictObject({
  window: z.string(),
  since: instant,
  pipeline: z.string().nullable().describe('The pipeline asked for with `?pipeline=`; null for all'),
  totals: z
    .strictObject(runStatistics)
    .describe("Over every run of the answer's pipelines in the window (percentiles of all those runs, not of the pipelines')"),
  items: z.array(
    z.strictObject({
      pipeline: z.string(),
      ...runStatistics,
      failuresByStep: z.record(z.string(), z.int()),
    }),
  ),
});

export const StepTypeSummary = z.strictObject({
  window: z.string(),
  since: instant,
  items: z.array(
    z.strictObject({ uses: z.string(), calls: z.int(), failures: z.int(), failureRate: share, retries: z.int(), p95Ms: millis }),
  ),
});

const edge = z.strictObject({ job: z.string().describe('`<pipeline>.<step>`'), runId: z.uuid() });
export const Lineage = z.strictObject({
  dataset: z.strictObject({ namespace: z.string().nullable(), name: z.string() }),
  producers: z.array(edge),
  consumers: z.array(edge),
  events: z
    .array(z.looseObject({ eventType: z.string(), eventTime: z.string() }))
    .describe('OpenLineage run events: the end event (COMPLETE, FAIL or ABORT) of each step run, RUNNING while it runs'),
});

export const LineageFacetsSchema = z
  .looseObject({ $schema: z.string(), $id: z.string(), $defs: z.record(z.string(), z.looseObject({})) })
  .describe('A JSON Schema (2020-12) of the facets `baton_job` and `baton_run`');
