import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { modelStep } from './model.step.js';
import { queryStep } from './query.step.js';

const ndjson = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

describe('sql/model', () => {
  it('materialises a table, then merges incremental batches by key, counting updates and inserts', async () => {
    let store: Record<string, string | Uint8Array> = {
      'batch.ndjson': ndjson([
        { id: 1, total: 10 },
        { id: 2, total: 20 },
      ]),
    };
    const model = async (materialized: string, batch: object[], uniqueKey: string | string[] = 'id') => {
      store = { ...store, 'batch.ndjson': ndjson(batch) };
      const result = await runStepForTest(
        modelStep,
        { name: 'totals', sql: 'FROM batch', tables: { batch: 'batch.ndjson' }, materialized, uniqueKey },
        { artifacts: store, scratch: true },
      );
      store = result.artifacts;
      return result;
    };
    expect(
      await model('table', [
        { id: 1, total: 10 },
        { id: 2, total: 20 },
      ]),
    ).toMatchObject({
      ok: true,
      outputs: { artifact: 'models/totals.parquet', format: 'parquet', rowsInserted: 2, rowsUpdated: 0, rowsTotal: 2 },
    });
    const second = await model('incremental', [
      { id: 2, total: 21 },
      { id: 3, total: 30, note: 'new column' },
    ]);
    expect(second).toMatchObject({ ok: true, outputs: { rowsInserted: 1, rowsUpdated: 1, rowsTotal: 3 } });
    expect(second.lineage.map((entry) => [entry.direction, entry.name])).toEqual([
      ['input', 'batch.ndjson'],
      ['input', 'models/totals.parquet'],
      ['output', 'models/totals.parquet'],
    ]);
    const read = await runStepForTest(
      queryStep,
      { sql: 'FROM m ORDER BY id', tables: { m: 'models/totals.parquet' } },
      { artifacts: store, scratch: true },
    );
    expect(read.ok && read.outputs.preview).toEqual([
      { id: '1', total: '10', note: null },
      { id: '2', total: '21', note: null },
      { id: '3', total: '30', note: 'new column' },
    ]);
  });

  it('refuses a key the query lacks, a key twice among the new rows, and `this` as an input name', async () => {
    const artifacts = { 'b.ndjson': ndjson([{ id: 1 }, { id: 1 }]) };
    const run = (input: Record<string, unknown>) =>
      runStepForTest(
        modelStep,
        { name: 'm', sql: 'FROM b', tables: { b: 'b.ndjson' }, materialized: 'incremental', ...input },
        { artifacts, scratch: true },
      );
    expect(await run({ uniqueKey: 'nope' })).toMatchObject({ ok: false, error: { stepCode: 'invalid_key', retryable: false } });
    expect(await run({ uniqueKey: 'id' })).toMatchObject({
      ok: false,
      error: { stepCode: 'duplicate_key', message: expect.stringContaining('id = 1 2 times') },
    });
    expect(await run({ tables: { this: 'b.ndjson' } })).toMatchObject({ ok: false, error: { stepCode: 'invalid_input' } });
    // Appended when there is no key.
    const appended = await run({});
    expect(appended).toMatchObject({ ok: true, outputs: { rowsInserted: 2, rowsTotal: 2 } });
  });
});
