import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { parquetMetadata, parquetReadObjects, parquetSchema, type Compressors, type SchemaTree } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { z } from 'zod';
import { StepError } from '../../sdk/src/index.js';

/** A column of a Parquet dataset, its type named as DuckDB (and so `sql/query`) names it. */
export const columnSchema = z.object({ name: z.string(), type: z.string() });
export type Column = z.infer<typeof columnSchema>;

const INT32 = 2 ** 31;

/**
 * Rows (objects) as one Parquet file, columns in first-seen order, every one nullable. A column's
 * type is what its values share: BOOLEAN, INTEGER (32-bit), BIGINT (safe integers past that),
 * DOUBLE, VARCHAR; objects and arrays, or values of mixed kinds, are kept exactly as JSON.
 */
export function writeParquet(rows: readonly unknown[]): { bytes: Uint8Array; schema: Column[] } {
  const objects = rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null && !Array.isArray(row));
  if (objects.length !== rows.length)
    throw new StepError('Parquet needs rows that are objects', { retryable: false, code: 'invalid_rows' });
  const names = [...new Set(objects.flatMap((row) => Object.keys(row)))];
  const columnData: ColumnSource[] = names.map((name) => {
    const values = objects.map((row) => row[name] ?? null);
    const type = columnType(values);
    const data = values.map((value) => (value === null ? null : type === 'INT64' ? BigInt(value as number) : value));
    return { name, data, type, nullable: true };
  });
  try {
    const bytes = new Uint8Array(parquetWriteBuffer({ columnData }));
    return { bytes, schema: parquetColumns(bytes) };
  } catch (error) {
    throw new StepError(`The rows cannot be written as Parquet: ${(error as Error).message}`, { retryable: false, code: 'invalid_rows' });
  }
}

function columnType(values: unknown[]): ColumnSource['type'] {
  const present = values.filter((value) => value !== null);
  const kinds = new Set(present.map((value) => (Array.isArray(value) ? 'array' : typeof value)));
  if (kinds.size === 0) return 'STRING';
  if (kinds.size > 1 || kinds.has('object') || kinds.has('array')) return 'JSON';
  if (kinds.has('boolean')) return 'BOOLEAN';
  if (kinds.has('string')) return 'STRING';
  const numbers = present as number[];
  if (!numbers.every(Number.isSafeInteger)) return 'DOUBLE';
  return numbers.every((n) => n >= -INT32 && n < INT32) ? 'INT32' : 'INT64';
}

/** The columns of a Parquet file, with DuckDB's names for their types. */
export function parquetColumns(bytes: Uint8Array): Column[] {
  return parquetSchema(parquetMetadata(arrayBufferOf(bytes))).children.map((child) => ({
    name: child.element.name,
    type: typeName(child),
  }));
}

/**
 * A Parquet file's rows as JSON: 64-bit integers as numbers, or as strings past 2^53 where a
 * number would lose digits; DECIMAL as numbers; DATE as `2026-12-07`; timestamps as ISO 8601
 * (`2026-12-07T09:30:00.000Z`); binary as base64; lists and structs as arrays and objects.
 */
export async function readParquet(bytes: Uint8Array, path: string): Promise<{ rows: unknown[]; schema: Column[] }> {
  try {
    const file = arrayBufferOf(bytes);
    const metadata = parquetMetadata(file);
    const rows = await parquetReadObjects({
      file,
      metadata,
      compressors: DECOMPRESSORS,
      parsers: { dateFromDays: (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10) },
    });
    const schema = parquetSchema(metadata).children.map((child) => ({ name: child.element.name, type: typeName(child) }));
    return { rows: rows.map((row) => jsonSafe(row)), schema };
  } catch (error) {
    throw new StepError(`${path} is not valid parquet: ${(error as Error).message}`, { retryable: false, code: 'invalid_file' });
  }
}

/** Codecs beyond hyparquet's own (Snappy, uncompressed): zstd, which DuckDB, Spark and Polars favour, in plain JavaScript, and Node's gzip and Brotli. */
const DECOMPRESSORS: Compressors = {
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

const INTEGERS: Record<string, string> = {
  INT_8: 'TINYINT',
  INT_16: 'SMALLINT',
  INT_32: 'INTEGER',
  INT_64: 'BIGINT',
  UINT_8: 'UTINYINT',
  UINT_16: 'USMALLINT',
  UINT_32: 'UINTEGER',
  UINT_64: 'UBIGINT',
};
const PHYSICAL: Record<string, string> = {
  BOOLEAN: 'BOOLEAN',
  INT32: 'INTEGER',
  INT64: 'BIGINT',
  INT96: 'TIMESTAMP',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  BYTE_ARRAY: 'BLOB',
  FIXED_LEN_BYTE_ARRAY: 'BLOB',
};

/** DuckDB's name for a Parquet column's type, from its logical, converted and physical types. */
function typeName(node: SchemaTree): string {
  const { element, children } = node;
  const logical = element.logical_type;
  const converted = element.converted_type;
  if (converted === 'LIST' || logical?.type === 'LIST') {
    const item = children[0]?.children.length ? children[0].children[0] : children[0];
    return `${item ? typeName(item) : 'JSON'}[]`;
  }
  if (converted === 'MAP' || logical?.type === 'MAP') {
    const [key, value] = children[0]?.children ?? [];
    return `MAP(${key ? typeName(key) : 'VARCHAR'}, ${value ? typeName(value) : 'JSON'})`;
  }
  if (children.length) return `STRUCT(${children.map((child) => `"${child.element.name}" ${typeName(child)}`).join(', ')})`;
  if (logical?.type === 'DECIMAL' || converted === 'DECIMAL') return `DECIMAL(${element.precision ?? 18},${element.scale ?? 0})`;
  if (logical?.type === 'TIMESTAMP') return logical.isAdjustedToUTC ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP';
  if (converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'TIMESTAMP';
  if (logical?.type === 'DATE' || converted === 'DATE') return 'DATE';
  if (logical?.type === 'TIME' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS') return 'TIME';
  if (logical?.type === 'UUID') return 'UUID';
  if (logical?.type === 'JSON' || converted === 'JSON') return 'JSON';
  if (logical?.type === 'STRING' || converted === 'UTF8' || converted === 'ENUM') return 'VARCHAR';
  if (converted && INTEGERS[converted]) return INTEGERS[converted];
  return PHYSICAL[element.type ?? ''] ?? 'BLOB';
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
