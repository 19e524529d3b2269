import { describe, expect, it } from 'vitest';
import { datasetRows, tableDataset } from './load.step.js';

describe('mysql/load', () => {
  it('names the table as OpenLineage does: the server, then database.table, without credentials', () => {
    expect(tableDataset('db.internal', 3306, 'shop', 'orders')).toEqual({ namespace: 'mysql://db.internal:3306', name: 'shop.orders' });
    expect(tableDataset('::1', 3307, 'shop', 'sales.daily')).toEqual({ namespace: 'mysql://[::1]:3307', name: 'sales.daily' });
  });

  it('takes the rows of a dataset only when they are objects keyed by column names', () => {
    expect(datasetRows([{ id: 1 }, { id: 2, note: null }])).toHaveLength(2);
    expect(() => datasetRows([{ id: 1 }, [1, 2]])).toThrow(
      expect.objectContaining({ code: 'invalid_rows', message: expect.stringContaining('row 2') }),
    );
    expect(() => datasetRows([{ 'id; DROP TABLE t': 1 }])).toThrow(expect.objectContaining({ code: 'invalid_rows', retryable: false }));
  });
});
