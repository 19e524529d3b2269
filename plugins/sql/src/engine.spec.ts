import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as duckdb from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previewOf, quoteIdentifier, quoteLiteral, SqlEngine } from './engine.js';
import { asStepError } from './errors.js';

describe(SqlEngine.name, () => {
  let scratch: string;
  let engine: SqlEngine;
  let abort: AbortController;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sql-engine-'));
    abort = new AbortController();
    engine = await SqlEngine.open({ duckdb, scratch, signal: abort.signal, memoryLimitMb: 128 });
  });
  afterEach(async () => {
    engine.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('binds tables of every format by name and writes the result with its schema and a JSON-safe preview', async () => {
    await engine.bindTable('orders', 'csv', Buffer.from('id,customer,amount\n1,c1,2.5\n2,c2,4\n3,c1,1.5\n'));
    await engine.bindTable('customers', 'ndjson', Buffer.from('{"id":"c1","name":"Ada"}\n{"id":"c2","name":"Grace"}\n'));
    await engine.bindTable('select', 'json', Buffer.from('[{"x":1}]'));
    const sql = `SELECT c.name, sum(o.amount) AS total, count(*) AS n, DATE '2026-12-07' AS day
      FROM orders o JOIN customers c ON c.id = o.customer CROSS JOIN "select" GROUP BY c.name ORDER BY c.name;`;
    expect(await engine.checkQuery(sql)).toEqual([
      { name: 'name', type: 'VARCHAR' },
      { name: 'total', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
      { name: 'day', type: 'DATE' },
    ]);
    const written = await engine.writeResult(SqlEngine.relationOf(sql), 'parquet');
    expect(written).toMatchObject({
      rows: 2,
      schema: [
        { name: 'name', type: 'VARCHAR' },
        { name: 'total', type: 'DOUBLE' },
        { name: 'n', type: 'BIGINT' },
        { name: 'day', type: 'DATE' },
      ],
      // BIGINT as exact text, DOUBLE as a number, a DATE as DuckDB writes it.
      preview: [
        { name: 'Ada', total: 4, n: '2', day: '2026-12-07' },
        { name: 'Grace', total: 4, n: '1', day: '2026-12-07' },
      ],
    });
    expect(written.bytes.subarray(0, 4).toString()).toBe('PAR1');
    const csv = await engine.writeResult(SqlEngine.relationOf(sql), 'csv');
    expect(csv.bytes.toString()).toBe('name,total,n,day\nAda,4.0,2,2026-12-07\nGrace,4.0,1,2026-12-07\n');
    const ndjson = await engine.writeResult(SqlEngine.relationOf(sql), 'ndjson');
    expect(
      ndjson.bytes
        .toString()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { name: 'Ada', total: 4.0, n: 2, day: '2026-12-07' },
      { name: 'Grace', total: 4.0, n: 1, day: '2026-12-07' },
    ]);
  });

  it('takes one query only, judged by DuckDB’s parser and statement type', async () => {
    for (const sql of ['VALUES (1), (2)', 'FROM range(3)', 'WITH x AS (SELECT 1 AS a) SELECT * FROM x', 'SELECT 1; -- done'])
      expect(await engine.checkQuery(sql), sql).toHaveLength(1);
    for (const [sql, message] of [
      ['CREATE TABLE t (a INT)', 'not CREATE'],
      ['SELECT 1; SELECT 2', '2 statements'],
      ['-- nothing', 'no statement'],
      ['EXPLAIN SELECT 1', 'not EXPLAIN'],
      ['SET threads = 8', 'not SET'],
      ['PRAGMA threads = 8', 'not SET'],
    ])
      await expect(engine.checkQuery(sql), sql).rejects.toMatchObject({
        code: 'not_a_query',
        retryable: false,
        message: expect.stringContaining(message),
      });
    const copy = `COPY (SELECT 1) TO ${quoteLiteral(join(scratch, 'x.csv'))}`;
    await expect(engine.checkQuery(copy)).rejects.toMatchObject({
      code: 'not_a_query',
      message: expect.stringContaining('not COPY'),
    });
    await expect(engine.checkQuery('SELEC 1')).rejects.toMatchObject({
      code: 'sql_error',
      message: expect.stringContaining('Parser Error: syntax error at or near "SELEC"'),
    });
    await expect(engine.checkQuery('SELECT * FROM nope')).rejects.toMatchObject({
      code: 'sql_error',
      message: expect.stringContaining('Catalog Error'),
    });
  });

  it('keeps the tenant’s SQL inside the scratch folder: no other file, no extension, no setting changed back', async () => {
    await writeFile(join(scratch, 'mine.csv'), 'a\n1\n');
    expect(await engine.rows(`FROM read_csv(${quoteLiteral(join(scratch, 'mine.csv'))})`)).toEqual([{ a: '1' }]);
    for (const sql of [
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM glob('/etc/*')",
      // Climbing out of the folder, or a sibling whose name starts the same.
      `FROM read_text(${quoteLiteral(`${scratch}/../../etc/passwd`)})`,
      `FROM read_text(${quoteLiteral(`file://${scratch}//..//..//etc/hostname`)})`,
      `FROM read_text(${quoteLiteral(`${scratch}-sibling/x`)})`,
      "COPY (SELECT 1) TO '/tmp/baton-sql-escape.csv'",
      "ATTACH '/tmp/baton-sql-escape.db'",
      'INSTALL httpfs',
      'LOAD httpfs',
      'SET enable_external_access = true',
      "SET allowed_directories = ['/']",
    ])
      await expect(engine.rows(sql), sql).rejects.toMatchObject({ code: 'sql_denied', retryable: false });
  });

  it('stops a running query when the step is cancelled', async () => {
    setTimeout(() => abort.abort(), 200);
    const started = Date.now();
    await expect(engine.rows('SELECT count(*) FROM range(100000000) a, range(100000000) b')).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails out of memory with a hint, for good', async () => {
    await expect(engine.rows("SELECT string_agg(range::VARCHAR || repeat('x', 100), ',') FROM range(10000000)")).rejects.toMatchObject({
      code: 'out_of_memory',
      retryable: false,
      message: expect.stringContaining('memoryLimitMb (128 MB)'),
    });
  });
});

describe('SQL helpers', () => {
  it('quotes names and literals so that no text leaves them', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's\\")).toBe("'it''s\\'");
    expect(SqlEngine.relationOf("SELECT 'x'")).toBe("query('SELECT ''x''')");
  });

  it('keeps a preview under its byte budget', () => {
    const big = Array.from({ length: 100 }, (_, i) => ({ i, text: 'x'.repeat(10_000) }));
    expect(previewOf(big).length).toBe(26);
    expect(previewOf([{ a: 1 }])).toEqual([{ a: 1 }]);
  });

  it('maps what DuckDB throws to codes, and leaves other errors alone', () => {
    const context = { memoryLimitMb: 512, aborted: false };
    expect(asStepError(new Error('Binder Error: Referenced column "x" not found'), context)).toMatchObject({ code: 'sql_error' });
    expect(asStepError(new Error('INTERRUPT Error: Interrupted!'), context)).toMatchObject({ code: 'cancelled' });
    expect(
      asStepError(new Error('IO Error: Could not write file "/s/duckdb_temp_storage_DEFAULT-0.tmp": File too large'), context),
    ).toMatchObject({
      code: 'scratch_full',
      retryable: false,
    });
    const disk = new Error('ENOSPC: no space left on device');
    expect(asStepError(disk, context)).toBe(disk);
  });
});
