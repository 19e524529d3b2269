import { z } from 'zod';
import { datasetInputSchema } from '../../sdk/src/index.js';

/** Formats sql/query reads as tables and writes as results. `json` (an array) is read only. */
export const TABLE_FORMATS = ['parquet', 'ndjson', 'csv', 'json'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];
export const RESULT_FORMATS = ['parquet', 'ndjson', 'csv'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

export const CONTENT_TYPES: Record<ResultFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

/** A table name as SQL sees it: always quoted, so this only keeps names simple to write and to log. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A dataset ref (files/read, files/write, transform/dataset, sql/query …) or an artifact key. */
export const tableInputSchema = z.union([z.string().min(1), datasetInputSchema]);
export type TableInput = z.infer<typeof tableInputSchema>;

export const tablesSchema = z
  .record(
    z.string().regex(TABLE_NAME, { error: 'Table names are SQL identifiers: letters, digits and _, not first a digit' }),
    tableInputSchema,
  )
  .refine((tables) => Object.keys(tables).length <= 32, { message: 'At most 32 tables' })
  .default({});

export const columnSchema = z.object({ name: z.string(), type: z.string() });
export type Column = z.infer<typeof columnSchema>;

/** What sql/query and sql/model hand on: a dataset ref whose format may be Parquet, with the columns' DuckDB types. */
export const resultRefSchema = z.object({
  artifact: z.string(),
  format: z.enum(RESULT_FORMATS),
  rows: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  contentType: z.string(),
  schema: z.array(columnSchema),
});

const EXTENSIONS: Record<string, TableFormat> = {
  parquet: 'parquet',
  pq: 'parquet',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  csv: 'csv',
  json: 'json',
};

/** A table's format: the ref's own `format`, else its key's extension; datasets without either are NDJSON, as the SDK writes them. */
export function tableFormat(input: TableInput): TableFormat {
  const declared = typeof input === 'string' ? undefined : input.format;
  if (typeof declared === 'string' && (TABLE_FORMATS as readonly string[]).includes(declared)) return declared as TableFormat;
  return formatOfKey(keyOf(input)) ?? 'ndjson';
}

export function formatOfKey(key: string): TableFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(key)?.[1]?.toLowerCase();
  return extension ? EXTENSIONS[extension] : undefined;
}

export const keyOf = (input: TableInput) => (typeof input === 'string' ? input : input.artifact);

/** The result format: the one asked for, else the path's extension, else Parquet. */
export function resultFormat(format: ResultFormat | undefined, path: string | undefined): ResultFormat {
  if (format) return format;
  const fromPath = path ? formatOfKey(path) : undefined;
  return fromPath && fromPath !== 'json' ? fromPath : 'parquet';
}

export const EXTENSION_OF: Record<ResultFormat, string> = { parquet: 'parquet', ndjson: 'ndjson', csv: 'csv' };
