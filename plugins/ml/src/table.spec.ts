import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { irisRows } from './iris.test-data.js';
import { rowsDigest, type Row } from './table.js';

describe('rowsDigest', () => {
  it('is the SHA-256 of the rows as one JSON text, as models saved before recorded it', () => {
    const whole = (rows: readonly Row[]) => `sha256:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
    expect(rowsDigest(irisRows() as unknown as Row[])).toBe(whole(irisRows() as unknown as Row[]));
    expect(rowsDigest([])).toBe(whole([]));
    fc.assert(fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue())), (rows) => rowsDigest(rows) === whole(rows)));
  });
});
