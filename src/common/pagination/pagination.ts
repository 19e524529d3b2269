import { z } from 'zod';
import { RequestValidationError } from '../errors/baton-error.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  cursor: z.string().max(200).optional(),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset position: newest first by (createdAt, id). Opaque to clients. */
export interface KeysetCursor {
  createdAt: string;
  id: string;
}

/** An opaque cursor of a page's last position (JSON values, base64url). */
export function encodeOpaqueCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor `encodeOpaqueCursor` made, checked against `shape`; a 400 naming `query.cursor` otherwise. */
export function decodeOpaqueCursor<T extends z.ZodType>(cursor: string, shape: T): z.output<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const checked = shape.safeParse(parsed);
  if (!checked.success) throw new RequestValidationError([{ path: 'query.cursor', message: 'Not a cursor this API returned' }]);
  return checked.data;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return encodeOpaqueCursor([cursor.createdAt, cursor.id]);
}

/** `id` is the row's uuid, or what else breaks ties between rows of one instant (`idShape`). */
export function decodeCursor(cursor: string | undefined, idShape: z.ZodType<string> = z.uuid()): KeysetCursor | undefined {
  if (!cursor) return undefined;
  const [createdAt, id] = decodeOpaqueCursor(cursor, z.tuple([z.iso.datetime(), idShape]));
  return { createdAt, id };
}

/** Rows fetched with `limit + 1` become a page and the cursor of its last item. */
export function toPage<R extends { createdAt: Date; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
