import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { StepError } from '../../sdk/src/index.js';

export const FORMATS = ['csv', 'json', 'ndjson', 'parquet'] as const;
export type FileFormat = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

export interface CsvOptions {
  delimiter: string;
  /** Numbers and booleans in cells become numbers and booleans (off: every cell is a string). */
  cast: boolean;
}

/** The format a path's extension names, if any. */
export function formatOf(path: string): FileFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === 'jsonl'
    ? 'ndjson'
    : (FORMATS as readonly string[]).includes(extension ?? '')
      ? (extension as FileFormat)
      : undefined;
}

export function parseRows(text: string, format: Exclude<FileFormat, 'parquet'>, csv: CsvOptions, path: string): unknown[] {
  try {
    if (format === 'csv')
      return parse<unknown>(text, {
        columns: true,
        skip_empty_lines: true,
        delimiter: csv.delimiter,
        bom: true,
        cast: csv.cast ? castCell : false,
      });
    if (format === 'json') {
      const value = JSON.parse(text) as unknown;
      if (!Array.isArray(value)) throw new Error('the file holds JSON, but not an array of rows');
      return value;
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new StepError(`${path} is not valid ${format}: ${(error as Error).message}`, { retryable: false, code: 'invalid_file' });
  }
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Unquoted numbers and booleans become numbers and booleans; a quoted cell stays the text it is. */
function castCell(value: string, context: { quoting: boolean }): unknown {
  if (context.quoting) return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return NUMBER.test(value) ? Number(value) : value;
}

export function serializeRows(rows: readonly unknown[], format: Exclude<FileFormat, 'parquet'>, csv: CsvOptions): string {
  if (format === 'json') return `${JSON.stringify(rows)}\n`;
  if (format === 'ndjson') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const objects = rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null && !Array.isArray(row));
  if (objects.length !== rows.length) throw new StepError('CSV needs rows that are objects', { retryable: false, code: 'invalid_rows' });
  // Columns in the order they first appear, over every row, so no field is silently dropped.
  const columns = [...new Set(objects.flatMap((row) => Object.keys(row)))];
  return stringify(objects, {
    header: true,
    columns,
    delimiter: csv.delimiter,
    cast: { object: (value) => JSON.stringify(value), boolean: (value) => String(value) },
  });
}
