import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../errors/baton-error.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('keyset pagination', () => {
  it('round-trips a cursor and refuses one it did not make', () => {
    const cursor = { createdAt: '2026-11-27T08:00:00.000Z', id: '0b9e8c1e-7f61-4c1a-9a55-0d1f3c2b4a5e' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('bm9wZQ')).toThrow(RequestValidationError);
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it('makes a page from limit + 1 rows', () => {
    const rows = [3, 2, 1].map((n) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, createdAt: new Date(Date.UTC(2026, 0, n)) }));
    const page = toPage(rows, 2, (r) => r.id);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor!)).toEqual({ createdAt: rows[1].createdAt.toISOString(), id: rows[1].id });
    expect(toPage(rows, 3, (r) => r.id).nextCursor).toBeNull();
  });
});
