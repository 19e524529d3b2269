/** `database.table` or `table`, each part a plain identifier: quoted, never interpolated raw. */
export const TABLE_PATTERN = /^([A-Za-z_][A-Za-z0-9_]{0,63}\.)?[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A prepared statement binds at most 65,535 parameters. */
export const MAX_PARAMETERS = 65_535;
/**
 * Characters of values in one batch: one execute packet must stay under the server's
 * max_allowed_packet (16 MiB on MariaDB, 64 MiB on MySQL 8), and UTF-8 takes up to 3 bytes a character.
 */
export const MAX_BATCH_CHARS = 4 * 1024 * 1024;

export const quoteIdentifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;
export const quoteTable = (table: string) => table.split('.').map(quoteIdentifier).join('.');

export interface LoadStatement {
  sql: string;
  values: BoundValue[];
}

/** What goes to the server as a parameter: a string, a number sent as its decimal text, a boolean, or NULL. */
export type BoundValue = string | boolean | null;

/**
 * One multi-row INSERT for a batch of rows, every value a parameter. Columns are the union of
 * the rows' keys (a row without one gets NULL). With `key`, a row that collides with an existing
 * one on a unique key updates every other column instead; when only key columns are loaded it is
 * left as it is. Full batches have the same text, so the connection prepares it once.
 */
export function insertStatement(table: string, columns: string[], rows: Array<Record<string, unknown>>, key?: string[]): LoadStatement {
  const values: BoundValue[] = [];
  for (const row of rows) for (const column of columns) values.push(encode(row[column]));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let sql = `INSERT INTO ${quoteTable(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`;
  if (key) {
    const updated = columns.filter((column) => !key.includes(column));
    // VALUES(col), not MySQL 8.0.19's row alias: MariaDB knows only the former.
    const assignments = updated.length
      ? updated.map((c) => `${quoteIdentifier(c)} = VALUES(${quoteIdentifier(c)})`)
      : [`${quoteIdentifier(key[0])} = ${quoteIdentifier(key[0])}`];
    sql += ` ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
  }
  return { sql, values };
}

/**
 * JSON values as parameters. Numbers go as their decimal text, which the server converts to the
 * column's type exactly (a DECIMAL gets 0.1, not the nearest double, and `LIMIT ?` accepts it);
 * objects and arrays as JSON text (for JSON columns).
 */
export function encode(value: unknown): BoundValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** The columns of a batch of rows, in first-seen order. */
export function columnsOf(rows: Array<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const column of Object.keys(row)) columns.add(column);
  return [...columns];
}

/**
 * Where each batch ends: at most `batchSize` rows, no more parameters than a statement binds, and
 * about MAX_BATCH_CHARS of values (a single larger row still gets a batch of its own).
 */
export function batchEnds(rows: Array<Record<string, unknown>>, columns: string[], batchSize: number): number[] {
  const perBatch = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMETERS / columns.length)));
  const ends: number[] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < rows.length; i++) {
    const size = rowChars(rows[i], columns);
    if (i > start && (i - start === perBatch || chars + size > MAX_BATCH_CHARS)) {
      ends.push(i);
      start = i;
      chars = 0;
    }
    chars += size;
  }
  if (rows.length) ends.push(rows.length);
  return ends;
}

function rowChars(row: Record<string, unknown>, columns: string[]): number {
  let chars = 0;
  for (const column of columns) {
    const value = row[column];
    chars += typeof value === 'string' ? value.length : value !== null && typeof value === 'object' ? JSON.stringify(value).length : 8;
  }
  return chars;
}
