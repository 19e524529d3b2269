import Table from 'cli-table3';
import pc from 'picocolors';
import YAML from 'yaml';
import { BatonApiError } from '../../client/src/index.js';
import { CliError } from './cli-context.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** Rows as a table for people, or the API's own objects as JSON or YAML for scripts. */
export function printRows<T>(rows: T[], columns: Array<Column<T>>, format: OutputFormat): void {
  if (format === 'json') return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  if (format === 'yaml') return void process.stdout.write(YAML.stringify(rows));
  const table = new Table({
    head: columns.map((c) => c.header),
    style: { head: pc.isColorSupported ? ['cyan'] : [], border: pc.isColorSupported ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(columns.map((c) => cell(c.value(row))));
  process.stdout.write(`${table.toString()}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const STATUS_COLOURS: Record<string, (text: string) => string> = {
  succeeded: pc.green,
  failed: pc.red,
  timed_out: pc.red,
  cancelled: pc.yellow,
  waiting: pc.yellow,
  running: pc.cyan,
  queued: pc.dim,
};
export const statusText = (status: string) => (STATUS_COLOURS[status] ?? ((text: string) => text))(status);

/** What reaches the terminal for a failure: one line for a mistake (ours or the API's), the stack for a bug. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: `error: ${error.message}`, exitCode: error.exitCode };
  if (error instanceof BatonApiError) {
    const hint = HINTS[error.status] ?? (error.code ? `code ${error.code}` : undefined);
    const lines = [`error: ${error.message}${hint ? ` (${hint})` : ''}`];
    for (const problem of error.errors) lines.push(`  ${problem.path || '(body)'}: ${problem.message}`);
    return { message: lines.join('\n'), exitCode: 1 };
  }
  return { message: `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, exitCode: 1 };
}

const HINTS: Record<number, string> = {
  401: 'sign in with `baton login`, or set BATON_TOKEN to an API key',
  403: 'your role does not allow this; ask a tenant owner',
  404: 'check the name or id: `baton get` lists what there is',
};
