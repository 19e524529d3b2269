import { describe, expect, it } from 'vitest';
import { batchEnds, columnsOf, encode, insertStatement, MAX_BATCH_CHARS, quoteTable } from './sql.js';

describe('mysql SQL building', () => {
  it('quotes every identifier and binds every value', () => {
    const rows = [
      { id: 1, region: 'eu', tags: ['a'] },
      { id: 2, note: "it's" },
    ];
    expect(insertStatement('sales.daily', columnsOf(rows), rows)).toEqual({
      sql: 'INSERT INTO `sales`.`daily` (`id`, `region`, `tags`, `note`) VALUES (?, ?, ?, ?), (?, ?, ?, ?)',
      values: ['1', 'eu', '["a"]', null, '2', null, null, "it's"],
    });
  });

  it('updates the other columns on a duplicate key, or leaves the row when only key columns are loaded', () => {
    expect(insertStatement('t', ['id', 'amount', 'note'], [{ id: 1, amount: 2 }], ['id']).sql).toBe(
      'INSERT INTO `t` (`id`, `amount`, `note`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `amount` = VALUES(`amount`), `note` = VALUES(`note`)',
    );
    expect(insertStatement('t', ['a', 'b'], [{ a: 1, b: 2 }], ['a', 'b']).sql).toBe(
      'INSERT INTO `t` (`a`, `b`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `a` = `a`',
    );
  });

  it('keeps a hostile name an identifier', () => {
    expect(quoteTable('weird`name')).toBe('`weird``name`');
  });

  it('sends numbers as exact decimal text, objects as JSON, and nothing else as they are', () => {
    expect([0.1, 42, -1e21, true, false, null, undefined, 'x', { a: 1 }, [1, 2]].map(encode)).toEqual([
      '0.1',
      '42',
      '-1e+21',
      true,
      false,
      null,
      null,
      'x',
      '{"a":1}',
      '[1,2]',
    ]);
  });

  it('ends batches at batchSize rows, at the 65,535 parameters of a statement, and at about 4 MiB of values', () => {
    const rows = (n: number, row: Record<string, unknown>) => Array.from({ length: n }, () => row);
    expect(batchEnds(rows(1_001, { id: 1 }), ['id'], 500)).toEqual([500, 1_000, 1_001]);
    expect(batchEnds([], ['id'], 500)).toEqual([]);
    const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`c${i}`, i]));
    expect(batchEnds(rows(200, wide), Object.keys(wide), 10_000)).toEqual([65, 130, 195, 200]);
    const big = { id: 1, blob: 'x'.repeat(MAX_BATCH_CHARS / 4) };
    expect(batchEnds(rows(9, big), ['id', 'blob'], 500)).toEqual([3, 6, 9]);
    // One row larger than a batch still goes, alone.
    expect(batchEnds([{ blob: 'x'.repeat(MAX_BATCH_CHARS + 1) }, { blob: 'y' }], ['blob'], 500)).toEqual([1, 2]);
  });
});
