import { StepError, type StepContext } from '../../sdk/src/index.js';
import { formatOf, FORMATS, parseRows, type CsvOptions, type FileFormat } from './formats.js';
import { readParquet, type Column } from './parquet.js';

export function chooseFormat(format: FileFormat | undefined, path: string): FileFormat {
  const chosen = format ?? formatOf(path);
  if (!chosen)
    throw new StepError(`cannot tell the format of ${path}: give \`format\` (${FORMATS.join(', ')})`, {
      retryable: false,
      code: 'unknown_format',
    });
  return chosen;
}

/** The rows of a file in the artifact store, and its columns when the file has a schema (Parquet). */
export async function readRows(
  ctx: StepContext,
  path: string,
  format: FileFormat,
  csv: CsvOptions,
): Promise<{ rows: unknown[]; schema?: Column[] }> {
  const bytes = await ctx.artifacts.get(path);
  if (format === 'parquet') return readParquet(bytes, path);
  return { rows: parseRows(bytes.toString('utf8'), format, csv, path) };
}

/**
 * The rows of a dataset reference: NDJSON as the SDK keeps datasets, unless the ref (or its key)
 * says Parquet, CSV or JSON, as `files/write` and `sql/query` refs do.
 */
export async function readDatasetRows(ctx: StepContext, dataset: { artifact: string; format?: unknown }): Promise<unknown[]> {
  const declared =
    typeof dataset.format === 'string' && (FORMATS as readonly string[]).includes(dataset.format)
      ? (dataset.format as FileFormat)
      : undefined;
  const format = declared ?? formatOf(dataset.artifact) ?? 'ndjson';
  if (format === 'ndjson') return ctx.artifacts.readDataset(dataset.artifact);
  return (await readRows(ctx, dataset.artifact, format, { delimiter: ',', cast: false })).rows;
}
