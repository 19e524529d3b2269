import { escapeIdentifier } from 'pg';

/** `schema.table` or `table`, each part a plain identifier: quoted, never interpolated raw. */
export const TABLE_PATTERN = /^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/;
export const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** PostgreSQL binds at most 65,535 parameters per statement. */
export const MAX_PARAMETERS = 65_535;

export const quoteTable = (table: string) => table.split('.').map(escapeIdentifier).join('.');

export interface LoadStatement {
  text: string;
  values: unknown[];
}

/**
 * One multi-row INSERT for a batch of rows, every value a parameter. Columns are the union of
 * the rows' keys (a row without one gets NULL). With `key`, rows whose key exists are updated
 * (every other column set from the new row) instead.
 */
export function insertStatement(table: string, columns: string[], rows: Array<Record<string, unknown>>, key?: string[]): LoadStatement {
  const values: unknown[] = [];
  const tuples = rows.map(
    (row) =>
      `(${columns
        .map((column) => {
          values.push(encode(row[column]));
          return `$${values.length}`;
        })
        .join(', ')})`,
  );
  let text = `INSERT INTO ${quoteTable(table)} (${columns.map(escapeIdentifier).join(', ')}) VALUES ${tuples.join(', ')}`;
  if (key) {
    const updated = columns.filter((column) => !key.includes(column));
    const action = updated.length
      ? `DO UPDATE SET ${updated.map((c) => `${escapeIdentifier(c)} = EXCLUDED.${escapeIdentifier(c)}`).join(', ')}`
      : 'DO NOTHING';
    text += ` ON CONFLICT (${key.map(escapeIdentifier).join(', ')}) ${action}`;
  }
  return { text, values };
}

/** Objects and arrays go in as JSON (for json/jsonb columns); pg would turn arrays into array literals. */
const encode = (value: unknown) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : (value ?? null));

/** The columns of a batch of rows, in first-seen order. */
export function columnsOf(rows: Array<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const column of Object.keys(row)) columns.add(column);
  return [...columns];
}

/**
 * SQLSTATE classes worth another attempt: connection trouble (08), serialization failures and
 * deadlocks (40), too many connections or out of resources (53), server shutting down (57P).
 */
export const isTransient = (code: string | undefined) => !!code && (/^(08|40|53)/.test(code) || code.startsWith('57P'));
