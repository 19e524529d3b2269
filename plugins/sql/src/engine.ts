import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { StepError } from '../../sdk/src/index.js';
import { type Column, type ResultFormat, type TableFormat } from './datasets.js';
import { asStepError, cancelledError } from './errors.js';

/** The module the step loads with `ctx.installed('@duckdb/node-api')`; only its types are imported here, so no bundle holds DuckDB. */
export type DuckDB = typeof import('@duckdb/node-api');

export interface EngineOptions {
  duckdb: DuckDB;
  /** The step's private, empty folder: the only one DuckDB may read or write once locked. */
  scratch: string;
  signal: AbortSignal;
  memoryLimitMb: number;
  threads?: number;
}

export const PREVIEW_ROWS = 100;
/** A preview stays well under the 1 MiB of a step's outputs. */
export const PREVIEW_MAX_BYTES = 256 * 1024;

/** `x` → `"x"`: every table and column name reaches SQL quoted. */
export const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A string literal: DuckDB's '…' literals know no backslash escapes, so doubling quotes is all there is to it. */
export const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

const READERS: Record<TableFormat, (path: string) => string> = {
  parquet: (path) => `read_parquet(${quoteLiteral(path)})`,
  // Types are detected over the whole file: a column that changes type after the first rows is no surprise at run time.
  ndjson: (path) => `read_json(${quoteLiteral(path)}, format = 'newline_delimited', sample_size = -1)`,
  json: (path) => `read_json(${quoteLiteral(path)}, format = 'array', sample_size = -1)`,
  csv: (path) => `read_csv(${quoteLiteral(path)}, sample_size = -1)`,
};

const WRITERS: Record<ResultFormat, string> = {
  // Snappy, Parquet's most widely read codec (files/read decodes it without extras).
  parquet: 'FORMAT parquet, COMPRESSION snappy',
  ndjson: 'FORMAT json',
  csv: 'FORMAT csv, HEADER true',
};

/**
 * One in-memory DuckDB for one step, locked down before any of the tenant's SQL reaches it: no
 * extensions installed or loaded, no file outside the scratch folder, no network, and a
 * configuration nobody can change back. Cancelling the step interrupts the running statement.
 */
export class SqlEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: EngineOptions,
    private readonly onAbort: () => void,
  ) {}

  static async open(options: EngineOptions): Promise<SqlEngine> {
    const { duckdb, scratch, signal, memoryLimitMb, threads = 2 } = options;
    if (signal.aborted) throw cancelledError();
    await mkdir(join(scratch, 'tmp'), { recursive: true });
    const instance = await duckdb.DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      threads: String(threads),
      memory_limit: `${memoryLimitMb}MB`,
      temp_directory: join(scratch, 'tmp'),
    });
    const connection = await instance.connect();
    const onAbort = () => connection.interrupt();
    const engine = new SqlEngine(instance, connection, options, onAbort);
    try {
      await connection.run(`SET allowed_directories = [${quoteLiteral(`${scratch.replace(/\/+$/, '')}/`)}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      await connection.run('CREATE SCHEMA baton');
    } catch (error) {
      engine.close();
      throw error;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    return engine;
  }

  /** Runs `work`, turning DuckDB's errors (an interrupt included) into StepErrors. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.options.signal.aborted) throw cancelledError();
    try {
      return await work();
    } catch (error) {
      throw asStepError(error, { memoryLimitMb: this.options.memoryLimitMb, aborted: this.options.signal.aborted });
    }
  }

  /** Writes a table's bytes into the scratch folder and names it: a view over Parquet, a table loaded from the text formats. */
  async bindTable(name: string, format: TableFormat, bytes: Uint8Array): Promise<void> {
    const dir = join(this.options.scratch, 'in');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${name}.${format}`);
    await writeFile(path, bytes);
    const kind = format === 'parquet' ? 'VIEW' : 'TABLE';
    await this.guard(() => this.connection.run(`CREATE ${kind} ${quoteIdentifier(name)} AS FROM ${READERS[format](path)}`));
  }

  /**
   * The tenant's SQL must be one statement, and a query: DuckDB splits it (its own parser, not a
   * regular expression) and prepares it, which also binds it, so a missing table or column fails
   * here with DuckDB's message. Answers the columns the query returns.
   */
  async checkQuery(sql: string): Promise<Column[]> {
    return this.guard(async () => {
      let extracted;
      try {
        extracted = await this.connection.extractStatements(sql);
      } catch (error) {
        // With no statement at all (only comments, say) the API throws without a DuckDB error kind.
        if (/^Failed to extract statements: [A-Za-z ]+ Error: /.test((error as Error).message)) throw error;
        throw notAQuery('The sql holds no statement');
      }
      if (extracted.count !== 1) throw notAQuery(`The sql holds ${extracted.count} statements: give exactly one query`);
      const prepared = await extracted.prepare(0);
      try {
        if (prepared.statementType !== this.options.duckdb.StatementType.SELECT)
          throw notAQuery(
            `Only a query (SELECT, WITH, VALUES, FROM …) runs here, not ${this.options.duckdb.StatementType[prepared.statementType] ?? 'this statement'}`,
          );
        return Array.from({ length: prepared.columnCount }, (_, i) => ({
          name: prepared.columnName(i),
          type: prepared.columnType(i).toString(),
        }));
      } finally {
        prepared.destroySync();
      }
    });
  }

  /**
   * The checked query as a relation other SQL can use: `query()` runs a string as a subquery and
   * itself refuses anything but a single SELECT, so the tenant's text is never spliced into ours.
   */
  static relationOf(sql: string): string {
    return `query(${quoteLiteral(sql)})`;
  }

  /** Materialises a relation as `baton.<name>`, answering its row count. */
  async materialise(name: string, relation: string): Promise<number> {
    await this.guard(() => this.connection.run(`CREATE TABLE baton.${quoteIdentifier(name)} AS FROM ${relation}`));
    return this.count(`baton.${quoteIdentifier(name)}`);
  }

  async count(relation: string): Promise<number> {
    const reader = await this.guard(() => this.connection.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`));
    return Number(reader.getRowObjectsJson()[0].n);
  }

  /** Rows of a SELECT, JSON-safe (see `previewOf`). */
  async rows(select: string): Promise<Array<Record<string, unknown>>> {
    const reader = await this.guard(() => this.connection.runAndReadAll(select));
    return reader.getRowObjectsJson();
  }

  /**
   * Writes a relation as the result file in `format`, through Parquet (which keeps DuckDB's types)
   * so that the preview is read from what was written, without running the query twice.
   */
  async writeResult(relation: string, format: ResultFormat): Promise<WrittenResult> {
    const parquet = join(this.options.scratch, 'out.parquet');
    const rows = await this.copy(`FROM ${relation}`, parquet, 'parquet');
    const file = `read_parquet(${quoteLiteral(parquet)})`;
    const preview = previewOf(await this.rows(`FROM ${file} LIMIT ${PREVIEW_ROWS}`));
    const schema = (await this.rows(`DESCRIBE FROM ${file}`)).map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
    const path = format === 'parquet' ? parquet : join(this.options.scratch, `out.${format}`);
    if (format !== 'parquet') await this.copy(`FROM ${file}`, path, format);
    return { bytes: await readFile(path), rows, schema, preview };
  }

  private async copy(select: string, path: string, format: ResultFormat): Promise<number> {
    const reader = await this.guard(() => this.connection.runAndReadAll(`COPY (${select}) TO ${quoteLiteral(path)} (${WRITERS[format]})`));
    return Number(reader.getRowObjectsJson()[0]?.Count ?? 0);
  }

  close(): void {
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export interface WrittenResult {
  bytes: Buffer;
  rows: number;
  /** The columns of the file written, with their DuckDB types. */
  schema: Column[];
  preview: Array<Record<string, unknown>>;
}

const notAQuery = (message: string) => new StepError(message, { retryable: false, code: 'not_a_query' });

/**
 * The first rows, as DuckDB turns values into JSON: BIGINT, HUGEINT, UBIGINT and DECIMAL as
 * strings (exact), smaller integers and doubles as numbers (NaN and ±Infinity as strings), dates,
 * times and timestamps as DuckDB writes them (`2026-12-07`, `2026-12-07 09:30:00`), lists as
 * arrays, structs as objects, maps as `[{ key, value }]`. Rows past PREVIEW_MAX_BYTES are left out.
 */
export function previewOf(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  let bytes = 2;
  const kept: Array<Record<string, unknown>> = [];
  for (const row of rows) {
    bytes += Buffer.byteLength(JSON.stringify(row)) + 1;
    if (bytes > PREVIEW_MAX_BYTES) break;
    kept.push(row);
  }
  return kept;
}
