import * as duckdb from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { parquetColumns, readParquet, writeParquet } from './parquet.js';
import { readStep } from './read.step.js';
import { writeStep } from './write.step.js';

const rows = [
  { id: 1, big: 3_000_000_000, amount: 12.5, region: 'north', paid: true, tags: ['a'], mixed: 1 },
  { id: 2, big: 2 ** 53 - 1, amount: 3, paid: false, meta: { vip: true }, mixed: 'n/a' },
];

describe('Parquet in the files plugin', () => {
  it('writes rows as Parquet with a type per column, and reads them back as they were', async () => {
    const { bytes, schema } = writeParquet(rows);
    expect(schema).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 'big', type: 'BIGINT' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'region', type: 'VARCHAR' },
      { name: 'paid', type: 'BOOLEAN' },
      { name: 'tags', type: 'JSON' },
      { name: 'mixed', type: 'JSON' },
      { name: 'meta', type: 'JSON' },
    ]);
    const back = await readParquet(bytes, 'x.parquet');
    expect(back.rows).toEqual(rows.map((row) => ({ region: null, tags: null, meta: null, ...row })));
  });

  it('reads what DuckDB writes (zstd-compressed): DuckDB’s type names, 64-bit integers exact, dates as dates', async () => {
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const path = `/tmp/files-parquet-${process.pid}.parquet`;
    await connection.run(`COPY (SELECT 1::BIGINT AS small, 9007199254740993::BIGINT AS huge, 1.50::DECIMAL(10,2) AS price, DATE '2026-12-07' AS day,
      TIMESTAMP '2026-12-07 09:30:00' AS at, [1, 2] AS list, {'k': 'v'} AS item) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
    connection.closeSync();
    instance.closeSync();
    const { readFile, rm } = await import('node:fs/promises');
    const bytes = await readFile(path);
    await rm(path);
    expect(parquetColumns(bytes)).toEqual([
      { name: 'small', type: 'BIGINT' },
      { name: 'huge', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'day', type: 'DATE' },
      { name: 'at', type: 'TIMESTAMP' },
      { name: 'list', type: 'INTEGER[]' },
      { name: 'item', type: 'STRUCT("k" VARCHAR)' },
    ]);
    expect((await readParquet(bytes, 'd.parquet')).rows).toEqual([
      { small: 1, huge: '9007199254740993', price: 1.5, day: '2026-12-07', at: '2026-12-07T09:30:00.000Z', list: [1, 2], item: { k: 'v' } },
    ]);
  });

  it('round-trips through files/write and files/read, the schema in both refs', async () => {
    const written = await runStepForTest(writeStep, { path: 'out/sales.parquet', rows });
    expect(written).toMatchObject({
      ok: true,
      outputs: { artifact: 'out/sales.parquet', format: 'parquet', rows: 2, contentType: 'application/vnd.apache.parquet' },
    });
    const schema = written.ok && written.outputs.schema;
    expect(schema).toHaveLength(8);
    const read = await runStepForTest(readStep, { path: 'out/sales.parquet' }, { artifacts: written.artifacts, runId: 'r1' });
    expect(read).toMatchObject({ ok: true, outputs: { count: 2, schema, dataset: { format: 'ndjson', rows: 2, schema } } });
    // A Parquet ref is a dataset files/write takes, as it takes NDJSON ones.
    const csv = await runStepForTest(
      writeStep,
      { path: 'out/sales.csv', dataset: written.ok && written.outputs },
      { artifacts: written.artifacts },
    );
    expect(csv.artifacts['out/sales.csv'].toString().split('\n')[0]).toBe('id,big,amount,region,paid,tags,mixed,meta');
    expect(await runStepForTest(readStep, { path: 'x.parquet' }, { artifacts: { 'x.parquet': 'not parquet' } })).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_file', retryable: false },
    });
    expect(await runStepForTest(writeStep, { path: 'x.parquet', rows: [1] })).toMatchObject({
      ok: false,
      error: { stepCode: 'invalid_rows' },
    });
  });
});
