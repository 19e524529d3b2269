import { z } from 'zod';
import { instant } from '../../common/openapi/views.js';
import { parseDuration } from '../../../workers/contracts/duration.js';

const MAX_WINDOW_MS = 90 * 86_400_000;

export const WindowQuery = z.strictObject({
  /** How far back from now, by run creation: `1h`, `24h` (default), `7d`, at most `90d`. */
  window: z
    .string()
    .max(16)
    .default('24h')
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null || ms <= 0 || ms > MAX_WINDOW_MS) {
        ctx.addIssue({ code: 'custom', message: 'Must be a duration from 1s to 90d, such as 1h, 24h or 7d' });
        return z.NEVER;
      }
      return { text, ms };
    }),
});
export type WindowQuery = z.output<typeof WindowQuery>;

export const LineageQuery = z.strictObject({
  dataset: z.string().min(1).max(1024),
  namespace: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type LineageQuery = z.output<typeof LineageQuery>;

const share = z.number().nullable().describe('0 to 1; null when there is nothing to divide by');
const millis = z.int().nullable();

export const PipelineSummary = z.strictObject({
  window: z.string(),
  since: instant,
  items: z.array(
    z.strictObject({
      pipeline: z.string(),
      runs: z.int(),
      succeeded: z.int(),
      failed: z.int(),
      cancelled: z.int(),
      active: z.int(),
      successRate: share,
      durationMs: z.strictObject({ p50: millis, p95: millis, p99: millis }),
      queueWaitMs: z.strictObject({ p50: millis, p95: millis }),
      failuresByStep: z.record(z.string(), z.int()),
      slaBreaches: z.int(),
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
  events: z.array(z.looseObject({ eventType: z.string(), eventTime: z.string() })).describe('OpenLineage run events'),
});
