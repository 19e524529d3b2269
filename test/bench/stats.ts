/** Timing helpers of the benchmarks, apart from the harness so that a bench without the stack need not load it. */
import { appendFileSync } from 'node:fs';

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** One table of a bench's figures: cells as the bench prints them (units included), the first column the row's label. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

/**
 * Hands one table of figures to `npm run bench` (test/bench/run-all.ts), which puts it in
 * docs/benchmarks.md: a JSON line appended to the file BENCH_RESULT_FILE names. Without it (a bench
 * run by hand) nothing is written; the bench's console output is its own either way.
 */
export function reportResult(table: BenchTable): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(table)}\n`);
}
