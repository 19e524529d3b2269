import { describe, expect, it } from 'vitest';
import { tableDataset } from './load.step.js';

describe('postgres/load lineage', () => {
  it('names the table as OpenLineage does: the server, then database.schema.table, without credentials', () => {
    expect(tableDataset('postgres://etl:s3cret@db.internal/warehouse', 'orders')).toEqual({
      namespace: 'postgres://db.internal:5432',
      name: 'warehouse.public.orders',
    });
    expect(tableDataset('postgresql://db.internal:6543/warehouse?sslmode=require', 'sales.daily')).toEqual({
      namespace: 'postgres://db.internal:6543',
      name: 'warehouse.sales.daily',
    });
  });
});
