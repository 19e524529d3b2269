import { z } from 'zod';

/** The building blocks of response schemas (`dto/*.dto.ts`): what a client reads, after JSON. */

/** A point in time as the API writes it: ISO 8601, `2025-01-31T12:00:00.000Z`. */
export const instant = z.iso.datetime({ offset: true });

/** A JSON object whose members are the user's (inputs, outputs, metrics, …). */
export const jsonObject = z.record(z.string(), z.unknown());

/** One page of a list, newest first; `nextCursor` is the `cursor` of the next page, `null` on the last. */
export const pageOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
