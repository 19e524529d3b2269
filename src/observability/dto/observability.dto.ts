import { z } from 'zod';
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
