import { createHash } from 'node:crypto';
import { StepError, type StepContext } from '../../sdk/src/index.js';

export type Row = Record<string, unknown>;
/** A class label as a dataset holds it. */
export type Label = string | number | boolean;

/** The rows of a dataset artifact, recorded as read. */
export async function readRows(artifact: string, ctx: StepContext): Promise<Row[]> {
  ctx.lineage.input(artifact);
  const rows = await ctx.artifacts.readDataset(artifact);
  if (!rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
    throw new StepError(`${artifact} holds something other than rows (objects)`, { retryable: false, code: 'invalid_dataset' });
  }
  return rows as Row[];
}

/**
 * What the rows are, whatever key or formatting they were stored under: how a model knows its training
 * data again. The SHA-256 of `JSON.stringify(rows)`, fed one row at a time so that the text of a large
 * dataset is never held whole.
 */
export function rowsDigest(rows: readonly Row[]): string {
  const hash = createHash('sha256').update('[');
  rows.forEach((row, index) => hash.update(index ? `,${JSON.stringify(row)}` : JSON.stringify(row)));
  return `sha256:${hash.update(']').digest('hex')}`;
}

/** The feature columns of the rows as numbers; a missing or non-numeric value fails the step naming the row and column. */
export function featureMatrix(rows: readonly Row[], features: readonly string[], artifact: string): number[][] {
  return rows.map((row, index) => features.map((feature) => numberIn(row, feature, index, artifact)));
}

export function numericColumn(rows: readonly Row[], column: string, artifact: string): number[] {
  return rows.map((row, index) => numberIn(row, column, index, artifact));
}

function numberIn(row: Row, column: string, index: number, artifact: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StepError(`${artifact} row ${index + 1}: feature \`${column}\` is ${JSON.stringify(value) ?? 'missing'}, not a number`, {
      retryable: false,
      code: 'invalid_dataset',
    });
  }
  return value;
}

export function labelColumn(rows: readonly Row[], label: string, artifact: string): Label[] {
  return rows.map((row, index) => {
    const value = row[label];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new StepError(
        `${artifact} row ${index + 1}: label \`${label}\` is ${JSON.stringify(value) ?? 'missing'}, not a string, number or boolean`,
        { retryable: false, code: 'invalid_dataset' },
      );
    }
    return value;
  });
}

/** The distinct labels in a stable order (by type, then value). */
export function distinctLabels(labels: readonly Label[]): Label[] {
  const byKey = new Map(labels.map((label) => [labelKey(label), label]));
  return [...byKey.values()].sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a < typeof b ? -1 : 1));
}

export function labelKey(label: Label): string {
  return JSON.stringify(label);
}
