import { describe, expect, it } from 'vitest';
import { columnsOf, insertStatement, isTransient, quoteTable } from './sql.js';

describe('postgres SQL building', () => {
  it('quotes every identifier and binds every value', () => {
    const rows = [
      { id: 1, region: 'eu', tags: ['a'] },
      { id: 2, note: "it's" },
    ];
    expect(insertStatement('sales.daily', columnsOf(rows), rows)).toEqual({
      text: 'INSERT INTO "sales"."daily" ("id", "region", "tags", "note") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)',
      values: [1, 'eu', '["a"]', null, 2, null, null, "it's"],
    });
  });

  it('updates the other columns on a key conflict, or does nothing when only key columns are loaded', () => {
    expect(insertStatement('t', ['id', 'amount'], [{ id: 1, amount: 2 }], ['id']).text).toBe(
      'INSERT INTO "t" ("id", "amount") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "amount" = EXCLUDED."amount"',
    );
    expect(insertStatement('t', ['id'], [{ id: 1 }], ['id']).text).toBe('INSERT INTO "t" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING');
  });

  it('keeps a hostile name an identifier', () => {
    expect(quoteTable('weird"name')).toBe('"weird""name"');
  });

  it('retries connection, serialization, resource and shutdown errors only', () => {
    expect(['08006', '40001', '40P01', '53300', '57P01'].map(isTransient)).toEqual([true, true, true, true, true]);
    expect(['42601', '23505', '22P02', undefined].map(isTransient)).toEqual([false, false, false, false]);
  });
});
