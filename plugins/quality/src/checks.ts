import { z } from 'zod';

export type Row = Record<string, unknown>;

const severity = { severity: z.enum(['error', 'warn']).default('error'), name: z.string().max(200).optional() };
const column = z.string().min(1).max(200);
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;

export const CheckSchema = z.union([
  z.strictObject({ notNull: column, ...severity }),
  z.strictObject({ unique: z.union([column, z.array(column).min(1)]), ...severity }),
  z.strictObject({ range: column, min: z.number().optional(), max: z.number().optional(), ...severity }),
  z.strictObject({ matches: column, pattern: z.string().min(1).max(1_000), ...severity }),
  z.strictObject({
    rowCount: z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }),
    ...severity,
  }),
  z.strictObject({ schema: z.record(column, z.enum(JSON_TYPES)), ...severity }),
  z.strictObject({
    freshness: column,
    maxAge: z.string().regex(DURATION, { error: 'Must be a duration such as 30m, 24h or 7d' }),
    ...severity,
  }),
]);
export type Check = z.output<typeof CheckSchema>;

export interface CheckResult {
  name: string;
  severity: 'error' | 'warn';
  passed: boolean;
  /** Rows that broke the check (0 for checks on the whole dataset). */
  failures: number;
  /** Up to five row indexes that broke it, or what was found instead of what was expected. */
  details: Array<number | string>;
}

const MAX_DETAILS = 5;
const isNull = (value: unknown) => value === null || value === undefined;

function typeOf(value: unknown): (typeof JSON_TYPES)[number] {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as 'string' | 'boolean' | 'object';
}

/** The indexes of rows for which `broken` holds, as a result. */
function perRow(name: string, check: Check, rows: Row[], broken: (row: Row) => boolean): CheckResult {
  const bad = rows.flatMap((row, index) => (broken(row) ? [index] : []));
  return { name, severity: check.severity, passed: bad.length === 0, failures: bad.length, details: bad.slice(0, MAX_DETAILS) };
}

function whole(name: string, check: Check, passed: boolean, found: string): CheckResult {
  return { name, severity: check.severity, passed, failures: passed ? 0 : 1, details: passed ? [] : [found] };
}

/** Runs one check over the rows. `now` is passed in so that freshness is testable. */
export function runCheck(check: Check, rows: Row[], now: number): CheckResult {
  if ('notNull' in check) return perRow(check.name ?? `notNull(${check.notNull})`, check, rows, (row) => isNull(row[check.notNull]));
  if ('unique' in check) {
    const columns = Array.isArray(check.unique) ? check.unique : [check.unique];
    const seen = new Set<string>();
    return perRow(check.name ?? `unique(${columns.join(', ')})`, check, rows, (row) => {
      const key = JSON.stringify(columns.map((c) => row[c] ?? null));
      if (seen.has(key)) return true;
      seen.add(key);
      return false;
    });
  }
  if ('range' in check) {
    return perRow(check.name ?? `range(${check.range})`, check, rows, (row) => {
      const value = row[check.range];
      if (isNull(value)) return false;
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isNaN(n) || (check.min !== undefined && n < check.min) || (check.max !== undefined && n > check.max);
    });
  }
  if ('matches' in check) {
    const pattern = new RegExp(check.pattern, 'u');
    return perRow(
      check.name ?? `matches(${check.matches})`,
      check,
      rows,
      (row) => !isNull(row[check.matches]) && !pattern.test(String(row[check.matches])),
    );
  }
  if ('rowCount' in check) {
    const { min, max } = check.rowCount;
    return whole(
      check.name ?? 'rowCount',
      check,
      (min === undefined || rows.length >= min) && (max === undefined || rows.length <= max),
      `${rows.length} rows`,
    );
  }
  if ('schema' in check) {
    return perRow(check.name ?? 'schema', check, rows, (row) =>
      Object.entries(check.schema).some(([c, type]) => {
        const actual = typeOf(row[c]);
        return actual !== type && !(type === 'number' && actual === 'integer');
      }),
    );
  }
  const [, amount, unit] = DURATION.exec(check.maxAge)!;
  const newest = Math.max(...rows.map((row) => Date.parse(String(row[check.freshness]))).filter((t) => !Number.isNaN(t)));
  const fresh = Number.isFinite(newest) && now - newest <= Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return whole(
    check.name ?? `freshness(${check.freshness})`,
    check,
    fresh,
    Number.isFinite(newest) ? `newest ${new Date(newest).toISOString()}` : 'no timestamps',
  );
}
